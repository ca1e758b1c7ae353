"""Scoring the bot on questions labelled by facts, not by entry ids: does the reply say what the follower asked?

A fact-labelled file (tests/data/questions_fresh.yaml) was written from the brochure without looking at the
knowledge, so its labels are the brochure's own strings: every string of `facts` must appear in a right
reply, and at least one of `any_facts` when given; an out-of-scope item has `facts: null` and should not be
answered with an entry. Each question gets one of:

- `first`: the first reply says it (the answer, or its first page);
- `follow_up`: one more message gets it (the 「更多」 page of the answer, or an item of the 您是想问 list);
- `wrong`: an entry answered that does not say it (a confident wrong answer);
- `missed`: a list without it, or the fallback;
- for out-of-scope items, `answered` (an entry answered: wrong) or `declined`.

Facts are compared loosely on both sides: NFKC, traditional → simplified, no spaces, no thousands separators.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.knowledge import Knowledge
from bot.matching.normalize import to_simplified
from bot.staff.ask import explain

VERDICTS_IN = ("first", "follow_up", "wrong", "missed")
VERDICTS_OUT = ("answered", "declined")
_SEPARATOR = re.compile(r"(?<=\d)[,，](?=\d{3})")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class FactQuestion:
    """One item of a fact-labelled file."""

    id: str
    text: str
    style: str
    facts: tuple[str, ...] | None  # None: out of scope
    any_facts: tuple[str, ...] = ()
    near: bool = False

    @property
    def in_scope(self) -> bool:
        return self.facts is not None


@dataclass(frozen=True)
class Scored:
    """What the bot did with one question."""

    question: FactQuestion
    verdict: str
    decision: str
    entry: str | None


def load_fact_questions(path: Path) -> list[FactQuestion]:
    """The items of a fact-labelled YAML file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    items = []
    for item in raw.get("questions", []):
        facts = item.get("facts")
        items.append(FactQuestion(id=str(item["id"]), text=str(item["text"]), style=str(item["style"]),
                                  facts=None if facts is None else tuple(str(f) for f in facts),
                                  any_facts=tuple(str(f) for f in item.get("any_facts") or ()),
                                  near=bool(item.get("near", False))))
    return items


def plain(text: str) -> str:
    """The form facts and replies are compared in."""
    text = to_simplified(unicodedata.normalize("NFKC", text)).lower()
    return _SPACE.sub("", _SEPARATOR.sub("", text))


def says(question: FactQuestion, text: str) -> bool:
    """Whether `text` holds every fact of the question (and one of its any_facts)."""
    seen = plain(text)
    facts = question.facts or ()
    return all(plain(f) in seen for f in facts) and (
        not question.any_facts or any(plain(f) in seen for f in question.any_facts))


def full_answer(knowledge: Knowledge, entry_id: str) -> str:
    """An entry's answer with every 「更多」 page."""
    faq = knowledge.faq
    entry = faq.get(entry_id) if faq is not None else None
    if entry is None:
        return ""
    return "\n".join([entry.answer, *entry.more, entry.link.title if entry.link else ""])


def in_chinese(knowledge: Knowledge, entry_id: str | None, reply: str) -> str:
    """The reply with an entry's answer in Japanese or English put back in Chinese: the facts are labelled in
    Chinese, and `bot kb check` holds a translation to the Chinese answer's facts."""
    faq = knowledge.faq
    entry = faq.get(entry_id) if faq is not None and entry_id else None
    for _, translated in entry.translations if entry is not None else ():
        reply = reply.replace(translated, entry.answer)
    return reply


def score(question: FactQuestion, knowledge: Knowledge, decision: str | None = None) -> Scored:
    """Ask the bot (the real handler chain, through `bot ask`) and judge the first reply."""
    result = explain(question.text, knowledge, decision=decision)
    decision, entry = str(result.get("decision", "")), result.get("entry")
    answered = decision == "answer" and entry is not None
    if not question.in_scope:
        return Scored(question, "answered" if answered else "declined", decision, entry)
    if decision != "suggest" and says(question, in_chinese(knowledge, entry, str(result.get("reply") or ""))):
        verdict = "first"
    elif answered:
        verdict = "follow_up" if says(question, full_answer(knowledge, entry)) else "wrong"
    elif decision == "suggest" and any(says(question, full_answer(knowledge, s)) for s in result["suggestions"]):
        verdict = "follow_up"
    else:
        verdict = "missed"
    return Scored(question, verdict, decision, entry)


def score_all(questions: Iterable[FactQuestion], knowledge: Knowledge, decision: str | None = None) -> list[Scored]:
    return [score(q, knowledge, decision) for q in questions]


def figures(scored: list[Scored]) -> dict[str, float]:
    """Shares: of in-scope questions right in the first reply, within one follow-up, wrong, missed; of
    out-of-scope questions answered (all, near, far). NaN where a group is empty."""
    ins = [s for s in scored if s.question.in_scope]
    outs = [s for s in scored if not s.question.in_scope]
    counted = Counter(s.verdict for s in ins)

    def share(n: int, of: int) -> float:
        return n / of if of else float("nan")

    def answered(group: list[Scored]) -> float:
        return share(sum(s.verdict == "answered" for s in group), len(group))

    return {
        "n_in": len(ins), "n_out": len(outs),
        "first": share(counted["first"], len(ins)),
        "within_one": share(counted["first"] + counted["follow_up"], len(ins)),
        "wrong": share(counted["wrong"], len(ins)),
        "missed": share(counted["missed"], len(ins)),
        "out_answered": answered(outs),
        "near_answered": answered([s for s in outs if s.question.near]),
        "far_answered": answered([s for s in outs if not s.question.near]),
    }
