"""Numbers as constraints: an edition (第7届, 7th), a day of a programme (第3天), a year (2019年, 19年).

A message naming 第2届 asks about the entry whose phrasings say 第2届, not the one saying 第11届. Each number is
read with its kind from the normalized text (Chinese numerals are already digits there); an entry carries the
numbers its phrasings and keywords name. Matching the same number of a kind is evidence for an entry; naming
only other numbers of that kind is evidence against it; an entry that names no number of that kind is neutral.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

NumberFact = tuple[str, int]  # (kind, value): ("届", 2), ("天", 3), ("年", 2019)

_ORDINAL = re.compile(r"第\s*(\d{1,3})\s*(届|天|次|回)|(?<![\d.])(\d{1,3})\s*届"
                      r"|(?<![\d.])(\d{1,3})\s*(?:st|nd|rd|th)\b")
# 第2次研讨会 / 第18回日中… name an edition; 北京第二次办研讨会 counts times (kind 次).
_EDITION_AFTER = re.compile(r"\s*(?:中日|日中|研讨会|研讨|会议|seminar|セミナー)")
_FIRST = re.compile(r"首届|(?<![a-z])first (?:seminar|session|edition)")
_YEAR = re.compile(r"(?<![\d.])((?:19[5-9]|20[0-4])\d)(?![\d.])|(?<![\d.])([0-3]\d)\s*年(?!代|前|后|间|来|多)")
# A value named by this many entries or more tells them apart no better than a common word: no bonus.
MAX_SHARED = 4


def number_facts(normalized: str) -> frozenset[NumberFact]:
    """The typed numbers of an already normalized text."""
    facts: set[NumberFact] = set()
    for match in _ORDINAL.finditer(normalized):
        if match.group(1):
            kind = match.group(2)
            if kind in ("次", "回"):
                kind = "届" if _EDITION_AFTER.match(normalized, match.end()) else "次"
            facts.add((kind, int(match.group(1))))
        else:
            facts.add(("届", int(match.group(3) or match.group(4))))
    if _FIRST.search(normalized):
        facts.add(("届", 1))
    for match in _YEAR.finditer(normalized):
        facts.add(("年", int(match.group(1)) if match.group(1) else 2000 + int(match.group(2))))
    return frozenset(facts)


class NumberTable:
    """Which numbers each entry's phrasings name; built once per knowledge version."""

    def __init__(self, per_entry: Sequence[Iterable[NumberFact]]) -> None:
        self.facts = [frozenset(f) for f in per_entry]
        self.kinds = [frozenset(kind for kind, _ in f) for f in self.facts]
        holders: dict[NumberFact, int] = defaultdict(int)
        for facts in self.facts:
            for fact in facts:
                holders[fact] += 1
        self.holders = dict(holders)

    def agreement(self, query: frozenset[NumberFact], entry: int) -> tuple[int, int, str]:
        """(telling matches, clashes, note) of the message's numbers against one entry's."""
        if not query:
            return 0, 0, ""
        facts, kinds = self.facts[entry], self.kinds[entry]
        matched = [f for f in query if f in facts]
        clashes = [f for f in query if f[0] in kinds and f not in facts
                   and not any(g[0] == f[0] for g in matched)]
        telling = [f for f in matched if self.holders.get(f, 0) < MAX_SHARED]
        note = " ".join([*(f"={v}{k}" for k, v in sorted(telling)), *(f"≠{v}{k}" for k, v in sorted(clashes))])
        return len(telling), len(clashes), note
