"""Forged and replayed requests: a signature is single-use per body, the mode setting refuses what WeChat would
never send, and the URL's openid must be the message's sender. All through the webhook, really signed."""
from __future__ import annotations

import logging
import socket
import time

import pytest

from bot.core.effects import PASS
from bot.devkit.wechat_client import Request, exchange, post, reply_content
from bot.followers.subscriptions import topics_of
from bot.infra.store import Store
from tests.factory import help_reply


@pytest.fixture
def seen(engine) -> list:
    """The text of every message that reaches the handler chain."""
    reached: list = []
    engine.router.handlers.insert(0, lambda ctx: reached.append(getattr(ctx.message, "content", None)) or PASS)
    return reached


def forged(captured: Request, xml: str, openid: str) -> Request:
    """What an eavesdropper sends: a captured signed URL (openid swapped, it is not signed) around its own body."""
    return Request({**captured.query, "openid": openid}, xml.encode(), xml)


def test_a_captured_url_cannot_carry_another_followers_message(app, server, store, seen):
    client = app.test_client()
    exchange(client, server, server.plaintext(server.text("订阅 旅游", openid="o_victim")))
    assert topics_of(store, "o_victim") == {"tourism"}

    captured = server.plaintext(server.text("帮助", openid="o_attacker"))
    first = exchange(client, server, captured)
    attack = forged(captured, server.text("退订 全部", openid="o_victim"), "o_victim")
    assert post(client, attack).status_code == 403
    assert topics_of(store, "o_victim") == {"tourism"}
    assert seen == ["订阅 旅游", "帮助"]
    # the same URL with the same body is WeChat retrying: it gets the same reply, not handled again
    assert exchange(client, server, captured) == first
    assert seen == ["订阅 旅游", "帮助"]


@pytest.mark.parametrize("mode", ["plaintext", "safe"])
def test_a_replay_after_the_retries_are_over_is_refused(app, engine, server, store, seen, mode):
    """The issue's replay: the same signed request 66 s later, once its cached reply has expired."""
    client = app.test_client()
    request = getattr(server, mode)(server.text("帮助", msg_id=920001 + (mode == "safe"), openid="o_replayed"))
    assert reply_content(exchange(client, server, request)) == help_reply(engine.knowledge.current)
    # 66 s later: the cached reply is gone (its 60 s are over) and the signature record is 66 s old
    store.redis.delete(store.keys.msg(str(920001 + (mode == "safe"))))
    q = request.query
    record = store.keys.signature(q["timestamp"], q["nonce"], q["signature"])
    digest, _, first_seen = store.redis.get(record).decode().partition(":")
    store.redis.set(record, f"{digest}:{float(first_seen) - 66}", keepttl=True)
    assert post(client, request).status_code == 403
    assert seen == ["帮助"]


def test_the_signature_record_lasts_as_long_as_the_signature_is_fresh(app, server, store, config):
    request = server.plaintext(server.text("帮助"))
    exchange(app.test_client(), server, request)
    q = request.query
    ttl = store.redis.ttl(store.keys.signature(q["timestamp"], q["nonce"], q["signature"]))
    assert config.replay_window - 5 <= ttl <= config.replay_window + 2


def test_upper_case_signature_is_the_same_signature(app, server, seen):
    client = app.test_client()
    captured = server.plaintext(server.text("帮助", openid="o_case"))
    exchange(client, server, captured)
    attack = forged(captured, server.text("退订 全部", openid="o_case"), "o_case")
    attack.query["signature"] = attack.query["signature"].upper()
    assert post(client, attack).status_code == 403
    assert seen == ["帮助"]


def test_the_url_openid_must_be_the_sender(app, server, seen):
    request = server.plaintext(server.text("退订 全部", openid="o_someone"))
    request.query["openid"] = "o_someone_else"
    assert post(app.test_client(), request).status_code == 403
    safe = server.safe(server.text("退订 全部", openid="o_someone"))
    safe.query["openid"] = "o_someone_else"
    assert post(app.test_client(), safe).status_code == 403
    assert seen == []


def app_in_mode(config, store, mode: str):
    from webhooks import create_app

    return create_app(config.with_(message_mode=mode), store=store)


@pytest.mark.parametrize(("mode", "accepted", "refused"), [
    ("safe", ["safe", "compatible"], ["plaintext"]),
    ("plaintext", ["plaintext"], ["safe", "compatible"]),
    ("compatible", ["plaintext", "safe", "compatible"], []),
])
def test_message_mode_refuses_what_the_account_never_sends(config, store, server, mode, accepted, refused):
    app = app_in_mode(config, store, mode)
    engine = app.extensions["clairbot"]
    client = app.test_client()
    for kind in accepted:
        body = exchange(client, server, getattr(server, kind)(server.text("帮助")))
        assert reply_content(body) == help_reply(engine.knowledge.current), kind
    for kind in refused:
        assert post(client, getattr(server, kind)(server.text("退订 全部"))).status_code == 403, kind


def test_redis_down_answers_without_the_check_and_says_so_once(config, server, caplog):
    from webhooks import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    app = create_app(config, store=Store.connect(config.with_(redis_url=f"redis://127.0.0.1:{closed}/0")))
    client = app.test_client()
    help_text = help_reply(app.extensions["clairbot"].knowledge.current)
    with caplog.at_level(logging.WARNING):
        for n in range(4):
            request = server.plaintext(server.text("帮助", msg_id=930000 + n))
            assert reply_content(exchange(client, server, request)) == help_text
            time.sleep(0.01)
    said = [r for r in caplog.records if r.name == "bot.wechat.replay"]
    assert len(said) == 1 and "without the single-use check" in said[0].getMessage()
