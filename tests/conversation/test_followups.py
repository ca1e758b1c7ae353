"""Follow-ups through the real webhook: a short message without its subject is read against the previous question;
a message that names its own subject, or asks about something else, never inherits one."""
from __future__ import annotations

import json

import pytest

from bot.staff.chat import WebhookClient
from tests.constants import AES_KEY, APP_ID, TOKEN

TOKYO = "东京都千代田区"
TOKYO_FAX = "+81-(0)3-5213-1741"
BEIJING_FAX = "6513-8795"


@pytest.fixture
def client(app) -> WebhookClient:
    return WebhookClient(app, token=TOKEN, aes_key=AES_KEY, app_id=APP_ID, openid="o_followups")


@pytest.mark.parametrize(("turns", "expected", "not_expected"), [
    # (messages in order, words in the last reply, words that must not be there)
    (["东京本部的地址是什么", "那传真呢"], TOKYO_FAX, BEIJING_FAX),
    (["东京本部的地址是什么", "好的", "那电话呢"], "+81-(0)3-5213-1730", "+86-(0)10-6513-8791\n在中国国内"),
    (["第5届研讨会在哪办的", "主题是什么"], "第5届", "第18届"),
    (["第5届研讨会在哪办的", "第3届呢"], "第3届", "第5届"),
    (["福岛有什么好玩的", "那富山呢"], "富山县", "福岛县"),
    (["北京事务所的地址", "What about Tokyo?"], "Chiyoda-ku, Tokyo", "Jianguomenwai"),  # asked in English: answer_en
    (["大阪有什么好玩的", "那好吃的呢"], "大阪", "福岛"),
    # naming its own subject: never inherits
    (["东京本部的地址是什么", "北京事务所的传真"], BEIJING_FAX, TOKYO_FAX),
    (["东京本部的地址是什么", "JET是什么"], "JET", TOKYO),
    # a question about something else in between drops the subject
    (["东京本部的地址是什么", "JET是什么", "那传真呢"], BEIJING_FAX, TOKYO_FAX),
    # nothing before: the short message is read as it is
    (["那传真呢"], BEIJING_FAX, TOKYO_FAX),
])
def test_follow_ups(client: WebhookClient, turns: list[str], expected: str, not_expected: str) -> None:
    for said in turns[:-1]:
        client.say(said)
    reply = client.say(turns[-1])
    assert expected in reply
    assert not_expected not in reply


def test_the_subject_is_forgotten_after_a_few_minutes(client: WebhookClient, engine, store) -> None:
    client.say("东京本部的地址是什么")
    key = store.keys.session("o_followups")
    record = json.loads(store.redis.hget(key, "subject"))
    minutes = engine.knowledge.current.conversation.settings.subject_minutes
    record["at"] -= minutes * 60 + 1
    store.redis.hset(key, "subject", json.dumps(record))
    assert BEIJING_FAX in client.say("那传真呢")


def test_bot_ask_explains_a_follow_up_with_the_previous_message(bot, knowledge_dir) -> None:
    folder = str(knowledge_dir)
    result = bot("ask", "--dir", folder, "--previous", "东京本部的地址是什么", "--json", "那传真呢")
    assert result.exit_code == 0, result.output
    explained = json.loads(result.output)
    assert (explained["entry"], explained["rule"], explained["subject"]) == ("tokyo-headquarters", "followup",
                                                                             "tokyo-hq.fax")
    alone = json.loads(bot("ask", "--dir", folder, "--json", "那传真呢").output)
    assert alone["entry"] == "contact-fax" and "subject" not in alone
