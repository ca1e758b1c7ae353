"""The webhook side of pushes: each message or click opens the follower's window and wakes their pending list."""
from __future__ import annotations

from collections.abc import Callable

from bot.core.effects import Target
from bot.core.router import Context
from bot.push.queue import enqueue
from bot.push.window import activity_kind, queue_activity


def queue_inbound(ctx: Context, target: Target, pipe: object) -> Callable[[list], None] | None:
    """Record the follower's activity and wake their pending list, riding on the webhook's reply write.

    No round trip of its own: the commands go on the reply's pipeline; `after` reads their results.
    """
    store = target.store
    kind = activity_kind(ctx.message)
    if kind is None:
        return None
    queue_activity(pipe, store, target.openid, kind, now=target.now)

    def after(results: list) -> None:
        waiting = int(results[-1])
        if waiting and store.redis.set(store.keys.pending_job(target.openid), "1", nx=True, ex=600):
            enqueue(store, "bot.push.pending.deliver_pending", target.openid)
            ctx.evidence.pending_queued = waiting

    return after
