"""GET /wechat: WeChat's URL check, in plaintext and in safe mode."""
from __future__ import annotations

import time

import pytest

from bot.devkit.wechat_client import WeChatServer
from tests.constants import APP_ID


def test_echostr_comes_back_unchanged(app, server):
    resp = app.test_client().get("/wechat", query_string=server.verify_query("6543210987654321"))
    assert resp.status_code == 200
    assert resp.get_data(as_text=True) == "6543210987654321"


def test_safe_mode_answers_echostr_plain(app, server):
    # WeChat sends encrypt_type/msg_signature on POSTs only; an official account's echostr is never encrypted.
    query = {**server.verify_query("echo_safe_1"), "encrypt_type": "aes"}
    resp = app.test_client().get("/wechat", query_string=query)
    assert resp.status_code == 200
    assert resp.get_data(as_text=True) == "echo_safe_1"


def test_wrong_signature_is_forbidden(app, server):
    query = server.verify_query("abc")
    query["signature"] = query["signature"][::-1]
    resp = app.test_client().get("/wechat", query_string=query)
    assert resp.status_code == 403
    assert "abc" not in resp.get_data(as_text=True)


def test_other_token_is_forbidden(app):
    query = WeChatServer("anothertoken", APP_ID).verify_query("abc")
    assert app.test_client().get("/wechat", query_string=query).status_code == 403


@pytest.mark.parametrize("missing", ["signature", "timestamp", "nonce"])
def test_missing_part_is_forbidden(app, server, missing):
    query = server.verify_query("abc")
    del query[missing]
    assert app.test_client().get("/wechat", query_string=query).status_code == 403


def test_no_query_at_all_is_forbidden(app):
    assert app.test_client().get("/wechat").status_code == 403


@pytest.mark.parametrize("age", [301, 3600, -3600, int(time.time()) - 978307200])  # the last: a 2001 timestamp
def test_stale_or_future_timestamp_is_forbidden(app, server, age):
    query = server.verify_query("abc", timestamp=int(time.time()) - age)
    assert app.test_client().get("/wechat", query_string=query).status_code == 403


def test_timestamp_inside_the_window_is_accepted(app, server):
    query = server.verify_query("abc", timestamp=int(time.time()) - 200)
    assert app.test_client().get("/wechat", query_string=query).status_code == 200


def test_non_numeric_timestamp_is_forbidden(app, server):
    query = server.verify_query("abc", timestamp="12ab")
    assert app.test_client().get("/wechat", query_string=query).status_code == 403
