"""The log of questions the bot could not answer, for staff to turn into new entries.

Redis: one capped stream, `{prefix}unanswered` (about 50,000 records). Fields: t (unix time), u (openid hash),
q (the follower's words, at most 500 characters), s (best score), and k, the kind of record: absent for a question
that got the fallback, `list` for a 您是想问 list shown for q (e: the entry ids listed, comma-separated), `pick` when
the follower then picked from the list shown for q.
"""
from __future__ import annotations

import time
from typing import Any

from bot.core.effects import Target
from bot.followers.effects import LogListed, LogPicked, LogUnanswered
from bot.infra.privacy import hash_openid
from bot.infra.store import Store

MAX_ENTRIES = 50_000


def record(store: Store | None, *, openid: str, text: str, score: float = 0.0, now: float | None = None) -> None:
    """Append one unanswered question to the capped stream (no-op when Redis is down)."""
    if store is None or not text.strip():
        return
    store.safe(lambda r: _queue(r, store, openid, text, score, now if now is not None else time.time()), None)


def apply_log(effect: LogUnanswered, target: Target, pipe: Any) -> None:
    """Applier of LogUnanswered: the record rides on the reply's pipeline."""
    if effect.text.strip():
        _queue(pipe, target.store, target.openid, effect.text, effect.score, target.now)


def apply_listed(effect: LogListed, target: Target, pipe: Any) -> None:
    """Applier of LogListed: a list shown, on the reply's pipeline."""
    if effect.text.strip():
        _queue(pipe, target.store, target.openid, effect.text, 0.0, target.now,
               {"k": "list", "e": ",".join(effect.entries)})


def apply_picked(effect: LogPicked, target: Target, pipe: Any) -> None:
    """Applier of LogPicked: a pick from the list shown for the question."""
    if effect.text.strip():
        _queue(pipe, target.store, target.openid, effect.text, 0.0, target.now, {"k": "pick"})


def _queue(r: Any, store: Store, openid: str, text: str, score: float, now: float,
           extra: dict[str, str] | None = None) -> None:
    fields = {"t": f"{now:.3f}", "u": hash_openid(openid), "q": text.strip()[:500], "s": f"{score:.3f}",
              **(extra or {})}
    r.xadd(store.keys.unanswered, fields, maxlen=MAX_ENTRIES, approximate=True)
