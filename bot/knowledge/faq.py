"""The "faq" section: knowledge/faq/*.yaml validated entry by entry, then indexed for matching."""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.faq_entries import EntryReader, FaqEntry, Link, Phrase
from bot.knowledge.files import relative
from bot.knowledge.lexicon import load_lexicon
from bot.knowledge.limits import active_limits
from bot.knowledge.marked_yaml import read_marked
from bot.knowledge.outside import FILE as OUTSIDE_FILE
from bot.knowledge.outside import load_outside
from bot.knowledge.problems import Problem
from bot.matching import FaqIndex, IndexEntry, Lexicon, Phrasing, normalize
from bot.matching.encoder import shared_vectors
from bot.matching.outside import general_outside
from bot.matching.phrasings import Conflict

__all__ = ["Faq", "FaqEntry", "Link", "load_faq"]

KIND_NAMES = {"question": "the question", "similar": "a similar phrasing", "keyword": "a keyword"}


@dataclass(frozen=True)
class Faq:
    """The FAQ entries of one knowledge version and the index built from them."""

    entries: Mapping[str, FaqEntry]
    index: FaqIndex

    def get(self, entry_id: str | None) -> FaqEntry | None:
        """The entry with this id, or None (e.g. removed by a reload)."""
        return self.entries.get(entry_id) if entry_id else None


def faq_files(root: Path) -> list[Path]:
    """The FAQ files in load order."""
    folder = root / "faq"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))


def load_faq(root: Path, topics: Mapping[str, object] | None) -> tuple[Faq, list[Problem]]:
    """Read, check and index every FAQ file (entries' topics checked against `topics` when loaded)."""
    problems: list[Problem] = []
    entries: dict[str, FaqEntry] = {}
    files = faq_files(root)
    if not files:
        problems.append(Problem(f"{root.name}/faq", 1, "no FAQ files (knowledge/faq/*.yaml): the bot can only "
                                                       "fall back", "warning"))
    limit = active_limits().max_entries
    for path in files:
        data, found = read_marked(root, path)
        problems.extend(found)
        if data is None and found:  # unreadable, refused or not YAML: its problems say why
            continue
        reader = EntryReader(relative(root, path), topics)
        for entry in reader.read_file(data):
            if len(entries) >= limit:
                reader.problem(entry.line, f"more than {limit:,} FAQ entries in the folder: this one and those after "
                                           "it are not loaded (条目太多)")
                break
            if entry.id in entries:
                first = entries[entry.id]
                reader.problem(entry.line, f"duplicate id '{entry.id}' (also {first.file}:{first.line})")
                continue
            entries[entry.id] = entry
        problems.extend(reader.problems)
    problems.extend(repeated_phrasings(entries.values()))
    lexicon, found = load_lexicon(root)
    problems.extend(found)
    outside, found = load_outside(root)
    problems.extend(found)
    claimed = claimed_texts(entries.values())
    outside = outside_kept(outside, claimed, problems)
    general = tuple(t for t in general_outside() if normalize(t) not in claimed)
    index = build_index(list(entries.values()), lexicon, (*general, *(p.text for p in outside)))
    problems.extend(conflict_problem(c) for c in index.conflicts)
    return Faq(entries=entries, index=index), problems


def claimed_texts(entries) -> dict[str, tuple[FaqEntry, int]]:
    """Every question, similar phrasing and keyword of the entries, normalized, with the entry and line that
    claim it first."""
    claimed: dict[str, tuple[FaqEntry, int]] = {}
    for entry in entries:
        for text, line in ((entry.question, entry.question_line), *((p.text, p.line) for p in entry.similar),
                           *((p.text, p.line) for p in entry.keywords)):
            claimed.setdefault(normalize(text), (entry, line))
    return claimed


