"""The log of questions the bot could not answer, for staff to turn into new entries."""
from __future__ import annotations

import time

from bot.infra.privacy import hash_openid
from bot.infra.store import Store

MAX_ENTRIES = 50_000


def record(store: Store | None, *, openid: str, text: str, score: float = 0.0, now: float | None = None) -> None:
    """Append one unanswered question to the capped stream (no-op when Redis is down)."""
    if store is None or not text.strip():
        return
    fields = {
        "t": f"{now if now is not None else time.time():.3f}",
        "u": hash_openid(openid),
        "q": text.strip()[:500],
        "s": f"{score:.3f}",
    }
    store.safe(lambda r: r.xadd(store.keys.unanswered, fields, maxlen=MAX_ENTRIES, approximate=True), None)
