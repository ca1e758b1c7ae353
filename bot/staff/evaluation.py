"""How well the bot answers a labelled set of questions, next to two baselines, and which probes it should not answer.

A labelled file is a YAML list of {q, expect, kind}: `expect` is the entry id (or ids) that should answer, null
for a question out of scope. `evaluate` asks the product (bot.staff.ask.explain, the handler chain as a follower
meets it), WeChat's built-in keyword auto-reply and plain rapidfuzz WRatio, and returns a Report of the shares
answered right, suggested, wrong and fallen back. Probe files are YAML lists of questions no entry should answer.
The test suite holds floors on these figures; bench/accuracy.py and bench/oos.py print them.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process, utils

from bot.knowledge import Knowledge
from bot.staff.ask import explain

KINDS = ("paraphrase", "colloquial", "short", "typo", "traditional", "english", "voice", "mixed")
DEV_SHARE = 45  # percent of questions in the dev split (by hash of the question text)


@dataclass(frozen=True)
class Question:
    """One labelled question; an empty `expect` means out of scope."""

    q: str
    expect: frozenset[str]
    kind: str

    @property
    def in_scope(self) -> bool:
        """Whether some entry should answer it."""
        return bool(self.expect)


@dataclass(frozen=True)
class Outcome:
    """What a system did with one question on the first reply."""

    answer: str | None  # the entry answered, None for a suggestion list or a fallback
    top1: str | None  # the system's best guess, answered or not
    suggestions: tuple[str, ...] = ()
    decision: str = ""


System = Callable[[str], Outcome]


def split_of(question: str) -> str:
    """The split a question belongs to: fixed by the hash of its text."""
    return "dev" if int(hashlib.sha1(question.encode("utf-8")).hexdigest(), 16) % 100 < DEV_SHARE else "test"


def load_questions(path: Path) -> list[Question]:
    """The labelled questions of one file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    questions = []
    for item in raw:
        expect = item.get("expect")
        ids = [] if expect is None else [expect] if isinstance(expect, str) else list(expect)
        questions.append(Question(q=str(item["q"]), expect=frozenset(ids), kind=str(item["kind"])))
    return questions


def load_probes(path: Path) -> list[str]:
    """The questions of a probe file (none of them should be answered)."""
    return [str(q) for q in yaml.safe_load(path.read_text(encoding="utf-8")) or []]


def answered_probes(probes: Iterable[str], knowledge: Knowledge) -> list[tuple[str, dict]]:
    """The probes the bot answers directly, with the evidence."""
    results = [(q, explain(q, knowledge)) for q in probes]
    return [(q, r) for q, r in results if r.get("entry")]


