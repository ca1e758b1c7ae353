"""The FAQ index: built once per knowledge version; retrieves candidates and reranks them per message."""
from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter

from rapidfuzz import fuzz

from bot.matching.normalize import QUESTION_WORDS
from bot.matching.tokenize import Analysis, DomainTokenizer, Lexicon, token_syllables

# How many phrasings (by IDF overlap) are reranked; the rest of the knowledge is never touched.
RERANK = 50
# Past this many candidates, a very common word only re-weights candidates it shares, it adds none.
EXPAND_LIMIT = 400


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


@dataclass(frozen=True)
class Doc:
    """A phrasing as the index keeps it: words, their pinyin, their IDF mass."""

    entry: int
    phrasing: Phrasing
    tokens: tuple[str, ...]
    joined: str
    sound: tuple[str, ...]
    mass: float


@dataclass(frozen=True)
class Signals:
    """Why a phrasing scored what it did (shown by `bot ask`)."""

    sort_ratio: float
    query_cover: float
    doc_cover: float
    sound: float
    keyword: float


@dataclass(frozen=True)
class Candidate:
    """One entry's best phrasing for a message."""

    entry_id: str
    question: str
    score: float
    phrasing: str
    signals: Signals


@dataclass(frozen=True)
class Weights:
    """How the rerank signals add up to a score in [0, 1]."""

    sort_ratio: float = 0.40
    cover: float = 0.35
    query_share: float = 0.65  # of `cover`: how much of the message is explained vs how much of the phrasing
    sound: float = 0.15
    keyword: float = 0.10
    repaired_penalty: float = 0.03


@dataclass(frozen=True)
class Conflict:
    """Two entries claiming the same words: the same phrasing, or a keyword that takes another's phrasing."""

    severity: str
    phrasing: Phrasing
    entry_id: str
    other: Phrasing
    other_entry_id: str


@dataclass(frozen=True)
class ExactHit:
    """A message equal to a keyword or to a phrasing of one entry."""

    entry_id: str
    rule: str  # keyword | phrasing
    matched: str


def sound_of(tokens: Sequence[str]) -> tuple[str, ...]:
    """The pinyin syllables of a word sequence."""
    return tuple(s for t in tokens for s in token_syllables(t))


