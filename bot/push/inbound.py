"""The webhook side of pushes: each message or click opens the follower's window and wakes their pending list."""
from __future__ import annotations

from collections.abc import Callable

from bot.core.router import Context
from bot.push.queue import enqueue
from bot.push.window import activity_kind, queue_activity


def queue_inbound(ctx: Context, pipe: object) -> Callable[[list], None] | None:
    """Record the follower's activity and wake their pending list, riding on the webhook's reply write.

    No round trip of its own: the commands go on the reply's pipeline; `after` reads their results.
    """
    store = ctx.store
    kind = activity_kind(ctx.message)
    if store is None or kind is None:
        return None
    queue_activity(pipe, store, ctx.openid, kind, now=ctx.now)

    def after(results: list) -> None:
        waiting = int(results[-1])
        if waiting and store.redis.set(store.keys.pending_job(ctx.openid), "1", nx=True, ex=600):
            enqueue(store, "bot.push.pending.deliver_pending", ctx.openid)
            ctx.trace["pending_queued"] = waiting

    return after
