"""Chat commands for subscriptions, through the signed webhook, with the real knowledge and Redis."""
from __future__ import annotations

import time

import pytest
from wechatpy import parse_message

from bot.core.router import Context
from bot.core.session import Session
from bot.infra.config import Config
from bot.knowledge.texts import Say
from bot.push.ledger import Ledger
from bot.push.queue import maintenance_queue, push_queue
from bot.staff.chat import WebhookClient
from handlers import subscriptions as handler
from tests.constants import TOKEN

WHO = "oSUBSCRIBER0000000000000000A"


@pytest.fixture
def chat(app) -> WebhookClient:
    return WebhookClient(app, token=TOKEN, openid=WHO)


def topics_of(store) -> set[str]:
    return {m.decode() for m in store.redis.smembers(store.keys.user_topics(WHO))}


def test_subscribe_alone_lists_numbered_topics(chat):
    reply = chat.say("订阅")
    assert "1. 旅游" in reply and "2. 活动" in reply and "长野" in reply and "佐贺" in reply
    assert "订阅 编号" in reply


@pytest.mark.parametrize(("typed", "topic", "name"), [
    ("订阅 旅游", "tourism", "旅游"),
    ("订阅 2", "events", "活动"),
    ("订阅 长野", "nagano", "长野"),
    ("订阅 長野県", "nagano", "长野"),
    ("订阅 nagano", "nagano", "长野"),
    ("订阅旅游", "tourism", "旅游"),
    ("訂閱 JET", "jet", "JET项目"),
    ("subscribe tourism", "tourism", "旅游"),
    ("订阅：甲府市", "yamanashi", "山梨"),
])
def test_subscribe_by_name_number_or_alias_confirms_with_the_topic_name(chat, store, typed, topic, name):
    reply = chat.say(typed)
    assert f"已为您订阅「{name}」" in reply
    assert topics_of(store) == {topic}
    assert store.redis.sismember(store.keys.topic_subs(topic), WHO)


def test_subscribe_several_and_again(chat, store):
    assert "已为您订阅「旅游、长野」" in chat.say("订阅 旅游 长野")
    reply = chat.say("订阅 长野、活动")
    assert "已为您订阅「活动」" in reply and "您已经订阅了「长野」" in reply
    assert topics_of(store) == {"tourism", "nagano", "events"}
    assert maintenance_queue(store).count >= 2  # each change queues a sync of the follower's WeChat tags
    assert push_queue(store).count == 0  # on their own queue: a burst of tag syncs never delays an article


def test_unknown_topic_is_said_and_nothing_stored(chat, store):
    reply = chat.say("订阅 火星")
    assert "没有找到「火星」" in reply
    assert topics_of(store) == set()
    assert "没有找到「99」" in chat.say("订阅 99")


def test_a_question_starting_with_the_word_is_not_a_command(engine):
    from tests.handlers.test_subscriptions import text_message

    handled = engine.answer(text_message("订阅号是什么"))
    assert handled.ctx.evidence.handler not in ("", "subscriptions")
    assert not [e for e in handled.effects if type(e).__name__ in ("Subscribe", "Unsubscribe")]


def test_unsubscribe_one_all_and_my_subscriptions(chat, store):
    chat.say("订阅 旅游 长野 JET")
    mine = chat.say("我的订阅")
    assert "旅游" in mine and "长野" in mine and "JET项目" in mine
    assert "已为您退订「长野」" in chat.say("退订 长野")
    assert "您没有订阅「长野」" in chat.say("退订 长野")
    assert "退订 全部" in chat.say("退订")
    reply = chat.say("退订 全部")
    assert "已为您退订全部主题（旅游、JET项目）" in reply
    assert topics_of(store) == set()
    assert not store.redis.sismember(store.keys.topic_subs("tourism"), WHO)
    assert "没有订阅任何主题" in chat.say("我的订阅")


def test_menu_click_subscribes(chat, store):
    reply = chat.event("CLICK", "SUBSCRIBE_TOURISM")
    assert "已为您订阅「旅游」" in reply
    assert topics_of(store) == {"tourism"}


def test_unfollow_removes_subscriptions_and_pending_articles(chat, store):
    chat.say("订阅 旅游")
    ledger = Ledger(store)
    claim = ledger.claim("spring", WHO, now=time.time() + 3 * 86400)  # window shut: it goes to the pending list
    assert claim.slot == "closed"
    assert store.redis.llen(store.keys.pending(WHO)) == 1
    chat.event("unsubscribe")
    assert topics_of(store) == set()
    assert not store.redis.exists(store.keys.pending(WHO))
    assert store.redis.hget(store.keys.push_ledger("spring"), WHO) == b"u"
    assert ledger.counts("spring")["pending"] == 0


def test_redis_down_gets_a_clear_answer(engine, config: Config):
    # topics=None: the follower's topics could not be read from Redis
    ctx = Context(message=text_message("订阅 旅游"), openid=WHO, session=Session(WHO),
                  knowledge=engine.knowledge.current, config=config, text="订阅 旅游", topics=None)
    outcome = handler.handle(ctx)
    assert outcome.reply.content == engine.knowledge.current.text(Say.subscriptions_unavailable)
    assert outcome.effects == ()


def test_messages_open_the_window_and_clicks_the_short_one(chat, store):
    chat.say("你好")
    window = store.redis.hgetall(store.keys.window(WHO))
    assert window[b"ln"] == b"0" and float(window[b"l"]) > 0
    assert store.redis.zscore(store.keys.active, WHO) is not None
    chat.event("CLICK", "HELP")
    assert store.redis.hget(store.keys.window(WHO), "sn") == b"0"


def text_message(text: str):
    return parse_message(f"<xml><ToUserName>gh_x</ToUserName><FromUserName>{WHO}</FromUserName>"
                         f"<CreateTime>1700000000</CreateTime><MsgType>text</MsgType>"
                         f"<Content><![CDATA[{text}]]></Content><MsgId>42</MsgId></xml>")


def test_the_48_hour_rule_is_explained_on_the_first_subscription_only(chat, engine):
    note = engine.knowledge.current.text(Say.subscribe_first_note)
    assert note in chat.say("订阅 旅游")
    assert note not in chat.say("订阅 长野")
    chat.say("退订 全部")
    assert note in chat.say("订阅 活动")
