"""What staff see about pushes: each article's status and counts, channel pauses, outcomes left unknown."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.followers.subscriptions import distinct_subscribers
from bot.knowledge.articles import SHANGHAI, Article
from bot.push.ledger import CRASHED, LEGACY, Unknown
from bot.push.runtime import Runtime
from bot.push.scheduler import waiting_reason

# Why a delivery's outcome is unknown, as staff read it (the ledger keeps the short code).
UNKNOWN_REASONS = {
    CRASHED: "a worker stopped after sending the request, before WeChat's answer came back",
    LEGACY: "a worker stopped during the call",
    "timeout": "WeChat did not answer in time after the request was sent",
    "dropped": "the connection closed before WeChat's answer arrived",
    "http502": "a gateway in front of WeChat answered 502 after passing the request on",
    "http504": "a gateway in front of WeChat timed out (504) after passing the request on",
}


def unknown_reason(code: str) -> str:
    """The sentence for an unknown delivery's reason code."""
    return UNKNOWN_REASONS.get(code, f"the answer was lost ({code})")


@dataclass
class ArticleStatus:
    """One line of `bot push list`."""

    article: Article
    status: str
    subscribers: int
    counts: dict[str, int]
    unknown: list[Unknown] = field(default_factory=list)
    note: str = ""
    lapsed: int = 0  # claims whose worker stopped before making the call: owed again, sent by the next run

    @property
    def in_flight(self) -> int:
        """Claims being sent right now, or waiting for the send rate (a crash's in-flight entries are in
        `unknown` instead; a claim whose call never left is taken over once past the lease)."""
        crashed = sum(u.reason in (CRASHED, LEGACY) for u in self.unknown)
        return max(0, self.counts.get("claimed", 0) - crashed - self.lapsed)

    @property
    def unknown_count(self) -> int:
        """Deliveries of unknown outcome (the counter outlives the ledger's entries)."""
        return self.counts.get("unknown", 0) + sum(u.reason in (CRASHED, LEGACY) for u in self.unknown)


def beijing(moment: float | datetime) -> str:
    """A time as staff in Beijing read it."""
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, SHANGHAI)
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def article_status(rt: Runtime, article: Article) -> ArticleStatus:
    """The article's state: scheduled, due, sending, sent, queued, failed, paused or stopped, with counts."""
    state = rt.redis.hgetall(rt.keys.push_state(article.id))
    stored = state.get(b"status", b"").decode()
    now = rt.clock()
    note = (state.get(b"note") or b"").decode()
    if stored in ("sent", "expired"):
        status = stored
        if state.get(b"finished_at"):
            note = note or f"finished {beijing(float(state[b'finished_at']))}"
    elif not article.due(now):
        status = "scheduled"
    else:
        reason = waiting_reason(rt, article, state)
        if reason:
            status = reason.split(" ")[0].rstrip(":") if reason.startswith(("paused", "stopped")) else stored
            note = reason
        else:
            status = stored if stored in ("sending", "queued", "failed") else "due"
    subscribers = distinct_subscribers(rt.store, article.topics)
    counts = rt.ledger().counts(article.id)
    unknown, lapsed = [], 0
    if counts.get("claimed") or counts.get("unknown"):
        unknown, lapsed = rt.ledger().outstanding(article.id, older_than=now - rt.settings.lease_seconds)
    if lapsed:
        note = "; ".join(filter(None, [note, f"{lapsed} owed again: a worker stopped before sending them, "
                                             "the next run sends them"]))
    return ArticleStatus(article, status, subscribers, counts, unknown, note, lapsed)


def all_statuses(rt: Runtime) -> list[ArticleStatus]:
    """Every article of the knowledge, in publishing order."""
    return [article_status(rt, a) for a in sorted(rt.articles().values(), key=lambda a: a.publish_at)]


def channel_notes(rt: Runtime) -> dict[str, str]:
    """Channel → 'ok' or why it is paused or stopped."""
    return {channel: rt.blocked(channel) or "ok" for channel in ("customer", "mass")}


def progress_line(status: ArticleStatus) -> str:
    """One short line about an article being sent."""
    c = status.counts
    handled = c["sent"] + c["pending"] + c["dropped"] + c["failed"] + c["claimed"] + c["unknown"]
    return (f"{status.article.id}: {handled}/{status.subscribers} handled — sent {c['sent']}, "
            f"pending {c['pending']}, dropped {c['dropped']}, failed {c['failed']}, unknown {c['unknown']}")

