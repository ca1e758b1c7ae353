"""An edit goes live without waiting for a request: a watcher thread in every serving process (also in the workers
gunicorn forks from a --preload master) loads it beside serving; the first request after it gets the new answer."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot import PROJECT_ROOT
from bot.devkit.webserve import free_port
from bot.devkit.wechat_client import WeChatServer, exchange, reply_content
from bot.infra.config import Config
from tests.constants import APP_ID, TOKEN
from tests.kbkit import FAQ, write, write_knowledge

OLD, NEW = "传真：+86-10-6513-8795", "传真：+86-10-6513-0000"


def ask(app, text: str) -> str:
    server = WeChatServer(TOKEN, APP_ID)
    return reply_content(exchange(app.test_client(), server, server.plaintext(server.text(text))))


def wait_until(predicate, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds  # a bound on waiting, not a speed assertion
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def kb_app(config: Config, store, tmp_path: Path):
    from webhooks import create_app

    app = create_app(config.with_(knowledge_dir=write_knowledge(tmp_path)), store=store)
    yield app
    app.extensions["clairbot"].knowledge.close()


def test_an_edit_is_live_for_the_first_request_after_it(kb_app) -> None:
    holder = kb_app.extensions["clairbot"].knowledge
    assert ask(kb_app, "传真") == OLD
    before = holder.version
    write(holder.root / "faq" / "main.yaml", FAQ.replace(OLD, NEW))
    wait_until(lambda: holder.version != before, "the watcher to load the edit")  # no request meanwhile
    assert ask(kb_app, "传真") == NEW


def test_a_forked_child_watches_too(kb_app) -> None:
    """As under gunicorn --preload: the app is built, then the process forks; the child's watcher loads the edit."""
    holder = kb_app.extensions["clairbot"].knowledge
    before = holder.version
    read, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no request until its watcher has loaded the edit
        try:
            os.close(read)
            deadline = time.monotonic() + 60
            while holder.version == before and time.monotonic() < deadline:
                time.sleep(0.05)
            answer = ask(kb_app, "传真") if holder.version != before else "the child never saw the edit"
            os.write(write_end, answer.encode())
        finally:
            os._exit(0)
    os.close(write_end)
    time.sleep(0.5)  # let the child start before the edit
    write(holder.root / "faq" / "main.yaml", FAQ.replace(OLD, NEW))
    with os.fdopen(read, "rb") as pipe:
        answer = pipe.read().decode()
    os.waitpid(pid, 0)
    assert answer == NEW


def test_health_says_when_the_watcher_is_stuck(tmp_path: Path) -> None:
    from bot.knowledge import KnowledgeHolder

    holder = KnowledgeHolder(write_knowledge(tmp_path), interval=0.05, background=True, stalled_after=0.5)
    try:
        wait_until(lambda: holder.health() == {}, "a first look")
        with holder._lock:  # what a load that never returns looks like to the watcher
            wait_until(lambda: holder.health().get("knowledge_reason") == "watcher_stalled", "the stall to show")
            assert holder.health() == {"knowledge": "stale", "knowledge_reason": "watcher_stalled",
                                       "knowledge_source": "folder"}
        wait_until(lambda: holder.health() == {}, "the watcher to look again")
    finally:
        holder.close()


def post_text(port: int, text: str) -> str:
    server = WeChatServer(TOKEN, APP_ID)
    request = server.plaintext(server.text(text))
    response = requests.post(f"http://127.0.0.1:{port}/wechat", params=request.query, data=request.body,
                             headers={"Content-Type": "text/xml"}, timeout=10)
    assert response.status_code == 200, response.text
    return reply_content(response.text)


def test_gunicorn_preload_serves_the_snapshot_then_the_fixed_folder_without_a_request(
        config: Config, tmp_path: Path, redis_url: str) -> None:
    from bot.knowledge import KnowledgeHolder
    from bot.knowledge.snapshot import POINTER

    folder = write_knowledge(tmp_path)
    data_dir = tmp_path / "var"
    KnowledgeHolder.for_config(config.with_(knowledge_dir=folder, data_dir=data_dir))  # an earlier, good start
    pointer = data_dir / "knowledge-snapshot" / POINTER
    good = pointer.read_text().strip()
    write(folder / "faq" / "main.yaml", FAQ.replace(f"  answer: {OLD}\n", "  answer:\n"))  # broken at the restart

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "REDIS_", "BOT_"))}
    env.update(WECHAT_TOKEN=TOKEN, WECHAT_APP_ID=APP_ID, REDIS_URL=redis_url, REDIS_KEY_PREFIX="test:gunicorn:",
               KNOWLEDGE_DIR=str(folder), BOT_DATA_DIR=str(data_dir), PYTHONPATH=str(PROJECT_ROOT))
    log = open(tmp_path / "gunicorn.log", "w+b")  # closed below
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--preload", "--workers", "2", "--bind",
                               f"127.0.0.1:{port}", "--timeout", "30", "webhooks:create_app()"],
                              env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        def up() -> bool:
            assert server.poll() is None, "gunicorn exited"
            try:
                return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
            except requests.ConnectionError:
                return False

        wait_until(up, "gunicorn to serve", 120)
        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()
        assert (health["knowledge"], health["knowledge_source"], health["knowledge_version"]) == \
            ("stale", "snapshot", good)
        assert post_text(port, "传真") == OLD

        write(folder / "faq" / "main.yaml", FAQ.replace(OLD, NEW))  # fixed, and no request from here on
        wait_until(lambda: pointer.read_text().strip() != good, "a process to load the fixed folder")
        time.sleep(5)  # the other processes' watchers load it too (each looks every second)
        answers = {post_text(port, "传真") for _ in range(8)}
        assert answers == {NEW}
        assert "knowledge" not in requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(30)
        log.seek(0)
        output = log.read().decode(errors="replace")
        log.close()
    assert "Traceback" not in output, output
    assert "knowledge/faq/main.yaml:12: 'answer' must be a non-empty text" in output
