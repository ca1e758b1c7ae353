"""Inverted indexes of terms (words, character pairs) with IDF: candidate retrieval and coverage signals."""
from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

from bot.matching.normalize import is_cjk

# Past this many candidates, a very common term only re-weights candidates it shares, it adds none.
EXPAND_LIMIT = 400


def char_pairs(tokens: Sequence[str]) -> frozenset[str]:
    """Adjacent character pairs across the words (a Latin word counts as one character).

    Pairs survive where jieba cut two texts differently (吾妻天空之路 / 磐梯吾妻天空之路) and most of a word
    survives a one-character typo (自治体国际化鞋会).
    """
    units: list[str] = []
    for token in tokens:
        units.extend(token if is_cjk(token) else (token,))
    if len(units) == 1:
        return frozenset(units)
    return frozenset(a + "\x1f" + b for a, b in itertools.pairwise(units))


class TermIndex:
    """Which documents hold a term, and how telling the term is (IDF over entries, not phrasings)."""

    def __init__(self, docs: Sequence[frozenset[str]], owners: Sequence[int], entry_count: int) -> None:
        entries_with: dict[str, set[int]] = defaultdict(set)
        postings: dict[str, list[int]] = defaultdict(list)
        for doc_id, (terms, owner) in enumerate(zip(docs, owners, strict=True)):
            for term in terms:
                entries_with[term].add(owner)
                postings[term].append(doc_id)
        total = max(entry_count, 1)
        self.idf = {t: math.log(1 + (total - len(es) + 0.5) / (len(es) + 0.5)) for t, es in entries_with.items()}
        self.unknown = math.log(1 + (total + 0.5) / 0.5)  # a term the knowledge never uses: as telling as any
        self.postings = {t: frozenset(ds) for t, ds in postings.items()}
        self.masses = [sum(self.idf[t] for t in terms) for terms in docs]

    def weight(self, term: str) -> float:
        return self.idf.get(term, self.unknown)

    def mass(self, terms: Iterable[str]) -> float:
        """The IDF a text carries (unknown terms count fully: they are what the knowledge cannot explain)."""
        return sum(self.idf.get(t, self.unknown) for t in terms)

    def shared(self, terms: frozenset[str], doc_terms: frozenset[str]) -> float:
        """The IDF of the terms both sides have."""
        return sum(self.idf[t] for t in terms & doc_terms)

    def accumulate(self, terms: Iterable[str], found: dict[int, float], factor: float = 1.0) -> None:
        """Add each document's IDF overlap with `terms` into `found` (rare terms first)."""
        for term in sorted(set(terms), key=lambda t: -self.idf.get(t, 0.0)):
            docs = self.postings.get(term)
            if not docs:
                continue
            weight = self.idf[term] * factor
            if len(found) >= EXPAND_LIMIT and len(docs) > EXPAND_LIMIT:
                for doc_id in found:
                    if doc_id in docs:
                        found[doc_id] += weight
                continue
            for doc_id in docs:
                found[doc_id] = found.get(doc_id, 0.0) + weight
