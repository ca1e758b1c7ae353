"""The calibrated decision: from candidates with probabilities to answer, a 您是想问 list, or nothing.

The candidates come with the calibrated probability that each answers the message, and the decision with the
model's confidence that the best of them does (bot/matching/model.py); the model's bands on that confidence say
where it answers, lists or falls back. Two rules stand beside the model, each a named object
that `bot ask` shows when it decided:

- exact (rules "keyword", "phrasing"): a message that IS a keyword of an entry or one of its phrasings, typed
  exactly, answers that entry;
- ONE_WORD: a message of one word that is no keyword gets a list, never a fuzzy answer: 申请 or 长野 alone does
  not say which of the entries that know the word is meant, however sure the model is of the likeliest one.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.matching.decide import Decision
from bot.matching.index import Candidate, ExactHit
from bot.matching.model import Bands


@dataclass(frozen=True)
class Guard:
    """A rule that turns an answer of the model into a list."""

    name: str
    why: str
    max_tokens: int

    def holds(self, n_tokens: int, staff_text: bool) -> bool:
        """Whether the rule stops a fuzzy answer to a message of `n_tokens` words (a menu button's text, written
        by staff, is never stopped)."""
        return not staff_text and n_tokens <= self.max_tokens


ONE_WORD = Guard("one-word", "one word alone does not say which entry is meant: a list, not a guess", 1)


def decide_calibrated(candidates: list[Candidate], bands: Bands, *, exact: ExactHit | None = None, model: str = "",
                      n_tokens: int = 3, staff_text: bool = False, confidence: float | None = None) -> Decision:
    """Answer only when the confidence is in the answer band; a list in the suggest band; else nothing.

    `candidates` are ordered by probability, best first; `confidence` is the model's confidence that the best one
    answers (None: its probability); `n_tokens` is the message's length in words. The decision's score is the
    confidence.
    """
    found = tuple(candidates)
    if exact is not None:
        return Decision("answer", exact.entry_id, 1.0, exact.rule, candidates=found, model=model)
    sure = (found[0].probability if found else 0.0) if confidence is None else confidence
    if not found or sure < bands.suggest:
        return Decision("fallback", score=sure, candidates=found, model=model)
    top = found[0]
    guarded = sure >= bands.answer and ONE_WORD.holds(n_tokens, staff_text)
    if sure >= bands.answer and not guarded:
        return Decision("answer", top.entry_id, sure, "model", candidates=found, model=model)
    listed = (top.entry_id, *(c.entry_id for c in found[1:bands.max_choices] if c.probability >= bands.member))
    return Decision("suggest", None, sure, ONE_WORD.name if guarded else "model", choices=listed,
                    candidates=found, model=model)
