"""Hostile or broken requests: a clear 4xx, nothing processed, nothing expanded; a failing handler is contained."""
from __future__ import annotations

import base64
import logging
import os

import pytest

from bot.core.effects import PASS
from bot.devkit.wechat_client import Request, WeChatServer, post, reply_content, sha1_signature
from bot.infra.privacy import hash_openid
from bot.knowledge.texts import Say
from tests.constants import TOKEN
from tests.factory import help_reply


@pytest.fixture
def seen(engine) -> list:
    """Every message that reaches the handler chain."""
    reached: list = []
    engine.router.handlers.insert(0, lambda ctx: reached.append(ctx.message) or PASS)
    return reached


def raw(server: WeChatServer, body: bytes) -> Request:
    """A correctly signed plaintext request around any body."""
    return Request(server.query(), body, "")


def test_no_signature_is_forbidden(app, server, seen):
    request = server.plaintext(server.text("帮助"))
    resp = app.test_client().post("/wechat", data=request.body, content_type="text/xml")
    assert resp.status_code == 403
    assert seen == []


def test_wrong_signature_is_forbidden(app, server, seen):
    request = server.plaintext(server.text("帮助"))
    request.query["signature"] = sha1_signature("wrongtoken", request.query["timestamp"], request.query["nonce"])
    assert post(app.test_client(), request).status_code == 403
    assert seen == []


def test_replayed_old_request_is_forbidden(app, server, seen):
    request = server.plaintext(server.text("帮助"), timestamp=978307200)  # 2001-01-01
    assert post(app.test_client(), request).status_code == 403
    assert seen == []


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b"]><xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
                    b"<MsgType>text</MsgType><Content>&lol9;</Content><MsgId>1</MsgId></xml>")
XXE = (b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       b"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
       b"<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>2</MsgId></xml>")
LOWERCASE_DOCTYPE = b'<!doctype xml [<!entity a "b">]><xml><MsgType>text</MsgType></xml>'
UNDECLARED_ENTITY = (b"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
                     b"<MsgType>text</MsgType><Content>&undefined;</Content><MsgId>3</MsgId></xml>")


@pytest.mark.parametrize("body", [
    b"<xml><ToUserName>gh</ToUserName",                      # cut short
    b"not xml at all",
    b"",
    b"<html><body>hi</body></html>",                          # wrong root
    b"<xml><ToUserName>gh</ToUserName></xml>",                # no MsgType / FromUserName
    BILLION_LAUGHS,
    XXE,
    LOWERCASE_DOCTYPE,
    UNDECLARED_ENTITY,
], ids=["truncated", "not-xml", "empty", "wrong-root", "no-msgtype", "billion-laughs", "xxe", "doctype-lower",
        "undeclared-entity"])
def test_bad_xml_is_400_and_nothing_is_processed(app, server, seen, body):
    resp = post(app.test_client(), raw(server, body))
    assert resp.status_code == 400
    text = resp.get_data(as_text=True)
    assert "lollol" not in text and "root:" not in text
    assert seen == []


def test_hostile_xml_inside_an_encrypted_payload_is_400(app, server, seen):
    resp = post(app.test_client(), server.safe(XXE.decode()))
    assert resp.status_code == 400
    assert seen == []


def test_body_that_is_not_utf8_is_400(app, server, seen):
    xml = server.text("你们的电话是多少").replace("<xml>", "<?xml version='1.0' encoding='gbk'?><xml>", 1)
    resp = post(app.test_client(), raw(server, xml.encode("gbk")))
    assert resp.status_code == 400
    assert seen == []


def test_body_over_64_kb_is_413(app, server, seen):
    body = server.text("长" * 30_000).encode()  # 90 KB of UTF-8
    assert len(body) > 64 * 1024
    assert post(app.test_client(), raw(server, body)).status_code == 413
    assert seen == []


