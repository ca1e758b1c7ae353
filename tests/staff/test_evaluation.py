"""bot.staff.evaluation and bot.staff.brochure_facts on the small knowledge: labelled files, figures, facts."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.staff.brochure_facts import check_fact, entry_pages, load_facts
from bot.staff.evaluation import (
    Outcome,
    Question,
    RawWRatio,
    answered_probes,
    evaluate,
    faq_entries,
    keyword_baseline,
    load_probes,
    load_questions,
    rates,
    split_of,
)

LABELLED = """\
- {q: 你们电话多少, expect: contact-phone, kind: colloquial}
- {q: 传真号码是多少, expect: [contact-fax, contact-phone], kind: paraphrase}
- {q: 長野縣有什麼好玩的, expect: tourism-nagano, kind: traditional}
- {q: 签证怎么办, expect: null, kind: short}
"""


def labelled(tmp_path: Path, text: str = LABELLED) -> list[Question]:
    path = tmp_path / "questions.yaml"
    path.write_text(text, encoding="utf-8")
    return load_questions(path)


def test_a_labelled_file_reads_one_id_several_or_none(tmp_path: Path) -> None:
    questions = labelled(tmp_path)
    assert [(q.q, q.expect, q.kind, q.in_scope) for q in questions] == [
        ("你们电话多少", frozenset({"contact-phone"}), "colloquial", True),
        ("传真号码是多少", frozenset({"contact-fax", "contact-phone"}), "paraphrase", True),
        ("長野縣有什麼好玩的", frozenset({"tourism-nagano"}), "traditional", True),
        ("签证怎么办", frozenset(), "short", False),
    ]


def test_the_split_is_fixed_by_the_text() -> None:
    splits = {q: split_of(q) for q in ("你们电话多少", "JET项目是什么", "签证怎么办", "长野县滑雪")}
    assert set(splits.values()) <= {"dev", "test"}
    assert splits == {q: split_of(q) for q in splits}


def test_the_product_is_scored_with_both_baselines(small_knowledge, tmp_path: Path) -> None:
    questions = labelled(tmp_path)
    report = evaluate(small_knowledge, questions, dev=questions, split="mine")
    assert report.split == "mine" and set(report.outcomes) == {"product", "keyword", "wratio"}
    product = report.rates("product")
    assert (product["n_in"], product["n_oos"]) == (3, 1)
    assert product["answered_right"] == 1.0 and product["wrong_oos"] == 0.0
    assert report.failures() == []
    assert report.rates("product", "short")["n_oos"] == 1
    # WeChat's keyword rules know 电话 and 传真 but not the traditional spelling, nor when to stay silent
    keyword = [o.answer for o in report.outcomes["keyword"]]
    assert keyword[:2] == ["contact-phone", "contact-fax"] and keyword[2] is None


def test_a_wrong_answer_and_a_silence_are_failures(small_knowledge, tmp_path: Path) -> None:
    questions = labelled(tmp_path, "- {q: 你们电话多少, expect: contact-fax, kind: short}\n"
                                   "- {q: 电话, expect: null, kind: short}\n")
    report = evaluate(small_knowledge, questions, dev=questions)
    assert [q.q for q, _ in report.failures()] == ["你们电话多少", "电话"]
    figures = report.rates("product")
    assert figures["wrong_in"] == 1.0 and figures["wrong_oos"] == 1.0 and figures["answered_right"] == 0.0


def test_rates_count_suggestions_apart_from_answers() -> None:
    questions = [Question("a", frozenset({"x"}), "short"), Question("b", frozenset({"y"}), "short")]
    outcomes = [Outcome(answer=None, top1="x", suggestions=("x", "z")), Outcome(answer=None, top1=None)]
    figures = rates(questions, outcomes)
    assert (figures["top1"], figures["suggest_hit"], figures["covered"], figures["fallback_in"]) == (0.5, 0.5, 0.5, 0.5)
    assert figures["wrong_oos"] != figures["wrong_oos"]  # no out-of-scope question: not a number


def test_the_keyword_baseline_answers_with_the_first_matching_rule() -> None:
    answer = keyword_baseline([{"id": "a", "keywords": ["电话"]}, {"id": "b", "question": "电话传真"}])
    assert answer("电话传真").answer == "a"
    assert answer("地址").decision == "fallback"


def test_the_wratio_threshold_is_chosen_on_the_questions_given(small_knowledge) -> None:
    wratio = RawWRatio(faq_entries(Path(small_knowledge.root)))
    assert len(wratio.phrases) == 6 * 6  # each entry's question and its five similar phrasings
    entry, score = wratio.best("北京事务所的电话是多少？")
    assert entry == "contact-phone" and score == 100
    threshold = wratio.choose_threshold([Question("北京事务所的电话是多少？", frozenset({"contact-phone"}), "short")])
    assert threshold == 100
    assert wratio.system(threshold)("电话").answer is None


def test_answered_probes_are_returned_with_their_evidence(small_knowledge, tmp_path: Path) -> None:
    path = tmp_path / "probes.yaml"
    path.write_text("- 签证怎么办\n- 你们电话多少\n", encoding="utf-8")
    [(question, result)] = answered_probes(load_probes(path), small_knowledge)
    assert question == "你们电话多少" and result["entry"] == "contact-phone"


@pytest.mark.parametrize(("ask", "contains", "ok", "reason"), [
    ("你们电话多少", ["6513-8791"], True, None),
    ("JET项目是什么", ["1987年"], True, None),  # on the 「更多」 page
    ("你们电话多少", ["6513-8795"], False, "matcher: wrong entry"),  # the fax entry holds it
    ("你们电话多少", ["札幌"], False, "content gap"),
    ("签证怎么办", ["6513-8791"], False, "matcher: fallback"),
])
def test_a_fact_is_answered_directly_or_says_why_not(small_knowledge, tmp_path: Path, ask: str, contains: list[str],
                                                     ok: bool, reason: str | None) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text(f"- {{fact: f, ask: {ask}, contains: [{', '.join(contains)}]}}\n", encoding="utf-8")
    [fact] = load_facts(path)
    check = check_fact(fact, small_knowledge, entry_pages(Path(small_knowledge.root)))
    assert check.ok is ok
    if reason:
        assert check.reason == reason and check.missing == tuple(contains)
