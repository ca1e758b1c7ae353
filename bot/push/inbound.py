"""The webhook side of pushes: each message or click opens the follower's window and wakes their pending list."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.push.queue import enqueue
from bot.push.window import activity_kind, record_activity
from bot.router import Context

if TYPE_CHECKING:
    from bot.engine import Engine

log = logging.getLogger(__name__)


def on_inbound(ctx: Context) -> None:
    """After the reply is decided: record the follower's activity; queue their pending articles if any."""
    store = ctx.store
    kind = activity_kind(ctx.message)
    if store is None or kind is None:
        return

    def record(_: object) -> None:
        waiting = record_activity(store, ctx.openid, kind, now=ctx.now)
        if waiting and store.redis.set(store.keys.pending_job(ctx.openid), "1", nx=True, ex=600):
            enqueue(store, "bot.push.pending.deliver_pending", ctx.openid)
            ctx.trace["pending_queued"] = waiting

    store.safe(record, None)


def install(engine: Engine) -> None:
    """Plugin installer: hook `on_inbound` into the engine once."""
    if on_inbound not in engine.after_inbound:
        engine.after_inbound.append(on_inbound)
