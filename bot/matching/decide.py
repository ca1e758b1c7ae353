"""From ranked candidates to one of three outcomes: answer, a 您是想问 list, or nothing (fallback)."""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.matching.index import Candidate, ExactHit
from bot.matching.tokenize import Analysis


@dataclass(frozen=True)
class Policy:
    """Two thresholds and a margin, set on the labelled dev questions (bench/accuracy.py)."""

    answer: float = 0.72  # at or above: answer, when clearly ahead of the next entry
    margin: float = 0.08  # top-1 minus top-2 (different entries) needed to answer
    suggest: float = 0.45  # at or above: offer a list; below: fallback
    window: float = 0.20  # entries within this distance of the best one join the list
    max_choices: int = 4
    short_tokens: int = 2  # a message of at most this many words never gets a fuzzy answer


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Decision:
    """What the matcher concluded, with its evidence."""

    kind: str  # answer | suggest | fallback
    entry_id: str | None = None
    score: float = 0.0
    rule: str = "fuzzy"  # keyword | phrasing | fuzzy | short
    choices: tuple[str, ...] = ()
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)


def decide(analysis: Analysis, candidates: list[Candidate], exact: ExactHit | None = None,
           policy: Policy = DEFAULT_POLICY) -> Decision:
    """Answer only when sure; a close call becomes a short list; nothing close becomes None's fallback."""
    found = tuple(candidates)
    if exact is not None:
        return Decision("answer", exact.entry_id, 1.0, exact.rule, candidates=found)
    if not found or found[0].score < policy.suggest:
        return Decision("fallback", score=found[0].score if found else 0.0, candidates=found)
    top = found[0]
    runner_up = found[1].score if len(found) > 1 else 0.0
    short = len(analysis.tokens) <= policy.short_tokens
    if not short and top.score >= policy.answer and top.score - runner_up >= policy.margin:
        return Decision("answer", top.entry_id, top.score, "fuzzy", candidates=found)
    floor = max(policy.suggest, top.score - policy.window)
    choices = tuple(c.entry_id for c in found[:policy.max_choices] if c.score >= floor)
    return Decision("suggest", None, top.score, "short" if short else "fuzzy", choices=choices, candidates=found)
