"""Whether the bot answers each fact of the brochure directly, and if not, whether the content or the matcher fails.

A facts file is a YAML list of {fact, ask, contains}: the bot is asked `ask`, and its direct answer (the reply and
the 「更多」 pages of the entry that answered) must contain every string of `contains`, compared with case, width,
traditional characters and separators folded away. The test suite asks every fact; bench/facts.py lists the
failing ones by reason.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bot.knowledge import Knowledge
from bot.matching.normalize import to_simplified
from bot.staff.ask import explain

SEPARATORS = re.compile(r"[\s·・\-–—~～〜,，、]")
ROW = "…"  # "A…B": A, then at most 16 characters without a digit, then the number B (not followed by a digit)


def load_facts(path: Path) -> list[dict]:
    """The facts of one file, each {fact, ask, contains}."""
    return yaml.safe_load(path.read_text(encoding="utf-8")) or []


def flat(text: str) -> str:
    """Case, width, traditional characters, whitespace and separators folded away."""
    return SEPARATORS.sub("", to_simplified(unicodedata.normalize("NFKC", text).lower()))


@cache
def flat_pages(texts: tuple[str, ...]) -> str:
    """The folded text of several pages (cached: the same entry pages are read for every fact)."""
    return flat("\n".join(texts))


def found(needle: str, folded: str) -> bool:
    """Whether a folded answer text contains one expected string (or table row, see ROW)."""
    if ROW not in needle:
        return flat(needle) in folded
    label, number = needle.split(ROW, 1)
    return re.search(re.escape(flat(label)) + r"\D{0,16}?" + re.escape(flat(number)) + r"(?!\d)", folded) is not None


def entry_pages(knowledge_root: Path) -> dict[str, list[str]]:
    """Each entry's answer and 「更多」 pages as staff wrote them: what a follower reaches by replying 更多."""
    pages: dict[str, list[str]] = {}
    for path in sorted((knowledge_root / "faq").glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if isinstance(entry, dict) and entry.get("id"):
                pages[str(entry["id"])] = [str(entry.get("answer") or ""), *(str(p) for p in entry.get("more") or [])]
    return pages


@dataclass(frozen=True)
class FactCheck:
    """The bot's reply to one fact's question, and what it lacks."""

    fact: dict
    result: dict
    missing: tuple[str, ...]
    holders: tuple[str, ...] = ()  # the entries whose pages contain every expected string

    @property
    def ok(self) -> bool:
        """Answered directly, with every expected string."""
        return bool(self.result.get("entry")) and not self.missing

    @property
    def reason(self) -> str:
        """Content gap (no entry holds the fact), or matcher error (not answered, or answered by another entry)."""
        if not self.holders:
            return "content gap"
        if not self.result.get("entry"):
            return f"matcher: {self.result.get('decision')}"
        return "matcher: wrong entry"


def check_fact(fact: dict, knowledge: Knowledge, pages: dict[str, list[str]]) -> FactCheck:
    """Ask the bot the fact's question; the direct answer (reply, 更多 pages) must contain every string."""
    result = explain(fact["ask"], knowledge)
    entry = result.get("entry")
    holders = tuple(i for i, texts in pages.items()
                    if all(found(c, flat_pages(tuple(texts))) for c in fact["contains"]))
    if not entry:
        return FactCheck(fact, result, tuple(fact["contains"]), holders)
    text = flat("\n".join([str(result.get("reply") or ""), *(str(p) for p in result.get("more") or []),
                           *pages.get(str(entry), [])]))
    return FactCheck(fact, result, tuple(c for c in fact["contains"] if not found(c, text)), holders)
