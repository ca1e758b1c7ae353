"""Every fact of the brochure is answered directly: the reply (and its 「更多」 pages) contains it."""
from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

import pytest
import yaml
from opencc import OpenCC

from bench.accuracy import faq_entries
from bot import PROJECT_ROOT

FACTS = yaml.safe_load((Path(__file__).parent / "data" / "brochure_facts.yaml").read_text(encoding="utf-8"))
SEPARATORS = re.compile(r"[\s·・\-–—~～〜,，、]")
ROW = "…"  # "A…B": A, then at most 16 characters without a digit, then the number B


@cache
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def flat(text: str) -> str:
    """Case, width, traditional characters, whitespace and separators folded away."""
    return SEPARATORS.sub("", _t2s().convert(unicodedata.normalize("NFKC", text).lower()))


def found(needle: str, haystack: str) -> bool:
    """Whether the folded answer text contains one expected string (or table row, see ROW)."""
    if ROW not in needle:
        return flat(needle) in haystack
    label, number = needle.split(ROW, 1)
    return re.search(re.escape(flat(label)) + r"\D{0,16}?" + re.escape(flat(number)) + r"(?!\d)", haystack) is not None


@pytest.fixture(scope="module")
def knowledge():
    from bot.knowledge import load_knowledge

    return load_knowledge(PROJECT_ROOT / "knowledge")


@pytest.fixture(scope="module")
def entry_pages(knowledge) -> dict[str, list[str]]:
    """Each entry's answer and 「更多」 pages, as staff wrote them: what the follower reaches by replying 更多."""
    return {str(e["id"]): [str(e.get("answer") or ""), *(str(p) for p in e.get("more") or [])]
            for e in faq_entries(Path(knowledge.root))}


def test_facts_file_is_well_formed() -> None:
    assert len(FACTS) >= 150
    for fact in FACTS:
        assert set(fact) == {"fact", "ask", "contains"}, fact
        assert fact["contains"] and all(isinstance(c, str) and c for c in fact["contains"]), fact


@pytest.mark.parametrize("fact", FACTS, ids=[f"{i:03d}-{f['ask']}" for i, f in enumerate(FACTS)])
def test_fact_is_answered_directly(fact: dict, knowledge, entry_pages: dict[str, list[str]]) -> None:
    from bot.ask import explain

    result = explain(fact["ask"], knowledge)
    entry = result.get("entry")
    assert entry, (f"{fact['ask']!r} was not answered ({result.get('decision')}, "
                   f"suggestions {result.get('suggestions')}); needed for: {fact['fact']}")
    pages = [str(result.get("reply") or ""), *(str(p) for p in result.get("more") or []), *entry_pages.get(entry, [])]
    text = flat("\n".join(pages))
    missing = [c for c in fact["contains"] if not found(c, text)]
    assert missing == [], f"{fact['ask']!r} answered by {entry}, which lacks {missing} ({fact['fact']})"
