"""Followers who asked for a person, kept for staff (`bot report handoffs`, the staff console).

Redis: one capped stream, `{prefix}handoffs` (about the last 10,000 requests; older ones are trimmed as new ones
come). Each record's fields, all text:

    t    unix time of the request, seconds with 3 decimals ("1733300000.123")
    o    the follower's openid (staff need it to answer them through customer service)
    u    the openid's short hash, as the unanswered log and the request log name a follower
    why  asked (人工, 转人工, talk to a human…) | misses (questions in a row the bot could not answer)
    via  transfer (handed to WeChat's customer-service system) | contact (given the office's contact card)
    q    what the follower said (at most 500 characters)

Read it oldest first with XRANGE (the stream id's milliseconds are the time too).
"""
from __future__ import annotations

from typing import Any

from bot.core.effects import Target
from bot.followers.effects import LogHandoff
from bot.followers.unanswered import Asked, field_text, read_stream, record_time
from bot.infra.privacy import hash_openid
from bot.infra.store import Store

MAX_HANDOFFS = 10_000


def apply_handoff(effect: LogHandoff, target: Target, pipe: Any) -> None:
    """Applier of LogHandoff: the record rides on the reply's pipeline."""
    fields = {"t": f"{target.now:.3f}", "o": target.openid, "u": hash_openid(target.openid), "why": effect.why,
              "via": effect.via, "q": effect.text.strip()[:500]}
    pipe.xadd(target.store.keys.handoffs, fields, maxlen=MAX_HANDOFFS, approximate=True)


def read_handoffs(store: Store, since: float) -> list[Asked]:
    """The requests for a person since `since`, as inbox records (text: what the follower said)."""
    def make(stream_id: bytes, fields: dict[bytes, bytes]) -> Asked:
        return Asked(when=record_time(stream_id, fields), asker=field_text(fields, "u"), text=field_text(fields, "q"),
                     score=0.0, kind="handoff")

    return read_stream(store, store.keys.handoffs, since, make)