def outside_kept(outside: tuple[Phrase, ...], claimed: dict[str, tuple[FaqEntry, int]],
                 problems: list[Problem]) -> tuple[Phrase, ...]:
    """The out-of-scope examples that no entry claims; one an entry claims is an error at its line."""
    kept = []
    for phrase in outside:
        owner = claimed.get(normalize(phrase.text))
        if owner is not None:
            entry, line = owner
            problems.append(Problem(OUTSIDE_FILE, phrase.line, f"'{phrase.text}' is a question the bot does not "
                                    f"answer here, but '{entry.id}' answers it ({entry.file}:{line}): keep it in one "
                                    "place (这个问法同时写在了两处)"))
            continue
        kept.append(phrase)
    return tuple(kept)


def repeated_phrasings(entries) -> list[Problem]:
    """The same phrasing twice inside one entry is harmless but noise: a warning."""
    problems = []
    for entry in entries:
        seen: dict[str, int] = {normalize(entry.question): entry.question_line}
        for phrase in entry.similar:
            key = normalize(phrase.text)
            if key in seen:
                problems.append(Problem(entry.file, phrase.line, f"'{phrase.text}' repeats line {seen[key]} of "
                                                                 "the same entry", "warning"))
            seen.setdefault(key, phrase.line)
    return problems


def conflict_problem(conflict: Conflict) -> Problem:
    """Two entries claiming the same words, said where the second claim is written."""
    file, line = conflict.phrasing.ref
    other_file, other_line = conflict.other.ref
    what = KIND_NAMES.get(conflict.phrasing.kind, "a phrasing")
    other_what = KIND_NAMES.get(conflict.other.kind, "a phrasing")
    if conflict.severity == "warning":
        message = (f"'{conflict.phrasing.text}' ({what} of '{conflict.entry_id}') is taken by the keyword "
                   f"'{conflict.other.text}' of '{conflict.other_entry_id}' ({other_file}:{other_line}): "
                   "followers typing it get the other entry")
    else:
        message = (f"'{conflict.phrasing.text}' ({what} of '{conflict.entry_id}') means the same as "
                   f"'{conflict.other.text}', {other_what} of '{conflict.other_entry_id}' "
                   f"({other_file}:{other_line}); each phrasing must lead to one entry")
    return Problem(file, line, message, conflict.severity)


def index_entry(entry: FaqEntry) -> IndexEntry:
    """What the matcher needs of an entry, each phrasing carrying its file:line."""

    def phrasing(phrase: Phrase, kind: str) -> Phrasing:
        return Phrasing(phrase.text, kind, (entry.file, phrase.line))

    return IndexEntry(
        id=entry.id,
        question=entry.question,
        phrasings=(phrasing(Phrase(entry.question, entry.question_line), "question"),
                   *(phrasing(p, "similar") for p in entry.similar)),
        keywords=tuple(phrasing(p, "keyword") for p in entry.keywords),
        answer="\n".join((entry.answer, *entry.more)),
    )


# The index of the last versions built, by content: a reload that changed only an article, and tests that
# load the same folder many times, reuse it instead of cutting every phrasing again.
_BUILT: OrderedDict[str, FaqIndex] = OrderedDict()
_BUILT_LOCK = threading.Lock()
_KEEP = 2


def build_index(entries: list[FaqEntry], lexicon: Lexicon, outside: tuple[str, ...] = ()) -> FaqIndex:
    """The matcher's index for these entries and out-of-scope examples (reused when the same were indexed just
    before)."""
    wanted = [index_entry(e) for e in entries]
    key = hashlib.sha256(repr((wanted, lexicon, outside)).encode()).hexdigest()  # everything the index is built from
    with _BUILT_LOCK:
        if key in _BUILT:
            _BUILT.move_to_end(key)
            return _BUILT[key]
    index = FaqIndex.build(wanted, lexicon, vectors=shared_vectors(), outside=outside)
    with _BUILT_LOCK:
        _BUILT[key] = index
        while len(_BUILT) > _KEEP:
            _BUILT.popitem(last=False)
    return index
