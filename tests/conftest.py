"""Shared fixtures: a real Redis (embedded, or REDIS_URL when set), configs and the Flask app."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import redis

from bot import PROJECT_ROOT
from bot.infra.config import Config
from bot.infra.store import Keys, Store

TOKEN = "testtoken123"
APP_ID = "wx2c2769f8efd9abc2"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One Redis for the whole run: the machine's when REDIS_URL is set, else an embedded one.

    Returned as a URL so that other processes (workers, gunicorn) can reach the same server.
    """
    url = os.environ.get("REDIS_URL")
    if url:
        redis.Redis.from_url(url, socket_timeout=5).ping()
        yield url
        return
    embedded = Store.embedded_at(tmp_path_factory.mktemp("redis") / "test.rdb").embedded
    yield f"unix://{embedded.socket_file}"
    embedded.shutdown()


@pytest.fixture
def redis_client(redis_url: str) -> redis.Redis:
    """A client on the test Redis, emptied before each test."""
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    client.flushdb()
    return client


@pytest.fixture
def store(redis_client: redis.Redis) -> Store:
    """A clean store for each test (short timeouts like production's)."""
    return Store(redis_client, Keys("test:"))


@pytest.fixture
def knowledge_dir() -> Path:
    return PROJECT_ROOT / "knowledge"


@pytest.fixture
def config(tmp_path: Path, knowledge_dir: Path) -> Config:
    return Config(token=TOKEN, app_id=APP_ID, aes_key=AES_KEY, data_dir=tmp_path / "var",
                  knowledge_dir=knowledge_dir, key_prefix="test:", api_base_url="http://127.0.0.1:9")


@pytest.fixture
def app(config: Config, store: Store):
    from webhooks import create_app

    return create_app(config, store=store)


@pytest.fixture
def engine(app):
    return app.extensions["clairbot"]
