"""A restart with broken knowledge still has a bot: the last good version is kept under the data dir and served;
/healthz says stale in status words only; the folder takes over again once fixed. Only a first start refuses."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot import PROJECT_ROOT
from bot.devkit.wechat_client import WeChatServer, exchange, reply_content
from bot.infra.config import Config
from bot.knowledge import KnowledgeHolder
from bot.knowledge.loader import fingerprint
from tests.constants import APP_ID, TOKEN
from tests.kbkit import FAQ, write

BROKEN = FAQ.replace("  answer: 传真：+86-10-6513-8795\n", "  answer:\n")  # main.yaml:12 has no answer
FIXED = FAQ.replace("传真：+86-10-6513-8795", "传真：修好以后的新号码")


@pytest.fixture
def kb_config(config: Config, small_kb: Path) -> Config:
    return config.with_(knowledge_dir=small_kb)


POINTER = "LAST_GOOD"


def snapshots_of(config: Config):
    from bot.knowledge.snapshot import Snapshots

    return Snapshots(config.data_dir / "knowledge-snapshot")


def ask(app, text: str) -> str:
    server = WeChatServer(TOKEN, APP_ID)
    return reply_content(exchange(app.test_client(), server, server.plaintext(server.text(text))))


def wait_for(predicate, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds  # a bound on waiting, not a speed assertion
    while not predicate():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.05)


def test_a_restart_with_a_broken_file_serves_the_last_good_version(kb_config: Config, small_kb: Path, store,
                                                                   caplog) -> None:
    from webhooks import create_app

    first = create_app(kb_config, store=store)
    good = first.extensions["clairbot"].knowledge.current.version
    assert ask(first, "传真") == "传真：+86-10-6513-8795"
    del first  # its watcher ends with it

    write(small_kb / "faq" / "main.yaml", BROKEN)
    with caplog.at_level(logging.ERROR, logger="bot.knowledge.reload"):
        restarted = create_app(kb_config, store=store)
    assert "knowledge/faq/main.yaml:12: 'answer' must be a non-empty text" in caplog.text
    assert ask(restarted, "传真") == "传真：+86-10-6513-8795"
    assert (kb_config.data_dir / "knowledge-snapshot" / POINTER).read_text().strip() == good
    health = restarted.test_client().get("/healthz")
    body = health.get_json()
    assert health.status_code == 200
    assert body == {"status": "degraded", "redis": "ok", "knowledge_version": good, "knowledge": "stale",
                    "knowledge_reason": "files_invalid", "knowledge_source": "snapshot"}
    assert "yaml" not in health.get_data(as_text=True) and "knowledge/" not in health.get_data(as_text=True)

    write(small_kb / "faq" / "main.yaml", FIXED)
    holder = restarted.extensions["clairbot"].knowledge
    wait_for(lambda: holder.version != good, "the fixed folder to go live")
    assert ask(restarted, "传真") == "传真：修好以后的新号码"
    assert restarted.test_client().get("/healthz").get_json()["status"] == "ok"
    assert "knowledge" not in restarted.test_client().get("/healthz").get_json()
    assert snapshots_of(kb_config).latest()[0] == holder.version
    holder.close()


def test_a_broken_reload_never_replaces_the_snapshot_and_an_unchanged_version_is_not_rewritten(
        kb_config: Config, small_kb: Path) -> None:
    holder = KnowledgeHolder.for_config(kb_config)
    snapshots = snapshots_of(kb_config)
    version, copy = snapshots.latest()
    assert version == holder.version == fingerprint(copy)
    stamp = (snapshots.folder / POINTER).stat().st_mtime_ns
    assert snapshots.save(small_kb, version) is False  # same version: nothing written
    assert (snapshots.folder / POINTER).stat().st_mtime_ns == stamp

    write(small_kb / "faq" / "main.yaml", BROKEN)
    holder.interval = 0
    assert holder.current.version == version
    assert holder.last_error is not None
    assert snapshots.latest()[0] == version  # the broken files were not copied
    assert holder.health() == {"knowledge": "stale", "knowledge_reason": "files_invalid",
                               "knowledge_source": "folder"}

    write(small_kb / "faq" / "main.yaml", FIXED)
    assert holder.current.version != version
    assert snapshots.latest()[0] == holder.version
    assert [p.name for p in snapshots.folder.iterdir() if p.is_dir()] == [holder.version]  # the old one is pruned
    assert (snapshots.latest()[1] / "faq" / "main.yaml").read_text("utf-8") == FIXED


def test_a_snapshot_left_half_written_by_a_crash_is_ignored_and_cleaned(kb_config: Config, small_kb: Path) -> None:
    snapshots = snapshots_of(kb_config)
    KnowledgeHolder.for_config(kb_config)
    good = snapshots.latest()[0]
    crashed = snapshots.folder / ".tmp-crashed" / "knowledge"
    crashed.mkdir(parents=True)
    (crashed / "replies.yaml").write_text("half", encoding="utf-8")
    write(small_kb / "faq" / "main.yaml", BROKEN)
    assert KnowledgeHolder.for_config(kb_config).version == good  # the staging folder is never read

    write(small_kb / "faq" / "main.yaml", FIXED)
    fixed = KnowledgeHolder.for_config(kb_config).version
    assert snapshots.latest()[0] == fixed != good
    assert not (snapshots.folder / ".tmp-crashed").exists()


def serve_env(small_kb: Path, data_dir: Path, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "REDIS_", "BOT_"))}
    env.update(WECHAT_TOKEN=TOKEN, WECHAT_APP_ID=APP_ID, REDIS_URL=redis_url, REDIS_KEY_PREFIX="test:serve:",
               KNOWLEDGE_DIR=str(small_kb), BOT_DATA_DIR=str(data_dir), PYTHONPATH=str(PROJECT_ROOT))
    return env


def test_only_a_first_start_with_broken_files_refuses_with_a_sentence(small_kb: Path, tmp_path: Path,
                                                                      redis_url: str) -> None:
    write(small_kb / "faq" / "main.yaml", BROKEN)
    env = serve_env(small_kb, tmp_path / "fresh-var", redis_url)
    done = subprocess.run([sys.executable, "-c", "from bot.staff.cli import main; main()", "serve", "--port", "9"],
                          env=env, capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT)
    assert done.returncode == 1
    assert "there is no last good copy of it to serve yet" in done.stderr
    assert "knowledge/faq/main.yaml:12: 'answer' must be a non-empty text" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr

    gunicorn = subprocess.run([sys.executable, "-m", "gunicorn", "--preload", "--bind", "127.0.0.1:9",
                               "webhooks:create_app()"], env=env, capture_output=True, text=True, timeout=120,
                              cwd=PROJECT_ROOT)
    assert gunicorn.returncode != 0
    assert "knowledge/faq/main.yaml:12: 'answer' must be a non-empty text" in gunicorn.stderr
    assert "Traceback" not in gunicorn.stdout + gunicorn.stderr


def test_kb_check_says_which_version_the_bot_serves_meanwhile(kb_config: Config, small_kb: Path) -> None:
    KnowledgeHolder.for_config(kb_config)
    version = snapshots_of(kb_config).latest()[0]
    write(small_kb / "faq" / "main.yaml", BROKEN)
    env = {**os.environ, "KNOWLEDGE_DIR": str(small_kb), "BOT_DATA_DIR": str(kb_config.data_dir)}
    done = subprocess.run([sys.executable, "-c", "from bot.staff.cli import main; main()", "kb", "check"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT)
    assert done.returncode == 1
    assert "knowledge/faq/main.yaml:12: error: 'answer' must be a non-empty text" in done.stdout
    assert f"Meanwhile a restart serves the last good copy (version {version})." in done.stdout.splitlines()[-1]
