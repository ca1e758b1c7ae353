"""Retry dedup: WeChat resends an unanswered message; every copy gets the first copy's reply."""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from wechatpy.messages import BaseMessage

from bot.store import Store

PENDING = b"\x00pending"
_FAILED = object()


def dedup_key(store: Store, message: BaseMessage) -> str:
    """`msg:{MsgId}` for messages; events carry MsgId 0, so FromUserName+CreateTime+Event (+EventKey).

    The EventKey keeps two different menu clicks within the same second apart; a retry carries the same key.
    """
    msg_id = str(message.id or "")
    if msg_id and msg_id != "0":
        return store.keys.msg(msg_id)
    raw = getattr(message, "_data", {}) or {}
    event = str(raw.get("Event") or getattr(message, "event", "") or message.type)
    key = str(raw.get("EventKey") or "")
    return store.keys.evt(message.source, str(message.time), f"{event}:{key}" if key else event)


# Queues writes on the pipeline that stores the reply; returns what to call with the pipeline's results.
Writes = Callable[[Any], Callable[[list], None]]
# What a first copy produces: the rendered reply, and the writes to send along with it (or None).
Produce = Callable[[list | None], tuple[str, Writes | None]]
Read = Callable[[Any], None]


class ReplyCache:
    """Handle a message once; give retries (even concurrent ones) the same rendered reply.

    Hot path: the claim travels with the caller's reads (one round trip), the rendered reply with the
    caller's writes (one more).
    """

    def __init__(self, store: Store, *, ttl: int = 60, wait: float = 4.5, poll: float = 0.02) -> None:
        self.store = store
        self.ttl = ttl
        self.wait = wait
        self.poll = poll

    def once(self, key: str, produce: Produce, *, reads: Sequence[Read] = ()) -> str:
        """Run `produce` for the first copy of `key`; later copies wait for and return its result.

        `reads` queue commands on the claim's pipeline; `produce` gets their results (None when Redis is down).
        """
        deadline = time.monotonic() + self.wait
        while True:
            claim = self.store.safe(lambda r: self._claim(r, key, reads), _FAILED)
            if claim is _FAILED:
                return produce(None)[0]  # Redis down: answer anyway, without dedup
            if claim[0]:
                try:
                    rendered, writes = produce(claim[1:])
                except BaseException:
                    self.store.safe(lambda r: r.delete(key), 0)
                    raise
                self._keep(key, rendered, writes)
                return rendered
            while time.monotonic() < deadline:
                value = self.store.safe(lambda r: r.get(key), _FAILED)
                if value is _FAILED:
                    return produce(None)[0]
                if value is None:
                    break  # the first copy failed and released its claim: try to claim again
                if value != PENDING:
                    return value.decode()
                time.sleep(self.poll)
            else:
                return "success"  # the first copy is still running; WeChat has given up on this try

    def _claim(self, r: Any, key: str, reads: Sequence[Read]) -> list:
        pipe = r.pipeline(transaction=False)
        pipe.set(key, PENDING, nx=True, ex=self.ttl)
        for read in reads:
            read(pipe)
        return pipe.execute()

    def _keep(self, key: str, rendered: str, writes: Writes | None) -> None:
        """Replace the claim with the rendered reply, for the retries to come, with the caller's writes."""

        def write(r: Any) -> None:
            pipe = r.pipeline(transaction=False)
            pipe.set(key, rendered.encode(), ex=self.ttl)
            done = writes(pipe) if writes is not None else None
            results = pipe.execute()
            if done is not None:
                done(results)

        self.store.safe(write, None)
