"""Retry dedup: WeChat resends an unanswered message; every copy gets the first copy's reply."""
from __future__ import annotations

import time
from collections.abc import Callable

from wechatpy.messages import BaseMessage

from bot.store import Store

PENDING = b"\x00pending"
_FAILED = object()


def dedup_key(store: Store, message: BaseMessage) -> str:
    """`msg:{MsgId}` for messages; events carry MsgId 0, so FromUserName+CreateTime+Event."""
    msg_id = str(message.id or "")
    if msg_id and msg_id != "0":
        return store.keys.msg(msg_id)
    event = str(getattr(message, "event", "") or message.type)
    return store.keys.evt(message.source, str(message.time), event)


class ReplyCache:
    """Handle a message once; give retries (even concurrent ones) the same rendered reply."""

    def __init__(self, store: Store, *, ttl: int = 60, wait: float = 4.5, poll: float = 0.02) -> None:
        self.store = store
        self.ttl = ttl
        self.wait = wait
        self.poll = poll

    def once(self, key: str, produce: Callable[[], str]) -> str:
        """Run `produce` for the first copy of `key`; later copies wait for and return its result."""
        deadline = time.monotonic() + self.wait
        while True:
            claimed = self.store.safe(lambda r: r.set(key, PENDING, nx=True, ex=self.ttl), _FAILED)
            if claimed is _FAILED:
                return produce()  # Redis down: answer anyway, without dedup
            if claimed:
                try:
                    rendered = produce()
                except BaseException:
                    self.store.safe(lambda r: r.delete(key), 0)
                    raise
                self._keep(key, rendered)
                return rendered
            while time.monotonic() < deadline:
                value = self.store.safe(lambda r: r.get(key), _FAILED)
                if value is _FAILED:
                    return produce()
                if value is None:
                    break  # the first copy failed and released its claim: try to claim again
                if value != PENDING:
                    return value.decode()
                time.sleep(self.poll)
            else:
                return "success"  # the first copy is still running; WeChat has given up on this try

    def _keep(self, key: str, rendered: str) -> None:
        """Replace the claim with the rendered reply, for the retries to come."""
        self.store.safe(lambda r: r.set(key, rendered.encode(), ex=self.ttl), None)
