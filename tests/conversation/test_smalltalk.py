"""Small talk through the real webhook: a warm reply from knowledge/conversation.yaml, never a list, never logged."""
from __future__ import annotations

import pytest

from bot.knowledge.texts import Say
from bot.staff.chat import WebhookClient
from tests.constants import AES_KEY, APP_ID, TOKEN


@pytest.fixture
def client(app) -> WebhookClient:
    return WebhookClient(app, token=TOKEN, aes_key=AES_KEY, app_id=APP_ID, openid="o_smalltalk")


@pytest.mark.parametrize(("said", "kind"), [
    ("您好", "greeting"), ("你好！", "greeting"), ("hello", "greeting"), ("Hi!", "greeting"),
    ("こんにちは", "greeting"), ("早上好呀", "greeting"),
    ("多谢", "thanks"), ("谢谢谢谢", "thanks"), ("Thank you!", "thanks"), ("ありがとうございます", "thanks"),
    ("好的谢谢", "thanks"), ("谢谢🙏", "thanks"),
    ("再见", "farewell"), ("bye bye", "farewell"), ("さようなら", "farewell"),
    ("在吗", "presence"), ("在不在？", "presence"), ("Are you there?", "presence"), ("いますか", "presence"),
    ("好的", "ack"), ("OK", "ack"), ("嗯", "ack"), ("嗯嗯嗯", "ack"), ("got it", "ack"), ("わかりました", "ack"),
    ("🙏", "emoji"), ("👍👍！", "emoji"), ("[微笑]", "emoji"), ("/::)", "emoji"),
    ("【收到不支持的消息类型，暂无法显示】", "emoji"),
])
def test_small_talk_gets_its_own_warm_reply_and_is_not_logged(client: WebhookClient, engine, store, said: str,
                                                               kind: str) -> None:
    reply = client.say(said)
    knowledge = engine.knowledge.current
    assert reply in knowledge.conversation.smalltalk[kind].replies
    assert knowledge.text(Say.suggest_intro) not in reply
    assert store.redis.xlen(store.keys.unanswered) == 0


@pytest.mark.parametrize("said", ["", "   ", "\u200b", "\u200b\u200c \ufeff"])
def test_a_blank_or_invisible_message_asks_for_a_question_and_is_not_logged(client: WebhookClient, engine, store,
                                                                            said: str) -> None:
    assert client.say(said) == engine.knowledge.current.text(Say.empty_text)
    assert store.redis.xlen(store.keys.unanswered) == 0


@pytest.mark.parametrize(("said", "expected"), [
    ("你好，请问电话多少", "6513-8791"),
    ("您好！JET项目是什么", "JET"),
    ("hello, what is the phone number?", "6513-8791"),
    ("谢谢，那你们的邮箱是什么", "clairbj-jp@clair.org.cn"),
])
def test_a_greeting_with_a_question_answers_the_question(client: WebhookClient, engine, said: str,
                                                         expected: str) -> None:
    reply = client.say(said)
    assert expected in reply
    assert all(reply not in talk.replies for talk in engine.knowledge.current.conversation.smalltalk.values())
