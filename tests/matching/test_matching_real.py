"""Matching on the real knowledge (knowledge/faq/*.yaml): the answers every follower expects."""
from __future__ import annotations

import pytest

from bot.staff.ask import explain


@pytest.mark.parametrize(("text", "entries"), [
    ("电话", {"contact-phone"}),
    ("传真", {"contact-fax"}),
    ("电化", {"contact-phone"}),  # homophone typo of 电话
    ("你们在哪", {"contact-address", "contact-all"}),
    ("邮箱", {"contact-email"}),
    ("JET", {"jet-about"}),
    ("CIR是什么", {"jet-cir"}),
    ("JET项目是什么", {"jet-about"}),
    ("長野縣有什麼好玩的", {"tourism-nagano"}),
    ("福岛有什么好玩的", {"tourism-fukushima"}),
    ("CLAIR是什么时候成立的", {"clair-about"}),
    ("北京事务所的所长是谁", {"office-director"}),
    ("友好城市有多少对", {"friendship-cities"}),
])
def test_answered(real_knowledge, text: str, entries: set[str]) -> None:
    result = explain(text, real_knowledge)
    assert result["decision"] == "answer" and result["entry"] in entries, result


@pytest.mark.parametrize("text", ["签证怎么办", "日元汇率", "机票多少钱", "东京天气", "哈哈哈哈"])
def test_out_of_scope_is_not_answered(real_knowledge, text: str) -> None:
    result = explain(text, real_knowledge)
    assert result["entry"] is None and result["decision"] in ("fallback", "suggest"), result


@pytest.mark.parametrize(("text", "decision"), [("1", "choice_no_list"), ("你好", "smalltalk")])
def test_a_number_or_a_greeting_gets_its_own_short_reply_not_an_entry(real_knowledge, text: str,
                                                                       decision: str) -> None:
    result = explain(text, real_knowledge)
    assert result["entry"] is None and result["decision"] == decision, result


@pytest.mark.parametrize("text", ["申请", "研讨会在哪", "2019"])
def test_short_or_vague_messages_are_never_a_fuzzy_answer(real_knowledge, text: str) -> None:
    result = explain(text, real_knowledge)
    assert result["decision"] != "answer" or result["rule"] in ("keyword", "phrasing"), result


def test_every_entry_answers_its_own_standard_question(real_knowledge) -> None:
    faq = real_knowledge.faq
    wrong = {}
    for entry in faq.entries.values():
        result = explain(entry.question, real_knowledge)
        if result["entry"] != entry.id:
            wrong[entry.id] = (result["decision"], result["entry"])
    assert wrong == {}


def test_every_menu_button_is_answered_directly(real_knowledge) -> None:
    undecided = {}
    for key, says in real_knowledge.menu.keys.items():
        result = explain("", real_knowledge, menu_key=key)
        if result["decision"] not in ("answer", "command"):
            undecided[key] = (says, result["decision"], result["suggestions"])
    assert undecided == {}