def test_body_just_under_the_limit_is_accepted(app, server, seen):
    body = server.text("长" * 21_000).encode()  # ~63 KB
    assert len(body) < 64 * 1024
    assert post(app.test_client(), raw(server, body)).status_code == 200
    assert len(seen) == 1


def test_encrypted_body_with_bad_msg_signature_is_403(app, server, seen):
    request = server.safe(server.text("帮助"))
    request.query["msg_signature"] = sha1_signature(TOKEN, "1", "2", "3")
    assert post(app.test_client(), request).status_code == 403
    request.query.pop("msg_signature")
    assert post(app.test_client(), request).status_code == 403
    assert seen == []


@pytest.mark.parametrize("garbage", [
    "%%%这不是base64%%%",
    base64.b64encode(os.urandom(45)).decode(),   # not a whole number of AES blocks
    base64.b64encode(b"").decode() or "=",
    "QUJD",                                       # 3 bytes
], ids=["not-base64", "not-blocks", "empty", "too-short"])
def test_garbage_in_encrypt_is_400(app, server, seen, garbage):
    assert post(app.test_client(), server.safe_raw(garbage)).status_code == 400
    assert seen == []


def test_random_whole_blocks_in_encrypt_are_refused(app, server, seen):
    for _ in range(5):
        resp = post(app.test_client(), server.safe_raw(base64.b64encode(os.urandom(96)).decode()))
        assert resp.status_code in (400, 403)
    assert seen == []


def test_wrong_appid_inside_is_refused(app, server, seen):
    resp = post(app.test_client(), server.safe(server.text("帮助"), app_id="wx0000000000000000"))
    assert resp.status_code in (400, 403)
    assert seen == []


def test_a_raising_handler_is_logged_and_the_follower_gets_the_error_text(app, engine, server, caplog):
    def broken(ctx):
        if ctx.text == "爆炸":
            raise RuntimeError("boom in a handler")
        return PASS

    engine.router.handlers.insert(-1, broken)
    request = server.plaintext(server.text("爆炸", msg_id=99887766, openid="o_unlucky"))
    with caplog.at_level(logging.ERROR):
        resp = post(app.test_client(), request)
    assert resp.status_code == 200
    assert reply_content(resp.get_data(as_text=True)) == engine.knowledge.current.text(Say.error)
    failures = [r for r in caplog.records if r.exc_info and "boom in a handler" in str(r.exc_info[1])]
    assert failures, caplog.text
    logged = failures[0].getMessage()
    assert "99887766" in logged and hash_openid("o_unlucky") in logged and "o_unlucky" not in logged
    # the next message is answered normally
    follow_up = post(app.test_client(), server.plaintext(server.text("帮助", openid="o_unlucky")))
    assert reply_content(follow_up.get_data(as_text=True)) == help_reply(engine.knowledge.current)


def test_a_raising_handler_on_an_event_does_not_500(app, engine, server):
    def broken(ctx):
        raise RuntimeError("boom on an event")

    engine.router.handlers.insert(0, broken)
    resp = post(app.test_client(), server.plaintext(server.event("subscribe")))
    assert resp.status_code == 200


def test_failing_inbound_hooks_do_not_lose_the_reply(app, engine, server, caplog):
    def queues_then_raises(ctx, target, pipe):
        pipe.incr("test:hook-ran")
        raise RuntimeError("hook failed while queueing")

    def fails_after_the_write(ctx, target, pipe):
        pipe.incr("test:hook-ran")

        def after(results):
            assert results == [2]  # it gets exactly the results of the commands it queued
            raise RuntimeError("hook failed after the write")

        return after

    engine.inbound_writes.extend([queues_then_raises, fails_after_the_write])
    with caplog.at_level(logging.ERROR):
        body = post(app.test_client(), server.plaintext(server.text("帮助"))).get_data(as_text=True)
    assert reply_content(body) == help_reply(engine.knowledge.current)
    assert engine.store.redis.get("test:hook-ran") == b"2"
    logged = caplog.text
    assert "hook failed while queueing" in logged and "hook failed after the write" in logged
