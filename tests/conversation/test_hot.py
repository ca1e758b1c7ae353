"""Hot questions through the real webhook: answers are counted per day, the fallback and 帮助 list the most asked
(the staff's list before there is traffic), numbered and pickable."""
from __future__ import annotations

import re

import pytest

from bot.followers.hot import day_of
from bot.knowledge.texts import Say
from bot.staff.chat import WebhookClient
from tests.constants import AES_KEY, APP_ID, TOKEN


@pytest.fixture
def client(app) -> WebhookClient:
    return WebhookClient(app, token=TOKEN, aes_key=AES_KEY, app_id=APP_ID, openid="o_hot")


def hot_labels(reply: str, intro: str) -> list[str]:
    after = reply.split(intro, 1)[1]
    return re.findall(r">\d+\. ([^<]+)</a>", after)


def test_before_traffic_the_fallback_offers_the_staff_list(client, engine) -> None:
    knowledge = engine.knowledge.current
    reply = client.say("签证怎么办")
    assert reply.startswith(knowledge.text(Say.fallback))
    staff = knowledge.conversation.hot_questions[:knowledge.conversation.settings.hot_count]
    assert hot_labels(reply, knowledge.text(Say.hot_intro)) == [knowledge.faq.get(i).question for i in staff]
    assert client.say("2").startswith(knowledge.faq.get(staff[1]).answer.split("\n")[0])


def test_answers_are_counted_and_the_most_asked_come_first(client, engine, store) -> None:
    knowledge = engine.knowledge.current
    needed = knowledge.conversation.settings.hot_min_answers
    for _ in range(needed):
        client.say("富山有什么好玩的")
    for _ in range(3):
        client.say("传真号码多少")
    counts = {k.decode(): int(v) for k, v in store.redis.zrange(store.keys.hot(day_of(engine.hot.clock())), 0, -1,
                                                                 withscores=True)}
    assert counts == {"tourism-toyama": needed, "contact-fax": 3}
    engine.hot.forget()
    reply = client.say("帮助")
    listed = hot_labels(reply, knowledge.text(Say.hot_intro))
    assert listed == [knowledge.faq.get("tourism-toyama").question, knowledge.faq.get("contact-fax").question]
    number = len(knowledge.conversation.help_topics) + 1
    assert client.say(str(number)).startswith(knowledge.faq.get("tourism-toyama").answer.split("\n")[0])


def test_small_talk_and_lists_are_not_counted(client, engine, store) -> None:
    client.say("你好")
    client.say("帮助")
    client.say("料理")
    assert store.redis.zcard(store.keys.hot(day_of(engine.hot.clock()))) == 0
