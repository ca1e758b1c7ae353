"""The FAQ index: built once per knowledge version; retrieves candidates and reranks them per message."""
from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter

from bot.matching.encoder import PhrasingVectors
from bot.matching.normalize import normalize
from bot.matching.numbers import NumberTable, number_facts
from bot.matching.phrasings import Conflict, ConflictFinder, IndexEntry, Phrasing
from bot.matching.rerank import Doc, QueryView, Signals, Weights, fuzzy_text, signals, sound_of
from bot.matching.semantic import SemanticIndex
from bot.matching.terms import TermIndex, char_pairs
from bot.matching.tokenize import Analysis, DomainTokenizer, Lexicon

__all__ = ["Candidate", "Conflict", "ExactHit", "FaqIndex", "IndexEntry", "Phrasing"]

RERANK = 50  # phrasings reranked per message, the best by word and character-pair overlap
ANSWER_ENTRIES = 8  # entries whose answer holds the message's rarest words join the rerank
PAIR_FACTOR = 0.5  # character pairs count for less than whole words when retrieving


@dataclass(frozen=True)
class Candidate:
    """One entry's best phrasing for a message."""

    entry_id: str
    question: str
    score: float
    phrasing: str
    signals: Signals
    notes: str = ""  # constraints that moved the score (numbers: =2届 matched, ≠2019年 clashed)
    semantic: float | None = None  # cosine to the entry's nearest phrasing (None: the encoder did not run)
    probability: float = 0.0  # the calibrated probability that this entry answers the message


@dataclass(frozen=True)
class ExactHit:
    """A message equal to a keyword or to a phrasing of one entry."""

    entry_id: str
    rule: str  # keyword | phrasing
    matched: str


