"""What the knowledge page shows beside the entries: search, and phrasings two entries share (near-duplicates)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bot.knowledge import Knowledge
from bot.knowledge.faq_entries import FaqEntry
from bot.matching import normalize


def entry_matches(entry: FaqEntry, query: str) -> bool:
    """The search of the knowledge page: the query in the id, question, a phrasing, a keyword or the answer."""
    wanted = normalize(query).replace(" ", "") or query.strip().lower()
    texts = [entry.id, entry.question, entry.answer, *(p.text for p in entry.similar),
             *(p.text for p in entry.keywords), *entry.topics]
    return any(wanted in (normalize(t).replace(" ", "") or t.lower()) or query.lower() in t.lower() for t in texts)


@dataclass(frozen=True)
class NearDuplicate:
    text: str
    entry: str
    where: str
    other_text: str
    other_entry: str
    other_where: str
    score: float  # share of meaningful words the two have in common, 0-100


def conflicts_of(knowledge: Knowledge, threshold: float, *, limit: int = 100) -> list[NearDuplicate]:
    """Phrasings of two different entries made of nearly the same meaningful words (the matcher's own analysis:
    words shared / words in either, at least `threshold` percent), closest first."""
    faq = knowledge.faq
    if faq is None:
        return []
    rows: list[tuple[frozenset[str], str, str, str]] = []
    for entry in faq.entries.values():
        for text, line in ((entry.question, entry.question_line), *((p.text, p.line) for p in entry.similar)):
            analysis = faq.index.analyze(text)
            words = frozenset(analysis.meaningful or analysis.tokens)
            if len(words) >= 2:
                rows.append((words, text, entry.id, f"{entry.file}:{line}"))
    by_word: dict[str, list[int]] = defaultdict(list)
    for n, row in enumerate(rows):
        for word in row[0]:
            by_word[word].append(n)
    found: list[NearDuplicate] = []
    for i, (words, text, entry_id, where) in enumerate(rows):
        others = {j for word in words for j in by_word[word] if j > i}
        for j in sorted(others):
            other = rows[j]
            if other[2] == entry_id:
                continue
            score = 100 * len(words & other[0]) / len(words | other[0])
            if score >= threshold:
                found.append(NearDuplicate(text, entry_id, where, other[1], other[2], other[3], score))
    found.sort(key=lambda d: (-d.score, d.entry))
    return found[:limit]
