"""Single-use signatures: a signed request may come again only as WeChat's retry (same body, soon after).

WeChat's plaintext signature covers the timestamp and nonce, not the body, so a captured URL could carry any
message for the whole replay window. Each (timestamp, nonce, signature) is recorded in Redis with the body's hash
for as long as the signature is fresh; the record rides on the retry claim's round trip (no trip of its own).
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from typing import Any

from bot.infra.store import Store
from bot.wechat.protocol import Forbidden

log = logging.getLogger(__name__)
# Record KEYS[1] = ARGV[1] for ARGV[2] seconds unless a record is there; answer the record found (nil: none was).
# One command on the claim's pipeline (SET NX GET would need Redis 7).
_RECORD = ("local seen = redis.call('get', KEYS[1]) "
           "if not seen then redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2]) end return seen")


class SignatureRecords:
    """The signatures this bot has seen, per process; `guard` gives the check for one request."""

    def __init__(self, store: Store, *, window: int, retry_horizon: int) -> None:
        self.store = store
        self.window = window
        self.retry_horizon = retry_horizon  # after this, a repeat is no WeChat retry (its cached reply is gone)
        self._unchecked = False
        self._lock = threading.Lock()

    def guard(self, args: dict[str, str], body: bytes) -> SignatureGuard:
        """The single-use check of a verified request (query `args`, raw `body`)."""
        signature = (args.get("signature") or "").lower()  # the signature check ignores case; so must the record
        timestamp = args.get("timestamp") or "0"
        nonce = args.get("nonce") or ""
        ttl = int(timestamp) + self.window - int(time.time()) + 1  # until the timestamp is too old anyway
        return SignatureGuard(self, key=self.store.keys.signature(timestamp, nonce, signature),
                              digest=hashlib.blake2b(body, digest_size=16).hexdigest(),
                              ttl=min(max(ttl, 1), 2 * self.window + 1))

    def checked(self) -> None:
        """A check went through Redis again."""
        if self._unchecked:
            with self._lock:
                if self._unchecked:
                    self._unchecked = False
                    log.warning("Redis is back: signed requests are single-use again")

    def unchecked(self) -> None:
        """Redis is down: the request is answered without the check (said once per outage)."""
        if not self._unchecked:
            with self._lock:
                if not self._unchecked:
                    self._unchecked = True
                    log.warning("Redis unavailable: answering signed requests without the single-use check")


class SignatureGuard:
    """Record one request's signature with its body hash; refuse a repeat with another body, or too late."""

    def __init__(self, records: SignatureRecords, *, key: str, digest: str, ttl: int) -> None:
        self.records = records
        self.key = key
        self.digest = digest
        self.ttl = ttl

    def queue(self, pipe: Any) -> None:
        """Record the signature unless a record exists, and read the one that was there."""
        pipe.eval(_RECORD, 1, self.key, f"{self.digest}:{time.time():.3f}", self.ttl)

    def check(self, results: list) -> None:
        """Raise Forbidden when the signature was first used with another body, or long enough ago."""
        self.records.checked()
        (existing,) = results
        if existing is None:  # recorded now: the first use
            return
        digest, _, first_seen = existing.decode().partition(":")
        if digest != self.digest:
            raise Forbidden("signature already used with another body")
        if time.time() - float(first_seen or 0) > self.records.retry_horizon:
            raise Forbidden("signed request repeated after WeChat's retries are over")

    def unchecked(self) -> None:
        """Redis is down."""
        self.records.unchecked()
