"""From ranked candidates to one of three outcomes: answer, a 您是想问 list, or nothing (fallback)."""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.matching.index import Candidate, ExactHit


@dataclass(frozen=True)
class Policy:
    """Two thresholds and a margin, set on the labelled dev questions (bench/tune_match.py)."""

    answer: float = 0.63  # at or above: answer, when ahead of the next entry by `margin`
    margin: float = 0.03  # top-1 minus top-2 (different entries)
    answer_low: float = 0.46  # a lower score also answers when far ahead of every other entry
    margin_high: float = 0.13
    suggest: float = 0.31  # at or above: offer a list; below: fallback
    window: float = 0.20  # entries within this distance of the best one join the list
    max_choices: int = 4
    # Short messages never answer on a substring accident: one word needs an exact keyword or phrasing;
    # two words need a phrasing holding both words and little else.
    short_tokens: int = 2
    short_query_cover: float = 0.99
    short_doc_cover: float = 0.40
    short_entry_cover: float = 0.99  # ... or both words are the entry's own: 滋贺县 旅游景点, CLAIR 总部电话
    # A close call still answers when the top entry is named specifically: the message's words are in its
    # phrasings far more than in the runner-up's, while both entries know them (a detail entry next to its
    # overview, whose answer mentions it: 冬季运动博览会 vs 长野).
    named_score: float = 0.46
    named_lead: float = 0.25
    # ... or when both answers hold the message's words alike: either answer serves better than a list.
    shared_score: float = 0.55
    shared_answer: float = 0.60
    shared_gap: float = 0.05
    detail_window: float = 0.20  # how far behind the top one a specifically named runner-up may be

    # The lower route needs the message's words known: a lone candidate found through one shared word, next to
    # words no entry knows (门票 in 大阪环球影城门票), is an accident of vocabulary, not an answer.
    low_unknown_max: float = 0.30  # probes answered 8 → 6 of 114, dev −2 (组织, 过来 unknown), held-out −0.6 pt
    # A list of one entry that knows every known word of the message asks the follower to confirm the obvious:
    # answer it (传真还在用不, 鸟取沙丘好玩不). Only above `lone_score`, with the message's words mostly known.
    lone_score: float = 0.33
    lone_cover: float = 0.999  # the entry's share of the message's known meaningful words
    lone_unknown_max: float = 0.30  # 0.40: probes right +4 of 150 but OOS 6 → 7 of 114 (去日本当ALT要签证吗)

    def lone_answer(self, choices: tuple[Candidate, ...], unknown: float) -> bool:
        """A one-item list whose entry covers all the message's known content words: answer it."""
        if len(choices) != 1 or unknown > self.lone_unknown_max:
            return False
        top = choices[0]
        known = 1.0 - unknown
        return top.score >= self.lone_score and known > 0 and top.signals.explained / known >= self.lone_cover

    def confident(self, top: float, margin: float, unknown: float = 0.0) -> bool:
        """High and ahead, or lower but far ahead (with the message's words known): sure enough to answer."""
        return (top >= self.answer and margin >= self.margin) or (top >= self.answer_low and margin >= self.margin_high
                                                                   and unknown <= self.low_unknown_max)

    def close_call(self, top: Candidate, second: Candidate | None) -> str | None:
        """Why a close call between two entries may still answer the top one (None: it may not)."""
        if second is None:
            return None
        a, b = top.signals, second.signals
        related = abs(a.explained - b.explained) <= self.shared_gap  # both know the message's words alike
        if top.score >= self.named_score and related and a.entry - b.entry >= self.named_lead:
            return "named"
        if (top.score >= self.shared_score and min(a.answer, b.answer) >= self.shared_answer
                and abs(a.answer - b.answer) <= self.shared_gap):
            return "shared"
        return None

    def named_detail(self, top: Candidate, second: Candidate) -> bool:
        """The runner-up is the entry the message names (its phrasings hold the words), the top one only knows
        them (an overview whose answer lists every detail: 上海料理体验活动 → the Shanghai event, not all events)."""
        a, b = top.signals, second.signals
        return (second.score >= max(self.named_score, top.score - self.detail_window)
                and abs(a.explained - b.explained) <= self.shared_gap and b.entry - a.entry >= self.named_lead)

    def too_short(self, n_tokens: int, top: Candidate) -> bool:
        """A message too short for a fuzzy answer from this candidate."""
        if n_tokens > self.short_tokens:
            return False
        if n_tokens <= 1:
            return True
        if top.signals.entry >= self.short_entry_cover:  # both words are the entry's own (its phrasings, keywords)
            return False
        return top.signals.word_query < self.short_query_cover or top.signals.word_doc < self.short_doc_cover


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Decision:
    """What the matcher concluded, with its evidence."""

    kind: str  # answer | suggest | fallback
    entry_id: str | None = None
    score: float = 0.0
    rule: str = "fuzzy"  # keyword | phrasing | fuzzy | named | detail | shared | short | lone
    choices: tuple[str, ...] = ()
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)
    model: str = ""  # the calibrated decision's model (semantic | lexical | exact); "" for these rules


def decide(candidates: list[Candidate], *, n_tokens: int, exact: ExactHit | None = None,
           policy: Policy = DEFAULT_POLICY, unknown: float = 0.0) -> Decision:
    """Answer only when sure; a close call becomes a short list; nothing close becomes a fallback."""
    found = tuple(candidates)
    if exact is not None:
        return Decision("answer", exact.entry_id, 1.0, exact.rule, candidates=found)
    if not found or found[0].score < policy.suggest:
        return Decision("fallback", score=found[0].score if found else 0.0, candidates=found)
    top = found[0]
    runner_up = found[1].score if len(found) > 1 else 0.0
    short = policy.too_short(n_tokens, top)
    if len(found) > 1 and not policy.too_short(n_tokens, found[1]) and policy.named_detail(top, found[1]):
        return Decision("answer", found[1].entry_id, found[1].score, "detail", candidates=found)
    if not short and policy.confident(top.score, top.score - runner_up, unknown):
        return Decision("answer", top.entry_id, top.score, "fuzzy", candidates=found)
    reason = None if short else policy.close_call(top, found[1] if len(found) > 1 else None)
    if reason is not None:
        return Decision("answer", top.entry_id, top.score, reason, candidates=found)
    floor = max(policy.suggest, top.score - policy.window)
    listed = tuple(c for c in found[:policy.max_choices] if c.score >= floor)
    if not short and policy.lone_answer(listed, unknown):
        return Decision("answer", top.entry_id, top.score, "lone", candidates=found)
    choices = tuple(c.entry_id for c in listed)
    return Decision("suggest", None, top.score, "short" if short else "fuzzy", choices=choices, candidates=found)
