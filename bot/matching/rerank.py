"""Rerank signals for one message against one phrasing, and how they add up to a score in [0, 1]."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.matching.terms import TermIndex, char_pairs
from bot.matching.tokenize import Analysis, token_syllables


def sound_of(tokens: Sequence[str]) -> tuple[str, ...]:
    """The pinyin syllables of a word sequence."""
    return tuple(s for t in tokens for s in token_syllables(t))


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
    penalty: float

    @classmethod
    def of(cls, reading: Analysis, words: TermIndex, pairs: TermIndex, answers: TermIndex, *,
           penalty: float = 0.0) -> QueryView:
        tokens = reading.tokens
        word_set, pair_set = frozenset(tokens), char_pairs(tokens)
        return cls(tokens=tokens, words=word_set, pairs=pair_set, joined=" ".join(tokens), sound=sound_of(tokens),
                   word_mass=words.mass(word_set) or 1.0, pair_mass=pairs.mass(pair_set) or 1.0,
                   answer_mass=answers.mass(word_set) or 1.0, penalty=penalty)


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


@dataclass(frozen=True)
class Weights:
    """How the signals add up (set on the labelled dev questions, see bench/tune_match.py)."""

    sort_ratio: float = 0.40
    word_query: float = 0.30
    word_doc: float = 0.0
    pair_query: float = 0.20
    pair_doc: float = 0.0
    sound: float = 0.40
    keyword: float = 0.15
    answer: float = 0.30
    repaired_penalty: float = 0.03

    def combine(self, s: Signals) -> float:
        """The weighted sum, scaled so that every signal at 1.0 gives 1.0."""
        total = (self.sort_ratio * s.sort_ratio + self.word_query * s.word_query + self.word_doc * s.word_doc
                 + self.pair_query * s.pair_query + self.pair_doc * s.pair_doc + self.sound * s.sound
                 + self.keyword * s.keyword + self.answer * s.answer)
        scale = (self.sort_ratio + self.word_query + self.word_doc + self.pair_query + self.pair_doc + self.sound
                 + self.keyword + self.answer)
        return total / scale if scale else 0.0


def signals(query: QueryView, doc: Doc, *, words: TermIndex, pairs: TermIndex, doc_id: int,
            answer_cover: float, keyword: bool) -> Signals:
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
    )
