"""Rerank signals for one message against one phrasing, and how they add up to a score in [0, 1]."""
from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import cached_property

from rapidfuzz import fuzz

from bot.matching.terms import TermIndex, char_pairs
from bot.matching.tokenize import Analysis, token_syllables


def sound_of(tokens: Sequence[str]) -> tuple[str, ...]:
    """The pinyin syllables of a word sequence."""
    return tuple(s for t in tokens for s in token_syllables(t))


def fuzzy_text(tokens: Sequence[str]) -> str:
    """The words joined for rapidfuzz, each number folded into one private-use character.

    Character edits inside Chinese words are near misses worth scoring, but 2007 and 2017 are different years:
    a number either matches whole or not at all.
    """
    return " ".join(chr(0xE000 + zlib.crc32(t.encode()) % 6000) if t.isdigit() else t for t in tokens)


@dataclass(frozen=True)
class Doc:
    """A phrasing as the index keeps it: words, character pairs, pinyin."""

    entry: int
    text: str
    kind: str
    ref: object
    tokens: tuple[str, ...]
    words: frozenset[str]
    pairs: frozenset[str]
    joined: str
    sound: tuple[str, ...]


@dataclass(frozen=True)
class QueryView:
    """One reading of the message, with what every comparison needs computed once."""

    tokens: tuple[str, ...]
    words: frozenset[str]
    pairs: frozenset[str]
    joined: str
    sound: tuple[str, ...]
    word_mass: float
    pair_mass: float
    answer_mass: float
    entry_mass: float
    meaningful: frozenset[str]
    meaningful_mass: float
    penalty: float
    unknown: float = 0.0  # IDF share of the meaningful words no entry knows (签证 in 日本签证怎么办)

    @classmethod
    def of(cls, reading: Analysis, words: TermIndex, pairs: TermIndex, answers: TermIndex, entries: TermIndex, *,
           penalty: float = 0.0, vocabulary: frozenset[str] = frozenset()) -> QueryView:
        tokens = reading.tokens
        word_set, pair_set = frozenset(tokens), char_pairs(tokens)
        meaningful_mass = entries.mass(set(reading.meaningful))
        unknown = entries.mass({t for t in reading.meaningful if t not in vocabulary}) if vocabulary else 0.0
        return cls(tokens=tokens, words=word_set, pairs=pair_set, joined=fuzzy_text(tokens), sound=sound_of(tokens),
                   word_mass=words.mass(word_set) or 1.0, pair_mass=pairs.mass(pair_set) or 1.0,
                   answer_mass=answers.mass(word_set) or 1.0, entry_mass=entries.mass(word_set) or 1.0,
                   meaningful=frozenset(reading.meaningful), meaningful_mass=meaningful_mass,
                   penalty=penalty, unknown=unknown / meaningful_mass if meaningful_mass else 0.0)


@dataclass(frozen=True)
class Signals:
    """Why a phrasing scored what it did (shown by `bot ask`); each in [0, 1]."""

    sort_ratio: float  # rapidfuzz token_sort_ratio on the words
    word_query: float  # IDF share of the message's words found in the phrasing
    word_doc: float  # IDF share of the phrasing's words found in the message
    pair_query: float  # the same on character pairs: survives typos and different cuts
    pair_doc: float
    sound: float  # pinyin similarity: homophone typos
    keyword: float  # the message contains one of the entry's keywords
    answer: float  # IDF share of the message's words found in the entry's answer
    entry: float  # IDF share of the message's words found in any phrasing or keyword of the entry
    explained: float  # IDF share of the message's meaningful words the entry knows (phrasings, keywords, answer)


SIGNAL_NAMES = tuple(f.name for f in fields(Signals))


@dataclass(frozen=True)
class Weights:
    """How the signals add up (set on the labelled dev questions, see bench/tune_match.py)."""

    sort_ratio: float = 0.20
    word_query: float = 0.00
    word_doc: float = 0.00
    pair_query: float = 0.20
    pair_doc: float = 0.05
    sound: float = 0.00
    keyword: float = 0.05
    answer: float = 0.10
    entry: float = 0.05
    explained: float = 0.45
    repaired_penalty: float = 0.03
    number_match: float = 0.15  # added when the entry's phrasings name the message's edition / day / year
    number_clash: float = 0.30  # taken when they name only other numbers of that kind
    unknown: float = 0.0  # taken per share of the message's meaningful words that no entry knows

    def penalty(self, view: QueryView) -> float:
        """What one reading of the message loses whatever the entry: a repaired typo, words nobody knows."""
        return view.penalty + self.unknown * view.unknown

    def score(self, s: Signals, view: QueryView) -> float:
        """One phrasing's score for one reading of the message, before entry-level constraints (numbers)."""
        return self.combine(s) - self.penalty(view)

    def combine(self, s: Signals) -> float:
        """The weighted sum, scaled so that every signal at 1.0 gives 1.0."""
        weighted, scale = self._weighted
        total = sum(w * getattr(s, name) for name, w in weighted)
        return total / scale if scale else 0.0

    @cached_property
    def _weighted(self) -> tuple[tuple[tuple[str, float], ...], float]:
        """The signals that weigh (a signal of weight 0 adds nothing to the sum), and the sum of the weights."""
        weights = [(name, getattr(self, name)) for name in SIGNAL_NAMES]
        return tuple((n, w) for n, w in weights if w), sum(w for _, w in weights)


def signals(query: QueryView, doc: Doc, *, words: TermIndex, pairs: TermIndex, doc_id: int,
            answer_cover: float, entry_cover: float, explained: float, keyword: bool) -> Signals:
    """Every signal of one message reading against one phrasing."""
    shared_words = words.shared(query.words, doc.words)
    shared_pairs = pairs.shared(query.pairs, doc.pairs)
    doc_words, doc_pairs = words.masses[doc_id], pairs.masses[doc_id]
    return Signals(
        sort_ratio=fuzz.token_sort_ratio(query.joined, doc.joined) / 100,
        word_query=shared_words / query.word_mass,
        word_doc=shared_words / doc_words if doc_words else 0.0,
        pair_query=shared_pairs / query.pair_mass,
        pair_doc=shared_pairs / doc_pairs if doc_pairs else 0.0,
        sound=fuzz.ratio(query.sound, doc.sound) / 100,
        keyword=1.0 if keyword else 0.0,
        answer=answer_cover,
        entry=entry_cover,
        explained=explained,
    )
