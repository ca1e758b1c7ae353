"""Out of scope: questions sharing words with the knowledge (日本, 电话, 长野) but answered by no entry."""
from __future__ import annotations

import pytest

from bot.staff.ask import explain
from bot.staff.evaluation import answered_probes, load_probes
from tests.constants import DATA

# Share of tests/data/oos_probes.yaml the bot may answer (measured: 6/114 at the time of writing).
PROBES_ANSWERED_MAX = 0.07
PROBES = DATA / "oos_probes.yaml"


def test_probes_are_many_and_distinct() -> None:
    probes = load_probes(PROBES)
    assert len(probes) >= 50 and len(set(probes)) == len(probes)


def test_probes_are_rarely_answered(real_knowledge) -> None:
    wrong = answered_probes(load_probes(PROBES), real_knowledge)
    share = len(wrong) / len(load_probes(PROBES))
    assert share <= PROBES_ANSWERED_MAX, [(q, r["entry"], r["score"]) for q, r in wrong]


@pytest.mark.parametrize("text", ["日本大使馆电话", "日本签证怎么办", "长野奥运会哪一年", "北海道旅游",
                                  "京都有什么好玩的", "福岛核污水", "招聘", "汇率", "JET项目的工资是多少",
                                  "ALT需要什么学历", "去日本当ALT要签证吗"])
def test_one_shared_word_is_not_an_answer(real_knowledge, text: str) -> None:
    result = explain(text, real_knowledge)
    assert result["entry"] is None, (result["entry"], result["candidates"][:2])


@pytest.mark.parametrize(("text", "unknown"), [
    ("日本大使馆电话", ["日本大使馆"]),
    ("日本签证怎么办", ["签证"]),
    ("北京事务所的电话是多少", []),
    ("长叶县有什么好玩的", []),  # a homophone typo repaired to a known word is not unknown
])
def test_unknown_words_are_in_the_evidence(real_knowledge, text: str, unknown: list[str]) -> None:
    assert explain(text, real_knowledge).get("unknown", []) == unknown
