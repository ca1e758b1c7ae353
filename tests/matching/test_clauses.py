"""Long messages clause by clause: never the fallback when a clause clearly names a known programme."""
from __future__ import annotations

import pytest

from bot.matching.clauses import clauses, parse_clauses
from bot.staff.ask import explain

LONG_JET = ("您好，我是一名日语专业的大四学生，明年就毕业了，一直对日本的地方文化很感兴趣，"
            "听老师说有一个可以去日本的学校当外语助教的项目，想问一下JET项目怎么报名，需要什么条件，谢谢您的耐心解答")


def test_a_message_is_cut_at_punctuation_and_connectives():
    assert clauses().split("你好，想问一下JET项目怎么报名，还有研讨会什么时候办？谢谢") == [
        "你好", "想问一下JET项目怎么报名", "研讨会什么时候办", "谢谢"]
    assert clauses().split("JET项目是什么") == ["JET项目是什么"]
    assert parse_clauses({"marks": "，", "connectives": ["and also"]}).split("a，b and also c") == ["a", "b", "c"]


def test_a_long_jet_question_is_not_the_fallback(real_knowledge):
    result = explain(LONG_JET, real_knowledge)
    assert result["decision"] in ("answer", "suggest"), result["decision"]
    named = [result["entry"]] if result["decision"] == "answer" else result["suggestions"]
    assert named and all(entry.startswith("jet") for entry in named)


@pytest.mark.parametrize("text", [
    "今天天气不错，我刚吃完午饭，想去公园散步，你觉得怎么样",
    "我家的猫不爱吃饭，还有它总是掉毛，怎么办",
])
def test_long_small_talk_that_names_no_programme_still_falls_back(real_knowledge, text):
    assert explain(text, real_knowledge)["decision"] == "fallback"


def test_a_clause_of_generic_words_does_not_answer_for_a_message_about_something_else(real_knowledge):
    # "请问怎么申请" alone is nearest a JET phrasing; the message is about exchanges and the expert dispatch
    text = "我们是一个地级市的外事办，想和日本的城市建立友好关系，另外也想了解一下你们的专家派遣项目，请问怎么申请"
    result = explain(text, real_knowledge)
    assert result["decision"] == "suggest", (result["decision"], result["entry"])
    assert "experts-about" in result["suggestions"]
    assert result["suggestions"][0] == result["candidates"][0]["id"]  # the whole message's best comes first