@dataclass
class FaqIndex:
    """Everything matching needs, built from the entries of one knowledge version."""

    tokenizer: DomainTokenizer
    entries: list[IndexEntry]
    docs: list[Doc] = field(default_factory=list)
    idf: dict[str, float] = field(default_factory=dict)
    postings: dict[str, frozenset[int]] = field(default_factory=dict)
    exact_phrasings: dict[tuple[str, ...], int] = field(default_factory=dict)
    exact_keywords: dict[tuple[str, ...], int] = field(default_factory=dict)
    keyword_entries: dict[str, set[int]] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    weights: Weights = field(default_factory=Weights)
    unknown_idf: float = 1.0

    @classmethod
    def build(cls, entries: Iterable[IndexEntry], lexicon: Lexicon, *, weights: Weights | None = None) -> FaqIndex:
        """Cut every phrasing once, count document frequencies, fill the inverted index."""
        entries = list(entries)
        keyword_words = [k.text for e in entries for k in e.keywords]
        tokenizer = DomainTokenizer(lexicon, extra_words=keyword_words)
        index = cls(tokenizer=tokenizer, entries=entries, weights=weights or Weights())
        cut: list[tuple[int, Phrasing, Analysis]] = []
        for n, entry in enumerate(entries):
            for phrasing in (*entry.phrasings, *entry.keywords):
                cut.append((n, phrasing, tokenizer.analyze(phrasing.text)))
        index._fill(cut)
        vocabulary = {t for _, _, a in cut for t in a.tokens} | set(tokenizer.domain_words)
        tokenizer.enable_repair(vocabulary)
        index.analyze = lru_cache(maxsize=4096)(tokenizer.analyze)  # type: ignore[method-assign]
        return index

    def _fill(self, cut: list[tuple[int, Phrasing, Analysis]]) -> None:
        entry_df: dict[str, set[int]] = defaultdict(set)
        for n, _, analysis in cut:
            for token in analysis.tokens:
                entry_df[token].add(n)
        total = max(len(self.entries), 1)
        self.idf = {t: math.log(1 + (total - len(ns) + 0.5) / (len(ns) + 0.5)) for t, ns in entry_df.items()}
        self.unknown_idf = math.log(1 + (total + 0.5) / 0.5)
        owners: dict[tuple[str, ...], tuple[int, Phrasing]] = {}
        postings: dict[str, list[int]] = defaultdict(list)
        for n, phrasing, analysis in cut:
            key = analysis.tokens
            if phrasing.kind == "keyword" or not key:
                continue
            if key in owners and owners[key][0] != n:
                self._conflict("error", phrasing, n, *owners[key])
                continue
            owners.setdefault(key, (n, phrasing))
            self.exact_phrasings.setdefault(key, n)
            doc_id = len(self.docs)
            self.docs.append(Doc(entry=n, phrasing=phrasing, tokens=key, joined=" ".join(key),
                                 sound=sound_of(key), mass=sum(self.idf[t] for t in set(key))))
            for token in set(key):
                postings[token].append(doc_id)
        self.postings = {t: frozenset(ds) for t, ds in postings.items()}
        self._fill_keywords([(n, p, a) for n, p, a in cut if p.kind == "keyword"], owners)

    def _fill_keywords(self, cut: list[tuple[int, Phrasing, Analysis]],
                       owners: dict[tuple[str, ...], tuple[int, Phrasing]]) -> None:
        takes: dict[tuple[str, ...], tuple[int, Phrasing]] = {}
        for doc in self.docs:
            meaningful = tuple(t for t in doc.tokens if t not in QUESTION_WORDS)
            takes.setdefault(meaningful, (doc.entry, doc.phrasing))
        keyword_owners: dict[tuple[str, ...], tuple[int, Phrasing]] = {}
        for n, phrasing, analysis in cut:
            key = analysis.meaningful or analysis.tokens
            if not key:
                continue
            if key in keyword_owners and keyword_owners[key][0] != n:
                self._conflict("error", phrasing, n, *keyword_owners[key])
                continue
            if key in owners and owners[key][0] != n:
                self._conflict("error", phrasing, n, *owners[key])
                continue
            if key in takes and takes[key][0] != n:
                self._conflict("warning", takes[key][1], takes[key][0], n, phrasing)
            keyword_owners.setdefault(key, (n, phrasing))
            self.exact_keywords.setdefault(key, n)
            if len(key) == 1:
                self.keyword_entries.setdefault(key[0], set()).add(n)

    def _conflict(self, severity: str, phrasing: Phrasing, n: int, other_n: int, other: Phrasing) -> None:
        self.conflicts.append(Conflict(severity, phrasing, self.entries[n].id, other, self.entries[other_n].id))

    def analyze(self, text: str) -> Analysis:  # replaced by a memoized tokenizer.analyze in build()
        """The message as the matcher sees it."""
        return self.tokenizer.analyze(text)

    def exact(self, analysis: Analysis) -> ExactHit | None:
        """A keyword (with only question words around it) or a whole phrasing, typed exactly."""
        for reading in (analysis, analysis.repaired):
            if reading is None:
                continue
            n = self.exact_keywords.get(reading.meaningful) if reading.meaningful else None
            if n is not None:
                return ExactHit(self.entries[n].id, "keyword", " ".join(reading.meaningful))
            n = self.exact_phrasings.get(reading.tokens) if reading.tokens else None
            if n is not None:
                return ExactHit(self.entries[n].id, "phrasing", reading.joined)
        return None

    def rank(self, analysis: Analysis, *, limit: int = 5) -> list[Candidate]:
        """The best entries for a message, best first, one candidate per entry."""
        best: dict[int, tuple[float, Doc, Signals]] = {}
        readings = [(analysis, 0.0)]
        if analysis.repaired is not None:
            readings.append((analysis.repaired, self.weights.repaired_penalty))
        for reading, penalty in readings:
            for doc_id in self._retrieve(reading.tokens):
                doc = self.docs[doc_id]
                score, signals = self._score(reading, doc)
                score -= penalty
                if doc.entry not in best or score > best[doc.entry][0]:
                    best[doc.entry] = (score, doc, signals)
        ranked = heapq.nlargest(limit, best.items(), key=lambda item: item[1][0])
        return [Candidate(entry_id=self.entries[n].id, question=self.entries[n].question, score=round(max(s, 0.0), 4),
                          phrasing=doc.phrasing.text, signals=signals) for n, (s, doc, signals) in ranked]

    def _retrieve(self, tokens: Sequence[str]) -> list[int]:
        found: dict[int, float] = {}
        for token in sorted(set(tokens), key=lambda t: -self.idf.get(t, 0.0)):
            docs = self.postings.get(token)
            if not docs:
                continue
            weight = self.idf[token]
            if len(found) >= EXPAND_LIMIT and len(docs) > EXPAND_LIMIT:
                for doc_id in found:
                    if doc_id in docs:
                        found[doc_id] += weight
                continue
            for doc_id in docs:
                found[doc_id] = found.get(doc_id, 0.0) + weight
        if len(found) <= RERANK:
            return list(found)
        return [d for d, _ in heapq.nlargest(RERANK, found.items(), key=itemgetter(1))]

    def _score(self, reading: Analysis, doc: Doc) -> tuple[float, Signals]:
        w = self.weights
        query = set(reading.tokens)
        shared = query.intersection(doc.tokens)
        shared_mass = sum(self.idf[t] for t in shared)
        query_mass = sum(self.idf.get(t, self.unknown_idf) for t in query) or 1.0
        query_cover = shared_mass / query_mass
        doc_cover = shared_mass / doc.mass if doc.mass else 0.0
        sort_ratio = fuzz.token_sort_ratio(reading.joined, doc.joined) / 100
        sound = fuzz.ratio(sound_of(reading.tokens), doc.sound) / 100
        keyword = 1.0 if any(doc.entry in self.keyword_entries.get(t, ()) for t in query) else 0.0
        score = (w.sort_ratio * sort_ratio
                 + w.cover * (w.query_share * query_cover + (1 - w.query_share) * doc_cover)
                 + w.sound * sound + w.keyword * keyword)
        return score, Signals(round(sort_ratio, 3), round(query_cover, 3), round(doc_cover, 3), round(sound, 3),
                              keyword)
