"""The phrasings and keywords of the entries, and the claims two entries must not share."""
from __future__ import annotations

from dataclasses import dataclass

from bot.matching.normalize import QUESTION_WORDS
from bot.matching.tokenize import Analysis


@dataclass(frozen=True)
class Phrasing:
    """One way of asking an entry's question (or one keyword), with where it was written."""

    text: str
    kind: str = "similar"  # question | similar | keyword
    ref: object = None  # opaque location (file, line) for validation messages


@dataclass(frozen=True)
class IndexEntry:
    """What the index needs to know of an FAQ entry."""

    id: str
    question: str
    phrasings: tuple[Phrasing, ...]
    keywords: tuple[Phrasing, ...] = ()
    answer: str = ""


@dataclass(frozen=True)
class Conflict:
    """Two entries claiming the same words: the same phrasing, or a keyword that takes another's phrasing."""

    severity: str
    phrasing: Phrasing
    entry_id: str
    other: Phrasing
    other_entry_id: str


class ConflictFinder:
    """Builds the exact-match tables, refusing a phrasing or keyword that another entry already claims."""

    def __init__(self, entry_ids: list[str]) -> None:
        self.entry_ids = entry_ids
        self.exact_phrasings: dict[tuple[str, ...], int] = {}
        self.exact_keywords: dict[tuple[str, ...], int] = {}
        self.keyword_entries: dict[str, set[int]] = {}
        self.conflicts: list[Conflict] = []
        self._phrasing_owner: dict[tuple[str, ...], tuple[int, Phrasing]] = {}

    def phrasing(self, n: int, phrasing: Phrasing, tokens: tuple[str, ...]) -> bool:
        """Claim a phrasing for entry n; False (and a conflict) when another entry has it."""
        owner = self._phrasing_owner.get(tokens)
        if owner is not None and owner[0] != n:
            self._conflict("error", phrasing, n, *owner)
            return False
        self._phrasing_owner.setdefault(tokens, (n, phrasing))
        self.exact_phrasings.setdefault(tokens, n)
        return True

    def keywords(self, keywords: list[tuple[int, Phrasing, Analysis]]) -> None:
        """Claim the keywords, after every phrasing is known."""
        takes: dict[tuple[str, ...], tuple[int, Phrasing]] = {}
        for tokens, owner in self._phrasing_owner.items():
            takes.setdefault(tuple(t for t in tokens if t not in QUESTION_WORDS), owner)
        owners: dict[tuple[str, ...], tuple[int, Phrasing]] = {}
        for n, phrasing, analysis in keywords:
            key = analysis.meaningful or analysis.tokens
            if not key:
                continue
            if key in owners and owners[key][0] != n:
                self._conflict("error", phrasing, n, *owners[key])
                continue
            if key in self._phrasing_owner and self._phrasing_owner[key][0] != n:
                self._conflict("error", phrasing, n, *self._phrasing_owner[key])
                continue
            if key in takes and takes[key][0] != n:
                self._conflict("warning", takes[key][1], takes[key][0], n, phrasing)
            owners.setdefault(key, (n, phrasing))
            self.exact_keywords.setdefault(key, n)
            if len(key) == 1:
                self.keyword_entries.setdefault(key[0], set()).add(n)

    def _conflict(self, severity: str, phrasing: Phrasing, n: int, other_n: int, other: Phrasing) -> None:
        self.conflicts.append(Conflict(severity, phrasing, self.entry_ids[n], other, self.entry_ids[other_n]))
