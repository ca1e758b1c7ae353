"""「不对」 right after an answer, through the real webhook: the feedback is kept for staff and the follower is offered
the other candidates (or the contact card)."""
from __future__ import annotations

import pytest

from bot.knowledge.texts import Say
from bot.staff.chat import WebhookClient
from tests.constants import AES_KEY, APP_ID, TOKEN


@pytest.fixture
def client(app) -> WebhookClient:
    return WebhookClient(app, token=TOKEN, aes_key=AES_KEY, app_id=APP_ID, openid="o_feedback")


def feedback(store) -> list[dict[str, str]]:
    records = store.redis.xrange(store.keys.feedback)
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in records]


@pytest.mark.parametrize("said", ["不对", "不是这个", "没用", "答非所问", "wrong answer", "違います"])
def test_not_it_after_an_answer_is_recorded_and_offers_the_other_candidates(client, engine, store, said) -> None:
    knowledge = engine.knowledge.current
    assert "东京都千代田区" in client.say("东京本部的地址是什么")
    reply = client.say(said)
    assert reply.startswith(knowledge.text(Say.not_it_others))
    assert "tokyo-headquarters" not in reply and "1. " in reply
    [record] = feedback(store)
    assert (record["e"], record["q"], record["said"]) == ("tokyo-headquarters", "东京本部的地址是什么", said)
    assert record["u"] and "o_feedback" not in record.values()
    # the candidates offered are the latest list: a number answers one of them
    assert not client.say("1").startswith(knowledge.text(Say.no_list))


def test_not_it_after_an_exact_answer_gives_the_contact_card(client, engine, store) -> None:
    client.say("电话")  # an exact keyword: no other candidate
    reply = client.say("不对")
    assert reply == engine.knowledge.current.text(Say.not_it_contact, contact=engine.knowledge.current.faq.get(
        "contact-all").answer.strip())
    assert [r["e"] for r in feedback(store)] == ["contact-phone"]


@pytest.mark.parametrize("before", [None, "你好", "zq 这个问题没有答案 5521"])
def test_not_it_without_an_answer_just_before_records_nothing(client, engine, store, before) -> None:
    if before is not None:
        client.say("JET是什么")
        client.say(before)
    assert client.say("不对") == engine.knowledge.current.text(Say.not_it_nothing)
    assert feedback(store) == []
