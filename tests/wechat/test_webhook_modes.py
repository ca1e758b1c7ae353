"""POST /wechat in plaintext, compatible and safe mode, decided request by request."""
from __future__ import annotations

import pytest

from bot.devkit.wechat_client import WeChatServer, exchange, post, reply_content, reply_fields
from tests.constants import APP_ID, TOKEN
from tests.factory import help_reply


def help_text(engine) -> str:
    return help_reply(engine.knowledge.current)


def test_plaintext_request_gets_plaintext_reply(app, engine, server):
    resp = post(app.test_client(), server.plaintext(server.text("帮助", openid="o_plain")))
    assert resp.status_code == 200
    assert resp.mimetype == "application/xml"  # never text/html (a WeRoBot bug)
    fields = reply_fields(resp.get_data(as_text=True))
    assert "Encrypt" not in fields
    assert fields["ToUserName"] == "o_plain"
    assert fields["FromUserName"] == server.account
    assert fields["Content"] == help_text(engine)


@pytest.mark.parametrize("mode", ["compatible", "safe"])
def test_encrypted_request_gets_encrypted_reply(app, engine, server, mode):
    request = getattr(server, mode)(server.text("帮助", openid=f"o_{mode}"))
    resp = post(app.test_client(), request)
    assert resp.status_code == 200
    outer = reply_fields(resp.get_data(as_text=True))
    assert set(outer) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert outer["Nonce"] == request.query["nonce"]
    xml = server.open_reply(resp.get_data(), request)  # checks MsgSignature and the appid inside
    fields = reply_fields(xml)
    assert fields["ToUserName"] == f"o_{mode}"
    assert fields["Content"] == help_text(engine)


def test_modes_interleaved_each_get_their_own(app, engine, server):
    """After an encrypted request, a plaintext one must still be answered in plaintext (WeRoBot got this wrong)."""
    client = app.test_client()
    for mode in ["safe", "plaintext", "compatible", "plaintext", "safe", "safe", "plaintext"]:
        request = getattr(server, mode)(server.text("帮助"))
        body = post(client, request).get_data(as_text=True)
        if mode == "plaintext":
            assert "<Encrypt>" not in body
            assert reply_content(body) == help_text(engine)
        else:
            assert "<Encrypt>" in body
            assert reply_content(server.open_reply(body, request)) == help_text(engine)


def test_no_reply_in_safe_mode_is_plain_success(app, server):
    request = server.safe(server.event("VIEW", key="http://www.clair.org.cn/"))
    resp = post(app.test_client(), request)
    assert resp.status_code == 200
    assert resp.get_data(as_text=True) == "success"


def test_encrypted_request_without_aes_key_configured_is_refused(config, store, server):
    from webhooks import create_app

    app = create_app(config.with_(aes_key=None), store=store)
    assert post(app.test_client(), server.safe(server.text("帮助"))).status_code == 400
    # plaintext still works on that account
    assert reply_content(exchange(app.test_client(), server, server.plaintext(server.text("帮助")))).strip()


def test_safe_request_for_another_key_is_refused(app):
    other = WeChatServer(TOKEN, APP_ID, "B" * 43)
    resp = post(app.test_client(), other.safe(other.text("帮助")))
    assert resp.status_code in (400, 403)
