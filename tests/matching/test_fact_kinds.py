"""Honest gaps: the kind of fact a question asks for, whether an answer gives it, and the reply when it does not."""
from __future__ import annotations

import pytest

from bot.devkit.wechat_client import exchange, reply_content
from bot.knowledge.texts import Say
from bot.matching.fact_kinds import fact_kinds, parse_fact_kinds, readable
from bot.staff.ask import explain


@pytest.mark.parametrize(("question", "kinds"), [
    ("所长的手机号是多少", ["mobile"]),  # a mobile number is asked: the switchboard is not one
    ("北京事务所电话多少", ["phone"]),
    ("传真号码", ["fax"]),
    ("What is the e-mail of the office?", ["email"]),
    ("事務所の電話番号は", ["phone"]),
    ("你们几点上班", ["hours"]),
    ("研讨会报名费多少钱", ["fee"]),
    ("How many JET participants are there", ["count"]),
    ("JET项目是谁主办的", ["person"]),
    ("长富宫办公楼几层几号", ["address"]),  # 几号 here is a room number, not a day
    ("JET项目是什么", []),
    ("telling stories", []),  # English words count whole: "tel" is not in "telling"
])
def test_the_kinds_a_question_asks_for(question, kinds):
    assert [k.key for k in fact_kinds().asked(question)] == kinds


@pytest.mark.parametrize(("kind", "answer", "held"), [
    ("mobile", "电话：+86-(0)10-6513-8791", False),
    ("mobile", "手机：13912345678", True),
    ("phone", "电话：+86-(0)10-6513-8791", True),
    ("email", "邮箱 clairbj-jp@clair.org.cn", True),
    ("email", "请致电咨询", False),
    ("fee", "参加免费", True),
    ("fee", "研讨会每年举办一次", False),
    ("hours", "周一至周五 9:00-17:30", True),
    ("count", "共有 1,428 人参加", True),
    ("date", "始于1992年", True),
])
def test_whether_an_answer_gives_a_kind(kind, answer, held):
    found = next(k for k in fact_kinds().kinds if k.key == kind)
    assert found.held_by(readable(answer)) is held


def test_a_malformed_kind_is_named():
    with pytest.raises(ValueError, match="'phone'"):
        parse_fact_kinds({"kinds": {"phone": {"name": "电话", "asks": ["电话"], "holds": ["(unclosed"]}}})


def test_bot_ask_shows_the_gap_and_the_reply_says_it_then_what_is_known(real_knowledge):
    result = explain("所长的手机号是多少", real_knowledge)
    assert result["decision"] == "gap" and result["gap"] == "mobile" and result["entry"] is None
    intro = real_knowledge.text(Say.missing_fact, what="手机号码", answer="").split("\n")[0]
    assert result["reply"].startswith(intro)
    assert "6513-8791" in result["reply"]  # what the bot does know: the office's switchboard


def test_a_question_the_answer_does_hold_is_answered_as_before(real_knowledge):
    result = explain("北京事务所电话多少", real_knowledge)
    assert result["decision"] == "answer" and "gap" not in result


def test_the_gap_reply_through_the_webhook(app, server, engine):
    body = exchange(app.test_client(), server, server.plaintext(server.text("所长的手机号是多少")))
    reply = reply_content(body)
    assert reply.startswith("抱歉，我这里没有手机号码方面的信息") and "6513-8791" in reply
