"""Answers a follower said were not it (不对, 没用, 答非所问 right after an answer), for the staff report.

Redis: one capped stream, `{prefix}feedback` (about the last 50,000 records; older ones are trimmed as new ones
come). Each record's fields, all text:

    t    unix time, seconds with 3 decimals
    u    the follower's openid, hashed (as in the unanswered log): feedback needs no reply, so no openid
    e    the FAQ entry id whose answer was not it
    q    the follower's question that got that answer (at most 500 characters)
    said what the follower said about it (不对, 没用…)

Read it oldest first with XRANGE.
"""
from __future__ import annotations

from typing import Any

from bot.core.effects import Target
from bot.followers.effects import LogFeedback
from bot.followers.unanswered import Asked, field_text, read_stream, record_time
from bot.infra.privacy import hash_openid
from bot.infra.store import Store

MAX_FEEDBACK = 50_000


def apply_feedback(effect: LogFeedback, target: Target, pipe: Any) -> None:
    """Applier of LogFeedback: the record rides on the reply's pipeline."""
    fields = {"t": f"{target.now:.3f}", "u": hash_openid(target.openid), "e": effect.entry,
              "q": effect.question.strip()[:500], "said": effect.said.strip()[:100]}
    pipe.xadd(target.store.keys.feedback, fields, maxlen=MAX_FEEDBACK, approximate=True)


def read_feedback(store: Store, since: float) -> list[Asked]:
    """The answers followers said were not it since `since`, as inbox records (text: their question)."""
    def make(stream_id: bytes, fields: dict[bytes, bytes]) -> Asked:
        return Asked(when=record_time(stream_id, fields), asker=field_text(fields, "u"), text=field_text(fields, "q"),
                     score=0.0, kind="feedback", entries=(field_text(fields, "e"),))

    return read_stream(store, store.keys.feedback, since, make)
