"""The console on a writable copy of the small knowledge: an app, staff accounts, a logged-in client, a follower."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.console.accounts import StaffAccounts
from bot.devkit.wechat_client import exchange, reply_content
from tests.kbkit import write_knowledge
from webhooks import create_app

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """The small knowledge folder, written for this test (the console edits it)."""
    return write_knowledge(tmp_path / "kb")


@pytest.fixture
def console_config(config, kb: Path):
    return config.with_(knowledge_dir=kb, reload_interval=0.2)


@pytest.fixture
def console_app(console_config, store):
    app = create_app(console_config, store=store)
    yield app
    app.extensions["clairbot"].knowledge.close()


@pytest.fixture
def accounts(store) -> StaffAccounts:
    accounts = StaffAccounts(store)
    accounts.add("wang", PASSWORD)
    return accounts


def log_in(client, name: str = "wang", password: str = PASSWORD, **kw):
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    return client.post("/console/login", data={"username": name, "password": password, "csrf_token": token}, **kw)


@pytest.fixture
def staff(console_app, accounts):
    """A test client logged in as wang."""
    client = console_app.test_client()
    assert log_in(client).status_code == 302
    return client


@pytest.fixture
def follower(console_app, server):
    """Say something to the bot through the signed webhook, as a follower; the text of the reply."""
    client = console_app.test_client()

    def say(text: str, openid: str = "o_follower_1") -> str:
        return reply_content(exchange(client, server, server.plaintext(server.text(text, openid=openid))))

    return say


def post_form(client, page: str, action: str, data: dict):
    """Submit a console form the way a browser does: the page's CSRF token with the fields."""
    token = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(action, data={**data, "csrf_token": token})
