"""Floors on the matcher's accuracy on the held-out test questions, and checks on the labelled data itself."""
from __future__ import annotations

from collections import Counter

import pytest

from bot import PROJECT_ROOT
from bot.staff.evaluation import KINDS, Question, Report, evaluate, faq_entries, load_questions, split_of
from tests.constants import DATA

# Floors on the test split, for each decision (BOT_MATCH_DECISION). Issue 3's goals are ≥ 0.95 answered right on the
# first reply and ≤ 0.02 wrong answers on out-of-scope questions. Measured on 2026-12-06 (python bench/accuracy.py
# --split test, through the handler chain), calibrated (the default) / rules: answered right 0.869 / 0.869, top-1
# 0.984 / 0.952, answer or suggestion 0.964 / 0.964, wrong in scope 0.012 / 0.016, wrong out of scope 0.000 / 0.018.
# Where the product is below a goal the floor is what it achieves minus a small margin, so a regression fails CI;
# raise them as it improves.
FLOORS = {
    "calibrated": {"answered_right": 0.85, "top1": 0.96, "covered": 0.95, "wrong_in": 0.02, "wrong_oos": 0.02},
    "rules": {"answered_right": 0.85, "top1": 0.93, "covered": 0.95, "wrong_in": 0.03, "wrong_oos": 0.02},
}  # answered_right: goal 0.95; covered: answered right, or the right entry among the 您是想问 suggestions;
# wrong_oos: the goal itself (0 and 1 of 55 today)
KIND_COVERED_MIN = 0.8  # per kind of question (voice run-ons are the weakest: 12 of 14)
# Entries the content writer may add or not (food-<place>): allowed as alternatives in a label only.
OPTIONAL_PREFIXES = ("food-",)


def split_questions(split: str) -> list[Question]:
    """The labelled questions of one split (tests/data/questions_<split>.yaml)."""
    return load_questions(DATA / f"questions_{split}.yaml")


@pytest.fixture(scope="module", params=sorted(FLOORS))
def decision(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def report(real_knowledge, decision: str) -> Report:
    return evaluate(real_knowledge, split_questions("test"), dev=split_questions("dev"), split="test",
                    decision=decision)


def _ids(expect: object) -> list[str]:
    return [] if expect is None else [expect] if isinstance(expect, str) else list(expect)


def test_question_files_are_well_formed_and_split_by_hash() -> None:
    import yaml

    seen: Counter[str] = Counter()
    for split in ("dev", "test"):
        items = yaml.safe_load((DATA / f"questions_{split}.yaml").read_text(encoding="utf-8"))
        for item in items:
            assert set(item) == {"q", "expect", "kind"}, item
            assert item["kind"] in KINDS, item
            assert isinstance(item["q"], str) and item["q"].strip(), item
            assert all(isinstance(i, str) and i for i in _ids(item["expect"])), item
            assert split_of(item["q"]) == split, f"{item['q']!r} belongs in questions_{split_of(item['q'])}.yaml"
            seen[item["q"]] += 1
    assert [q for q, n in seen.items() if n > 1] == []


def test_question_set_size_and_coverage() -> None:
    questions = split_questions("dev") + split_questions("test")
    assert len(questions) >= 360
    assert sum(not q.in_scope for q in questions) >= 70
    assert {q.kind for q in questions} == set(KINDS)
    per_id = Counter(i for q in questions for i in q.expect)
    assert [i for i, n in per_id.items() if n < 2 and not i.startswith(OPTIONAL_PREFIXES)] == []


def test_every_labelled_entry_exists_in_the_knowledge() -> None:
    known = {str(e["id"]) for e in faq_entries(PROJECT_ROOT / "knowledge")}
    labelled = {i for q in split_questions("dev") + split_questions("test") for i in q.expect}
    missing = sorted(i for i in labelled - known if not i.startswith(OPTIONAL_PREFIXES))
    assert missing == [], f"labelled ids with no entry in knowledge/faq: {missing}"


def test_no_similar_phrasing_copies_a_held_out_question() -> None:
    """The test split measures questions the knowledge has not seen: a `similar` phrasing must not copy one.

    (Standard questions may coincide: they were written from the brochure's headings, as followers also ask.)
    """
    import re
    import unicodedata

    from opencc import OpenCC

    t2s = OpenCC("t2s")

    def plain(text: str) -> str:
        return re.sub(r"[\s\W_]+", "", t2s.convert(unicodedata.normalize("NFKC", str(text))).lower())

    held_out = {plain(q.q) for q in split_questions("test")}
    copied = [(e["id"], p) for e in faq_entries(PROJECT_ROOT / "knowledge")
              for p in e.get("similar", []) if plain(p) in held_out]
    assert copied == [], f"phrasings that copy test-split questions (remove them): {copied}"


def _failures(report: Report, which: str) -> str:
    lines = []
    for q, o in report.failures():
        if (which == "in") == q.in_scope:
            got = o.answer or (f"suggest{list(o.suggestions)}" if o.suggestions else o.decision)
            lines.append(f"{q.q} → {got} (expected {sorted(q.expect) or None})")
    return "\n".join(lines)


def test_answered_right_on_the_first_reply(report: Report, decision: str) -> None:
    value = report.rates("product")["answered_right"]
    assert value >= FLOORS[decision]["answered_right"], f"{decision}: answered right {value:.3f}\n" + _failures(
        report, "in")


def test_top1_right(report: Report, decision: str) -> None:
    value = report.rates("product")["top1"]
    assert value >= FLOORS[decision]["top1"], f"{decision}: top-1 right {value:.3f}\n" + _failures(report, "in")


def test_answer_or_suggestion_covers_in_scope(report: Report, decision: str) -> None:
    value = report.rates("product")["covered"]
    assert value >= FLOORS[decision]["covered"], f"{decision}: answer or suggestion {value:.3f}\n" + _failures(
        report, "in")


def test_few_wrong_answers_in_scope(report: Report, decision: str) -> None:
    value = report.rates("product")["wrong_in"]
    assert value <= FLOORS[decision]["wrong_in"], f"{decision}: wrong answers in scope {value:.3f}\n" + _failures(
        report, "in")


def test_out_of_scope_is_not_answered(report: Report, decision: str) -> None:
    value = report.rates("product")["wrong_oos"]
    assert value <= FLOORS[decision]["wrong_oos"], f"{decision}: wrong answers out of scope {value:.3f}\n" + _failures(
        report, "oos")


def test_every_kind_is_mostly_answered(report: Report) -> None:
    weak = {k: round(report.rates("product", k)["covered"], 3) for k in KINDS
            if report.rates("product", k)["n_in"] and report.rates("product", k)["covered"] < KIND_COVERED_MIN}
    assert weak == {}


def test_product_beats_both_baselines(report: Report) -> None:
    product = report.rates("product")
    for baseline in ("keyword", "wratio"):
        other = report.rates(baseline)
        assert product["answered_right"] > other["answered_right"], baseline
        assert product["wrong_in"] + product["wrong_oos"] < other["wrong_in"] + other["wrong_oos"], baseline
