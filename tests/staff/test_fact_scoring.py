"""Scoring by brochure facts: loose comparison, the verdicts, and the figures."""
from __future__ import annotations

from bot import PROJECT_ROOT
from bot.staff.fact_scoring import FactQuestion, Scored, figures, load_fact_questions, plain, says, score

FRESH = PROJECT_ROOT / "tests" / "data" / "questions_fresh.yaml"


def q(text: str, facts: tuple[str, ...] | None, any_facts: tuple[str, ...] = (), near: bool = False) -> FactQuestion:
    return FactQuestion(id="t", text=text, style="question", facts=facts, any_facts=any_facts, near=near)


def test_facts_are_compared_without_spaces_separators_or_traditional_characters():
    assert plain("共 1,428 人 參加") == plain("共1428人参加")
    assert says(q("x", ("1,428",)), "累计1428人")
    assert not says(q("x", ("1,428",)), "累计142人")
    assert says(q("x", (), ("1992", "1,428")), "始于1992年")
    assert not says(q("x", ("北京",), ("1992",)), "北京")  # every fact and one of any_facts


def test_a_question_the_knowledge_answers_is_right_in_the_first_reply(real_knowledge):
    scored = score(q("北京事务所的电话是多少", ("8791",)), real_knowledge)
    assert (scored.verdict, scored.decision) == ("first", "answer")


def test_an_answer_without_the_fact_is_wrong_and_an_out_of_scope_answer_counts_against(real_knowledge):
    assert score(q("北京事务所的电话是多少", ("不存在的事实",)), real_knowledge).verdict == "wrong"
    assert score(q("北京事务所的电话是多少", None, near=True), real_knowledge).verdict == "answered"
    assert score(q("红烧肉怎么做才好吃", None), real_knowledge).verdict == "declined"


def test_figures_are_shares_of_each_group():
    ins = [Scored(q("a", ()), v, "answer", None) for v in ("first", "first", "follow_up", "wrong")]
    outs = [Scored(q("b", None, near=True), "answered", "answer", "x"), Scored(q("c", None), "declined", "", None)]
    f = figures(ins + outs)
    assert (f["first"], f["within_one"], f["wrong"], f["missed"]) == (0.5, 0.75, 0.25, 0.0)
    assert (f["out_answered"], f["near_answered"], f["far_answered"]) == (0.5, 1.0, 0.0)


def test_the_fresh_set_is_whole():
    items = load_fact_questions(FRESH)
    assert len({i.id for i in items}) == len(items)
    assert sum(i.in_scope for i in items) >= 200 and sum(not i.in_scope for i in items) >= 50
    assert sum(i.style == "japanese" for i in items) >= 25
    assert all(i.facts or i.any_facts for i in items if i.in_scope)


def test_an_answer_in_the_askers_language_is_judged_by_its_chinese_facts(real_knowledge):
    # the facts are labelled in Chinese; the Japanese answer says 7つ and ニューヨーク, kb check holds it to them
    scored = score(q("CLAIRの海外事務所はいくつありますか", (), ("7个", "纽约")), real_knowledge)
    assert (scored.verdict, scored.entry) == ("first", "clair-overseas-offices")
    assert score(q("CLAIRの海外事務所はいくつありますか", ("东京都千代田区",)), real_knowledge).verdict != "first"
