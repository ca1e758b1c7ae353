"""Out of scope: questions sharing words with the knowledge (日本, 电话, 长野) but answered by no entry."""
from __future__ import annotations

import pytest

from bench.oos import answered, load_probes
from bot.knowledge import load_knowledge
from bot.staff.ask import explain

# Share of tests/data/oos_probes.yaml the bot may answer (measured: 6/114 at the time of writing).
PROBES_ANSWERED_MAX = 0.07


@pytest.fixture(scope="module")
def knowledge():
    from bot import PROJECT_ROOT

    return load_knowledge(PROJECT_ROOT / "knowledge")


def test_probes_are_many_and_distinct() -> None:
    probes = load_probes()
    assert len(probes) >= 50 and len(set(probes)) == len(probes)


def test_probes_are_rarely_answered(knowledge) -> None:
    wrong = answered(knowledge)
    share = len(wrong) / len(load_probes())
    assert share <= PROBES_ANSWERED_MAX, [(q, r["entry"], r["score"]) for q, r in wrong]


@pytest.mark.parametrize("text", ["日本大使馆电话", "日本签证怎么办", "长野奥运会哪一年", "北海道旅游",
                                  "京都有什么好玩的", "福岛核污水", "招聘", "汇率", "JET项目的工资是多少",
                                  "ALT需要什么学历", "去日本当ALT要签证吗"])
def test_one_shared_word_is_not_an_answer(knowledge, text: str) -> None:
    result = explain(text, knowledge)
    assert result["entry"] is None, (result["entry"], result["candidates"][:2])


@pytest.mark.parametrize(("text", "unknown"), [
    ("日本大使馆电话", ["日本大使馆"]),
    ("日本签证怎么办", ["签证"]),
    ("北京事务所的电话是多少", []),
    ("长叶县有什么好玩的", []),  # a homophone typo repaired to a known word is not unknown
])
def test_unknown_words_are_in_the_evidence(knowledge, text: str, unknown: list[str]) -> None:
    assert explain(text, knowledge).get("unknown", []) == unknown
