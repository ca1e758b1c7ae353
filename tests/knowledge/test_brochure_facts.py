"""Every fact of the brochure is answered directly: the reply (and its 「更多」 pages) contains it."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.staff.brochure_facts import check_fact, entry_pages, flat, found, load_facts
from tests.constants import DATA

FACTS = load_facts(DATA / "brochure_facts.yaml")


@pytest.fixture(scope="module")
def pages(real_knowledge) -> dict[str, list[str]]:
    return entry_pages(Path(real_knowledge.root))


def test_facts_file_is_well_formed() -> None:
    assert len(FACTS) >= 150
    for fact in FACTS:
        assert set(fact) == {"fact", "ask", "contains"}, fact
        assert fact["contains"] and all(isinstance(c, str) and c for c in fact["contains"]), fact


def test_matching_of_expected_strings() -> None:
    answer = flat("电话：+86-(0)10-6513 8791；共计1,428名。北京：2处，上海 23处；辦公室")
    assert found("6513-8791", answer) and found("1428", answer) and found("办公室", answer)
    assert found("北京…2", answer) and found("上海…23", answer)
    assert not found("上海…2", answer) and not found("北京…23", answer) and not found("6513-8795", answer)


@pytest.mark.parametrize("fact", FACTS, ids=[f"{i:03d} {f['fact']}" for i, f in enumerate(FACTS)])
def test_fact_is_answered_directly(fact: dict, real_knowledge, pages: dict[str, list[str]]) -> None:
    check = check_fact(fact, real_knowledge, pages)
    result = check.result
    assert result.get("entry"), (f"{fact['ask']!r} was not answered ({result.get('decision')}, "
                                 f"suggestions {result.get('suggestions')}); needed for: {fact['fact']}")
    assert check.missing == (), f"{fact['ask']!r} answered by {result['entry']}, which lacks {list(check.missing)}"
