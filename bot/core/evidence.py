"""What the handlers found out about one message: read the same way by the request log and `bot ask`.

One typed object per message (`ctx.evidence`): the text step says how the text came (voice, menu key),
the matcher what it saw and decided, the answering handler its name. Nothing here is the follower's words
except `normalized`/`tokens`, which only `bot ask` shows; the log line uses ids and names.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.matching import Analysis, Candidate, Decision

# The decision of a handler that records none of its own.
DECISION_OF_HANDLER = {"fallback": "fallback", "commands": "command", "messages": "message", "events": "event",
                       "error": "error"}


@dataclass
class Evidence:
    """Why a message got its reply."""

    handler: str = ""  # the handler that answered (module name), "error" when one raised
    decision: str = ""  # answer | gap | suggest | choice_invalid | choice_no_list | smalltalk | handoff | feedback |
    # command | fallback … ("" until one decides)
    rule: str | None = None  # how the answer was found: keyword, phrasing, fuzzy, choice, menu, detail, lone…
    entry: str | None = None  # the entry answered
    score: float = 0.0
    suggestions: list[str] = field(default_factory=list)  # the entry ids of a 您是想问 list
    candidates: list[Candidate] = field(default_factory=list)
    normalized: str | None = None
    tokens: list[str] = field(default_factory=list)
    repaired: str | None = None  # the message after a homophone repair, when one was made
    unknown: list[str] = field(default_factory=list)  # words the knowledge never uses
    matched: str | None = None  # the keyword or phrasing an exact rule matched
    voice: bool = False  # the text is WeChat's speech recognition
    menu_key: str | None = None  # the menu button clicked
    choice: int | None = None  # the number picked from a list
    subject: str | None = None  # subject.attribute a follow-up was read with (knowledge/subjects.yaml)
    subscription: str | None = None  # the subscription command carried out
    model: str = ""  # which calibrated model decided: semantic | lexical ("exact" when an exact rule answered)
    gap: str | None = None  # the kind of fact asked for that the answer does not give (bot.matching.fact_kinds)
    unanswered: bool = False  # logged for staff
    pending_queued: int = 0  # pending articles woken by this message

    def matcher(self, analysis: Analysis, decision: Decision) -> None:
        """Record what the matcher saw and concluded."""
        self.normalized = analysis.normalized
        self.tokens = list(analysis.tokens)
        self.decision = decision.kind
        self.rule = decision.rule
        self.entry = decision.entry_id
        self.score = round(decision.score, 4)
        self.suggestions = list(decision.choices)
        self.candidates = list(decision.candidates)
        self.model = decision.model
        self.repaired = analysis.repaired.normalized if analysis.repaired is not None else None

    def decided(self, decision: str, *, rule: str | None = None, score: float = 0.0, entry: str | None = None,
                suggestions: list[str] | None = None) -> None:
        """Record a decision made without the matcher (a picked number, a menu key, a command)."""
        self.decision, self.rule, self.score = decision, rule, score
        if entry is not None:
            self.entry = entry
        self.suggestions = list(suggestions or [])

    @property
    def outcome(self) -> str:
        """answer, suggest, choice_invalid, command, event, message, fallback, error… ('none' if nothing replied)."""
        if self.handler == "fallback":  # the matcher may have recorded its own decision before giving up
            return "fallback"
        return self.decision or DECISION_OF_HANDLER.get(self.handler, self.handler) or "none"

    def summary(self) -> str:
        """handler=… decision=… entry=… for a log line: ids and names only, never the follower's words."""
        outcome = self.outcome
        entry = self.entry if outcome in ("answer", "gap") else None
        parts = [f"handler={self.handler or '-'}", f"decision={outcome}", f"entry={entry or '-'}"]
        if outcome == "suggest" and self.suggestions:
            parts.append(f"choices={','.join(self.suggestions)}")
        if self.gap:
            parts.append(f"gap={self.gap}")
        if self.menu_key:
            parts.append(f"menu={self.menu_key}")
        return " ".join(parts)


def candidate_fields(candidate: Candidate) -> dict[str, Any]:
    """A candidate as `bot ask` prints it (JSON)."""
    return {"id": candidate.entry_id, "question": candidate.question, "probability": candidate.probability,
            "score": candidate.score, **({"semantic": candidate.semantic} if candidate.semantic is not None else {}),
            "phrasing": candidate.phrasing, **({"notes": candidate.notes} if candidate.notes else {})}
