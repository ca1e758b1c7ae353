"""Reaching a person through the real webhook: 人工 and two misses in a row bring in customer service or the contact
card, the follower is told what happens, and staff find each request in the handoffs stream."""
from __future__ import annotations

from xml.etree import ElementTree

import pytest
from rq import Queue

from bot.knowledge.texts import Say
from bot.push.notices import send_notice
from bot.staff.chat import WebhookClient
from tests.constants import AES_KEY, APP_ID, TOKEN
from webhooks import create_app

OPENID = "o_person"


def client_for(app) -> WebhookClient:
    return WebhookClient(app, token=TOKEN, aes_key=AES_KEY, app_id=APP_ID, openid=OPENID)


@pytest.fixture
def client(app) -> WebhookClient:
    return client_for(app)


def contact(engine) -> str:
    knowledge = engine.knowledge.current
    return knowledge.faq.get(knowledge.conversation.contact_entry).answer.strip()


def handoffs(store) -> list[dict[str, str]]:
    records = store.redis.xrange(store.keys.handoffs)
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in records]


@pytest.mark.parametrize("said", ["人工", "转人工", "人工客服", "找工作人员", "talk to a human", "Talk to a human!",
                                  "人と話したい"])
def test_asking_for_a_person_gives_the_contact_card_and_is_kept_for_staff(client, engine, store, said) -> None:
    reply = client.say(said)
    assert reply == engine.knowledge.current.text(Say.person_contact, contact=contact(engine))
    assert "6513-8791" in reply
    [record] = handoffs(store)
    assert (record["o"], record["why"], record["via"], record["q"]) == (OPENID, "asked", "contact", said)
    assert store.redis.xlen(store.keys.unanswered) == 0


def test_two_misses_in_a_row_bring_in_a_person(client, engine, store) -> None:
    fallback = engine.knowledge.current.text(Say.fallback)
    assert client.say("签证怎么办").startswith(fallback)
    assert client.say("护照丢了怎么办") == engine.knowledge.current.text(Say.person_misses, contact=contact(engine))
    assert [(r["why"], r["q"]) for r in handoffs(store)] == [("misses", "护照丢了怎么办")]
    assert store.redis.xlen(store.keys.unanswered) == 2  # both questions still go to staff as unanswered
    assert client.say("驾照怎么换").startswith(fallback)  # the count starts again


def test_an_answer_between_two_misses_resets_the_count(client, engine, store) -> None:
    fallback = engine.knowledge.current.text(Say.fallback)
    assert client.say("签证怎么办").startswith(fallback)
    assert "6513-8791" in client.say("电话多少")
    assert client.say("护照丢了怎么办").startswith(fallback)
    assert handoffs(store) == []


@pytest.mark.parametrize("kf_account", ["", "kf2001@gh_clairbj"])
def test_with_customer_service_the_message_is_transferred_and_the_follower_told(config, store, engine, kf_account,
                                                                               rt, fake) -> None:
    app = create_app(config.with_(customer_service=True, kf_account=kf_account), store=store)
    body = client_for(app).say("转人工")
    root = ElementTree.fromstring(body)
    assert root.findtext("MsgType") == "transfer_customer_service"
    assert root.findtext("ToUserName") == OPENID
    assert root.findtext("TransInfo/KfAccount") == (kf_account or None)
    assert [(r["why"], r["via"]) for r in handoffs(store)] == [("asked", "transfer")]
    [job] = Queue(store.keys.push_queue, connection=store.redis).jobs
    assert job.func_name == "bot.push.notices.send_notice"
    told = engine.knowledge.current.text(Say.person_transfer)
    assert job.args == (OPENID, told)
    fake.follow(OPENID)
    assert send_notice(*job.args) is True
    assert fake.news_to(OPENID) == [told]


def test_a_notice_wechat_refuses_is_logged_not_raised(rt, fake) -> None:
    assert send_notice("o_nobody", "你好") is False  # not a follower: WeChat answers 40003