def faq_entries(knowledge_root: Path) -> list[dict]:
    """The FAQ entries as staff wrote them (knowledge/faq/*.yaml, files in name order): what the baselines see."""
    entries: list[dict] = []
    for path in sorted((knowledge_root / "faq").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        entries.extend(e for e in data if isinstance(e, dict) and e.get("id"))
    return entries


def keyword_baseline(entries: Iterable[dict]) -> System:
    """WeChat's built-in auto-reply: one 'contains' rule per entry (its keywords, else its standard question)."""
    rules = []
    for entry in entries:
        words = [str(w).lower() for w in (entry.get("keywords") or []) if str(w).strip()]
        rules.append((str(entry["id"]), words or [str(entry.get("question", "")).lower()]))

    def answer(text: str) -> Outcome:
        lowered = text.lower()
        for entry_id, words in rules:
            if any(word and word in lowered for word in words):
                return Outcome(answer=entry_id, top1=entry_id, decision="answer")
        return Outcome(answer=None, top1=None, decision="fallback")

    return answer


class RawWRatio:
    """Plain rapidfuzz WRatio on the raw text against every standard and similar question."""

    def __init__(self, entries: Iterable[dict]) -> None:
        self.phrases: list[str] = []
        self.ids: list[str] = []
        for entry in entries:
            for phrase in [entry.get("question"), *(entry.get("similar") or [])]:
                if phrase:
                    self.phrases.append(str(phrase))
                    self.ids.append(str(entry["id"]))

    def best(self, text: str) -> tuple[str | None, float]:
        """The entry of the closest phrasing and its score (0-100)."""
        found = process.extractOne(text, self.phrases, scorer=fuzz.WRatio, processor=utils.default_process)
        return (self.ids[found[2]], found[1]) if found else (None, 0.0)

    def system(self, threshold: float) -> System:
        """The baseline answering when the best score reaches `threshold`."""

        def answer(text: str) -> Outcome:
            entry_id, score = self.best(text)
            answered = entry_id if score >= threshold else None
            return Outcome(answer=answered, top1=entry_id, decision="answer" if answered else "fallback")

        return answer

    def choose_threshold(self, questions: list[Question]) -> int:
        """The threshold that gets the most dev questions right (right answer, or silence when out of scope)."""
        scored = [(q, *self.best(q.q)) for q in questions]
        best_t, best_right = 100, -1
        for t in range(100, -1, -1):
            right = sum((entry in q.expect and score >= t) if q.in_scope else score < t for q, entry, score in scored)
            if right > best_right:
                best_t, best_right = t, right
        return best_t


def product_system(knowledge: Knowledge, decision: str | None = None) -> System:
    """The real matcher and handler chain through bot.staff.ask.explain (`decision`: calibrated or rules; None,
    the default one)."""

    def answer(text: str) -> Outcome:
        result = explain(text, knowledge, decision=decision)
        suggestions = tuple(str(s) for s in result.get("suggestions") or ())
        candidates = result.get("candidates") or []
        entry = result.get("entry")
        top1 = entry or (suggestions[0] if suggestions else None) or (candidates[0].get("id") if candidates else None)
        return Outcome(answer=entry, top1=top1, suggestions=suggestions, decision=str(result.get("decision", "")))

    return answer


def rates(questions: list[Question], outcomes: list[Outcome]) -> dict[str, float]:
    """The figures for one system: shares of in-scope and of out-of-scope questions."""
    pairs = list(zip(questions, outcomes, strict=True))
    ins = [(q, o) for q, o in pairs if q.in_scope]
    oos = [(q, o) for q, o in pairs if not q.in_scope]

    def share(items: list, test: Callable[[Question, Outcome], bool]) -> float:
        return sum(1 for q, o in items if test(q, o)) / len(items) if items else float("nan")

    return {
        "n_in": len(ins),
        "n_oos": len(oos),
        "top1": share(ins, lambda q, o: o.top1 in q.expect),
        "answered_right": share(ins, lambda q, o: o.answer in q.expect),
        "suggest_hit": share(ins, lambda q, o: bool(q.expect & set(o.suggestions))),
        "covered": share(ins, lambda q, o: o.answer in q.expect or bool(q.expect & set(o.suggestions))),
        "wrong_in": share(ins, lambda q, o: o.answer is not None and o.answer not in q.expect),
        "wrong_oos": share(oos, lambda q, o: o.answer is not None),
        "fallback_in": share(ins, lambda q, o: o.answer is None and not o.suggestions),
        "fallback_all": share(pairs, lambda q, o: o.answer is None and not o.suggestions),
    }


@dataclass
class Report:
    """Everything one run measured."""

    split: str
    questions: list[Question]
    outcomes: dict[str, list[Outcome]]
    threshold: int
    verbatim: int = 0  # questions (not short ones) found word for word among the knowledge's phrasings

    def rates(self, system: str, kind: str | None = None) -> dict[str, float]:
        """The figures of one system, on every question or on one kind."""
        chosen = [i for i, q in enumerate(self.questions) if kind is None or q.kind == kind]
        return rates([self.questions[i] for i in chosen], [self.outcomes[system][i] for i in chosen])

    def failures(self, system: str = "product") -> list[tuple[Question, Outcome]]:
        """Questions not answered right: wrong answers, suggestion lists and fallbacks on in-scope, answers on OOS."""
        return [(q, o) for q, o in zip(self.questions, self.outcomes[system], strict=True)
                if (o.answer not in q.expect if q.in_scope else o.answer is not None)]


def evaluate(knowledge: Knowledge, questions: list[Question], *, dev: list[Question], split: str = "",
             decision: str | None = None) -> Report:
    """Run the product (with `decision`, else the default one) and both baselines on `questions`; the WRatio
    threshold is chosen on `dev` (never on them)."""
    entries = faq_entries(Path(knowledge.root))
    wratio = RawWRatio(entries)
    threshold = wratio.choose_threshold(dev)
    systems = {"product": product_system(knowledge, decision), "keyword": keyword_baseline(entries),
               "wratio": wratio.system(threshold)}
    outcomes = {name: [system(q.q) for q in questions] for name, system in systems.items()}
    phrasings = {_plain(p) for p in wratio.phrases}
    verbatim = sum(1 for q in questions if q.kind != "short" and _plain(q.q) in phrasings)
    return Report(split=split, questions=questions, outcomes=outcomes, threshold=threshold, verbatim=verbatim)


def _plain(text: str) -> str:
    return re.sub(r"[\s?？!！。，,]", "", unicodedata.normalize("NFKC", text).lower())
