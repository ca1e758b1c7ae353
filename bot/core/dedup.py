"""Retry dedup: WeChat resends an unanswered message; every copy gets the first copy's reply.

The first copy holds a short lease on the message (renewed while it produces); a copy that finds the lease
lapsed (its holder died) takes the message over, so a killed worker never silences a follower.
"""
from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from wechatpy.messages import BaseMessage

from bot.infra.store import Store

PENDING = b"\x00pending"  # a claim is PENDING:token, the token naming its holder
_FAILED = object()


class _Tokens:
    """Claim tokens unique to a process and a message: a random prefix drawn once per process (again in a forked
    child) and a counter, so that a message costs no read of the system's randomness."""

    def __init__(self) -> None:
        self._renew()
        os.register_at_fork(after_in_child=self._renew)

    def _renew(self) -> None:
        self._prefix = PENDING + b":" + os.urandom(8).hex().encode() + b":"
        self._count = itertools.count()

    def next(self) -> bytes:
        return self._prefix + str(next(self._count)).encode()


_tokens = _Tokens()

# Extend or drop a claim only while it is still ours (a retry may have taken it over).
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


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


@dataclass(frozen=True)
class Writes:
    """What goes to Redis with the reply: `queue` puts the commands on the reply's pipeline and returns what
    to call with their results; `atomic` asks for one MULTI/EXEC (the message changes lasting state, or puts
    an RQ job on the pipeline, which RQ allows only inside a MULTI opened first)."""

    queue: Callable[[Any], Callable[[list], None]]
    atomic: bool = False

    def pipeline(self, r: Any) -> Any:
        """A pipeline for these writes on client `r`: plain, or with its MULTI already open."""
        pipe = r.pipeline(transaction=self.atomic)
        if self.atomic:
            pipe.multi()
        return pipe

# What a first copy produces: the rendered reply, and the writes to send along with it (or None).
Produce = Callable[[list | None], tuple[str, Writes | None]]
Read = Callable[[Any], None]


class Guard(Protocol):
    """A check that rides on the claim's round trip and may refuse the request (by raising)."""

    def queue(self, pipe: Any) -> None:
        """Queue the check's commands on the claim pipeline."""

    def check(self, results: list) -> None:
        """Raise to refuse the request, given the results of the queued commands."""

    def unchecked(self) -> None:
        """Redis is down: the request goes on without the check."""


class ReplyCache:
    """Handle a message once; give retries (even concurrent ones) the same rendered reply.

    Hot path: the claim travels with the caller's reads (one round trip), the rendered reply with the
    caller's writes (one more). The claim lives `lease` seconds unless renewed; the reply `ttl` seconds.
    """

    def __init__(self, store: Store, *, ttl: int = 60, wait: float = 4.5, poll: float = 0.02,
                 lease: float = 3.0) -> None:
        self.store = store
        self.ttl = ttl
        self.wait = wait
        self.poll = poll
        self.lease = lease
        self.leases = LeaseKeeper(store, lease=lease)

    def once(self, key: str, produce: Produce, *, reads: Sequence[Read] = (), guard: Guard | None = None) -> str:
        """Run `produce` for the first copy of `key`; later copies wait for and return its result.

        `reads` queue commands on the claim's pipeline; `produce` gets their results (None when Redis is down).
        `guard` is checked on the same round trip, before anything is produced or handed out.
        """
        deadline = time.monotonic() + self.wait
        token = _tokens.next()
        while True:
            claim = self.store.safe(lambda r: self._claim(r, key, token, reads, guard), _FAILED)
            if claim is _FAILED:
                if guard is not None:
                    guard.unchecked()
                return produce(None)[0]  # Redis down: answer anyway, without dedup
            claimed, guard_results, read_results = claim
            if guard is not None:
                try:
                    guard.check(guard_results)
                except BaseException:
                    if claimed:
                        self._release(key, token)
                    raise
            if claimed:
                return self._produce(key, token, produce, read_results)
            while time.monotonic() < deadline:
                value = self.store.safe(lambda r: r.get(key), _FAILED)
                if value is _FAILED:
                    return produce(None)[0]
                if value is None:
                    break  # the first copy failed, or died and its lease lapsed: claim it ourselves
                if not value.startswith(PENDING):
                    return value.decode()
                time.sleep(self.poll)
            else:
                return "success"  # the first copy is still running; WeChat has given up on this try

    def _produce(self, key: str, token: bytes, produce: Produce, read_results: list) -> str:
        self.leases.hold(key, token)
        try:
            rendered, writes = produce(read_results)
        except BaseException:
            self.leases.drop(key)
            self._release(key, token)
            raise
        self.leases.drop(key)
        self._keep(key, rendered, writes)
        return rendered

    def _claim(self, r: Any, key: str, token: bytes, reads: Sequence[Read], guard: Guard | None) -> tuple:
        pipe = r.pipeline(transaction=False)
        if guard is not None:
            guard.queue(pipe)
        checks = len(pipe)
        pipe.set(key, token, nx=True, px=int(self.lease * 1000))
        for read in reads:
            read(pipe)
        results = pipe.execute()
        return bool(results[checks]), results[:checks], results[checks + 1:]

    def _release(self, key: str, token: bytes) -> None:
        self.store.safe(lambda r: r.eval(_RELEASE, 1, key, token), 0)

    def _keep(self, key: str, rendered: str, writes: Writes | None) -> None:
        """Replace the claim with the rendered reply, for the retries to come, with the caller's writes."""

        def write(r: Any) -> None:
            pipe = writes.pipeline(r) if writes is not None else r.pipeline(transaction=False)
            pipe.set(key, rendered.encode(), ex=self.ttl)
            done = writes.queue(pipe) if writes is not None else None
            results = pipe.execute()
            if done is not None:
                done(results)

        self.store.safe(write, None)


class LeaseKeeper:
    """Renews the claims this process holds, on one background thread, while their replies are produced.

    Most replies take milliseconds and are never renewed; a slow one keeps its claim, a dead process's lapses.
    The hot path only sets and pops a dict entry (atomic under the GIL): no lock, no wake-up per message.
    """

    def __init__(self, store: Store, *, lease: float) -> None:
        self.store = store
        self.lease_ms = int(lease * 1000)
        self.every = lease / 3
        self._held: dict[str, bytes] = {}
        self._pid = 0
        self._start = threading.Lock()

    def hold(self, key: str, token: bytes) -> None:
        """Keep renewing `key` while it holds `token`, until `drop`."""
        self._held[key] = token
        if self._pid != os.getpid():  # no thread yet, or we are a forked copy whose thread stayed behind
            with self._start:
                if self._pid != os.getpid():
                    self._pid = os.getpid()
                    threading.Thread(target=self._run, name="dedup-leases", daemon=True).start()

    def drop(self, key: str) -> None:
        """Stop renewing `key`."""
        self._held.pop(key, None)

    def _run(self) -> None:
        while True:
            time.sleep(self.every)
            held = list(self._held.copy().items())
            if held:
                self.store.safe(partial(self._renew, held=held), None)

    def _renew(self, r: Any, held: list[tuple[str, bytes]]) -> None:
        pipe = r.pipeline(transaction=False)
        for key, token in held:
            pipe.eval(_RENEW, 1, key, token, self.lease_ms)
        pipe.execute()
