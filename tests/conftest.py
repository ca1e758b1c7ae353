"""Shared fixtures: a real Redis (embedded, or REDIS_URL when set), configs, knowledge, the Flask app, WeChat's
signed client, the fake WeChat API with a push runtime bound to it, and the `bot` command."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner

from bot import PROJECT_ROOT
from bot.app import build_push_runtime
from bot.devkit.fake_wechat import FakeWeChat
from bot.devkit.wechat_client import WeChatServer
from bot.infra.config import Config
from bot.infra.store import Keys, Store
from bot.knowledge import load_knowledge
from bot.push import runtime as rt_module
from bot.staff.cli import cli
from tests import pushkit as kit
from tests.constants import AES_KEY, APP_ID, PUSH_SETTINGS, SECRET, TOKEN
from tests.kbkit import write_knowledge
from webhooks import create_app


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


@pytest.fixture(scope="module")
def real_knowledge():
    """The real knowledge/ folder loaded, once per test module (matching it is read-only)."""
    return load_knowledge(PROJECT_ROOT / "knowledge")


@pytest.fixture(scope="module")
def small_knowledge(tmp_path_factory: pytest.TempPathFactory):
    """The small knowledge of tests/kbkit.py (contact details, JET, Nagano) loaded, once per test module."""
    return load_knowledge(write_knowledge(tmp_path_factory.mktemp("kb")))


@pytest.fixture
def small_kb(tmp_path: Path) -> Path:
    """The small knowledge folder of tests/kbkit.py, written in tmp_path for a test that edits or checks it."""
    return write_knowledge(tmp_path)


@pytest.fixture
def config(tmp_path: Path, knowledge_dir: Path) -> Config:
    return Config(token=TOKEN, app_id=APP_ID, aes_key=AES_KEY, data_dir=tmp_path / "var",
                  knowledge_dir=knowledge_dir, key_prefix="test:", api_base_url="http://127.0.0.1:9")


@pytest.fixture
def app(config: Config, store: Store):
    return create_app(config, store=store)


@pytest.fixture
def engine(app):
    return app.extensions["clairbot"]


@pytest.fixture
def server() -> WeChatServer:
    """WeChat's side of the webhook: signs (and in safe mode encrypts) what it sends to the app."""
    return WeChatServer(TOKEN, APP_ID, AES_KEY)


@pytest.fixture
def fake():
    """The fake WeChat API, serving on loopback for one test."""
    server = FakeWeChat(appid=APP_ID, secret=SECRET)
    server.url = server.start()
    yield server
    server.stop()


@pytest.fixture
def push_knowledge(tmp_path: Path) -> Path:
    """A copy of the real knowledge folder (without the FAQ) whose articles/ the test writes."""
    root = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", root, ignore=shutil.ignore_patterns("faq", "articles"))
    (root / "articles").mkdir()
    return root


@pytest.fixture
def push_config(config: Config, fake: FakeWeChat, push_knowledge: Path) -> Config:
    return config.with_(app_secret=SECRET, api_base_url=fake.url, knowledge_dir=push_knowledge,
                        reload_interval=0.0, push=PUSH_SETTINGS)


@pytest.fixture
def rt(push_config: Config, store: Store, fake: FakeWeChat):
    """A push runtime on the test Redis and the fake API, sharing the fake's clock; bound for jobs."""
    runtime = build_push_runtime(push_config, store=store, clock=fake.now)
    rt_module.bind(runtime)
    yield runtime
    rt_module.bind(None)


@pytest.fixture
def bot(push_config: Config, redis_url: str, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch):
    """Run `bot …` in this process with the environment staff would have (the test Redis, emptied, and the fake)."""
    for name, value in kit.cli_env(push_config, redis_url).items():
        monkeypatch.setenv(name, value)

    def run(*args: str, input: str | None = None):
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False, input=input)
        rt_module.bind(None)  # the command bound its own runtime for its jobs
        return result

    yield run
    rt_module.bind(None)