@dataclass
class FaqIndex:
    """Everything matching needs, built from the entries of one knowledge version."""

    tokenizer: DomainTokenizer
    entries: list[IndexEntry]
    docs: list[Doc]
    words: TermIndex
    pairs: TermIndex
    answers: TermIndex
    entry_words: TermIndex
    known: list[frozenset[str]]  # per entry: every word of its phrasings, keywords and answer
    entry_docs: list[list[int]]
    exact_phrasings: dict[tuple[str, ...], int]
    exact_keywords: dict[tuple[str, ...], int]
    keyword_entries: dict[str, set[int]]
    numbers: NumberTable
    vocabulary: frozenset[str]  # every word some entry knows
    conflicts: list[Conflict] = field(default_factory=list)
    weights: Weights = field(default_factory=Weights)
    semantic: SemanticIndex | None = None  # the phrasings' sentence vectors (None: lexical matching only)

    @classmethod
    def build(cls, entries: Iterable[IndexEntry], lexicon: Lexicon, *, weights: Weights | None = None,
              vectors: PhrasingVectors | None = None, outside: Sequence[str] = ()) -> FaqIndex:
        """Cut every phrasing and answer once, fill the inverted indexes, find conflicting phrasings; with
        `vectors`, embed the phrasings and the `outside` examples (questions the bot does not answer) for the
        semantic signal (only the texts the cache does not hold)."""
        entries = list(entries)
        tokenizer = DomainTokenizer(lexicon, extra_words=[k.text for e in entries for k in e.keywords])
        finder = ConflictFinder([e.id for e in entries])
        docs: list[Doc] = []
        keywords: list[tuple[int, Phrasing, Analysis]] = []
        for n, entry in enumerate(entries):
            for phrasing in entry.phrasings:
                tokens = tokenizer.analyze(phrasing.text).tokens
                if tokens and finder.phrasing(n, phrasing, tokens):
                    docs.append(Doc(entry=n, text=phrasing.text, kind=phrasing.kind, ref=phrasing.ref, tokens=tokens,
                                    words=frozenset(tokens), pairs=char_pairs(tokens), joined=fuzzy_text(tokens),
                                    sound=sound_of(tokens)))
            keywords.extend((n, k, tokenizer.analyze(k.text)) for k in entry.keywords)
        finder.keywords(keywords)
        owners = [d.entry for d in docs]
        answer_words = [frozenset(tokenizer.analyze(e.answer).tokens) for e in entries]
        entry_docs: list[list[int]] = [[] for _ in entries]
        entry_words: list[set[str]] = [set() for _ in entries]
        for doc_id, doc in enumerate(docs):
            entry_docs[doc.entry].append(doc_id)
            entry_words[doc.entry].update(doc.words)
        for n, _, analysis in keywords:
            entry_words[n].update(analysis.tokens)
        index = cls(tokenizer=tokenizer, entries=entries, docs=docs,
                    words=TermIndex([d.words for d in docs], owners, len(entries)),
                    pairs=TermIndex([d.pairs for d in docs], owners, len(entries)),
                    answers=TermIndex(answer_words, list(range(len(entries))), len(entries)),
                    entry_words=TermIndex([frozenset(w) for w in entry_words], list(range(len(entries))), len(entries)),
                    known=[frozenset(w | a) for w, a in zip(entry_words, answer_words, strict=True)],
                    entry_docs=entry_docs, exact_phrasings=finder.exact_phrasings,
                    exact_keywords=finder.exact_keywords, keyword_entries=finder.keyword_entries,
                    numbers=NumberTable([_numbers_of(e) for e in entries]),
                    vocabulary=frozenset().union(*entry_words, *answer_words),
                    conflicts=finder.conflicts, weights=weights or Weights())
        if vectors is not None:
            index.semantic = SemanticIndex.build([d.text for d in docs], owners, len(entries), vectors, outside=outside)
        uses = Counter(t for d in docs for t in d.tokens)
        tokenizer.add_place_stems(uses)
        tokenizer.enable_repair({**dict.fromkeys(tokenizer.domain_words, 0), **uses})
        tokenizer.known = index.vocabulary
        index.analyze = lru_cache(maxsize=4096)(tokenizer.analyze)  # type: ignore[method-assign]
        return index

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

    def rank(self, analysis: Analysis, *, limit: int = 5, exclude: int | None = None) -> list[Candidate]:
        """The best entries for a message, best first, one candidate (its best phrasing) per entry.

        `exclude`: a phrasing (doc id) left out, for calibrating on the knowledge's own phrasings.
        """
        best: dict[int, tuple[float, Doc, Signals]] = {}
        for view, doc_id, sig in self.signals(analysis, exclude=exclude):
            doc = self.docs[doc_id]
            score = self.weights.score(sig, view)
            if doc.entry not in best or score > best[doc.entry][0]:
                best[doc.entry] = (score, doc, sig)
        notes: dict[int, str] = {}
        asked = self.numbers_of(analysis)
        if asked:
            for n, (score, doc, sig) in best.items():
                delta, notes[n] = self.number_shift(asked, n)
                best[n] = (score + delta, doc, sig)
        ranked = heapq.nlargest(limit, best.items(), key=lambda item: item[1][0])
        return [Candidate(entry_id=self.entries[n].id, question=self.entries[n].question,
                          score=round(min(max(score, 0.0), 1.0), 4), phrasing=doc.text, signals=sig,
                          notes=notes.get(n, ""))
                for n, (score, doc, sig) in ranked]

    def unknown_words(self, analysis: Analysis) -> list[str]:
        """The message's meaningful words that no entry knows (out-of-scope evidence, shown by `bot ask`)."""
        reading = analysis.repaired or analysis
        return [t for t in reading.meaningful if t not in self.vocabulary]

    def unknown_share(self, analysis: Analysis) -> float:
        """IDF share of the message's meaningful words no entry knows, for its best reading (typos repaired)."""
        shares = []
        for reading in (analysis, analysis.repaired):
            if reading is not None and reading.meaningful:
                mass = self.entry_words.mass(set(reading.meaningful))
                unknown = self.entry_words.mass({t for t in reading.meaningful if t not in self.vocabulary})
                shares.append(unknown / mass if mass else 0.0)
        return min(shares, default=0.0)

    def numbers_of(self, analysis: Analysis) -> frozenset:
        """The typed numbers the message names (editions, days, years)."""
        return number_facts(analysis.normalized)

    def number_shift(self, asked: frozenset, entry: int) -> tuple[float, str]:
        """How much the message's numbers move one entry's score, and why."""
        telling, clashes, note = self.numbers.agreement(asked, entry)
        return self.weights.number_match * min(telling, 1) - self.weights.number_clash * min(clashes, 1), note

    def signals(self, analysis: Analysis, *, exclude: int | None = None) -> Iterable[tuple[QueryView, int, Signals]]:
        """Every retrieved phrasing with its signals, for each reading of the message (as typed, repaired)."""
        readings = [(analysis, 0.0)]
        if analysis.repaired is not None:
            readings.append((analysis.repaired, self.weights.repaired_penalty))
        for reading, penalty in readings:
            if not reading.tokens:
                continue
            view = QueryView.of(reading, self.words, self.pairs, self.answers, self.entry_words, penalty=penalty,
                                vocabulary=self.vocabulary)
            in_answers: dict[int, float] = {}
            self.answers.accumulate(view.words, in_answers)
            in_entries: dict[int, float] = {}
            self.entry_words.accumulate(view.words, in_entries)
            explained: dict[int, float] = {}
            by_keyword = set().union(*(self.keyword_entries.get(t, ()) for t in view.words))  # a keyword typed
            for doc_id in self._retrieve(view, in_answers) - {exclude}:
                doc = self.docs[doc_id]
                if doc.entry not in explained:
                    explained[doc.entry] = self._explained(view, doc.entry)
                keyword = doc.entry in by_keyword
                yield view, doc_id, signals(view, doc, words=self.words, pairs=self.pairs, doc_id=doc_id,
                                            answer_cover=in_answers.get(doc.entry, 0.0) / view.answer_mass,
                                            entry_cover=in_entries.get(doc.entry, 0.0) / view.entry_mass,
                                            explained=explained[doc.entry],
                                            keyword=keyword)

    def _explained(self, view: QueryView, entry: int) -> float:
        if not view.meaningful_mass:
            return 1.0
        known = self.known[entry]
        return sum(self.entry_words.weight(t) for t in view.meaningful if t in known) / view.meaningful_mass

    def _retrieve(self, view: QueryView, in_answers: dict[int, float]) -> set[int]:
        found: dict[int, float] = {}
        self.words.accumulate(view.words, found)
        self.pairs.accumulate(view.pairs, found, PAIR_FACTOR)
        chosen = set(found) if len(found) <= RERANK else {d for d, _ in heapq.nlargest(RERANK, found.items(),
                                                                                         key=itemgetter(1))}
        for entry, _ in heapq.nlargest(ANSWER_ENTRIES, in_answers.items(), key=itemgetter(1)):
            chosen.update(self.entry_docs[entry])
        return chosen


def _numbers_of(entry: IndexEntry) -> set:
    """The typed numbers an entry's phrasings and keywords name."""
    found: set = set()
    for phrasing in (*entry.phrasings, *entry.keywords):
        text = phrasing.text
        if any(ch in _NUMBER_HINTS for ch in text) or "first" in text.lower():
            found |= number_facts(normalize(text))
    return found


# A phrasing without one of these holds no number worth reading (digits in any width, 第/届/年/回/次, numerals).
_NUMBER_HINTS = frozenset("0123456789０１２３４５６７８９第届屆年回次首〇零一二三四五六七八九十两")
