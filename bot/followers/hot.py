"""The questions most asked lately: each answer given counts for its entry, one sorted set per (Beijing) day.

Redis: `{prefix}hot:{YYYYMMDD}`, a sorted set FAQ entry id → answers given that day; it expires 8 days after its
day began, so the last 7 days are always there. The top entries over those 7 days are read at most once a minute per
process (HotQuestions), never per message.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.core.effects import Target
from bot.followers.effects import CountAnswer
from bot.infra.store import Store

DAYS = 7
KEEP_SECONDS = (DAYS + 1) * 86400
REFRESH_SECONDS = 60.0
BEIJING = timezone(timedelta(hours=8))
# One more answer of ARGV[2] in the day's sorted set, which keeps ARGV[1] seconds: one command on the reply's pipeline.
_COUNT = "redis.call('zincrby', KEYS[1], 1, ARGV[2]) return redis.call('expire', KEYS[1], ARGV[1])"


def day_of(now: float) -> str:
    """YYYYMMDD of the Beijing day containing `now`."""
    return datetime.fromtimestamp(now, BEIJING).strftime("%Y%m%d")


def apply_count(effect: CountAnswer, target: Target, pipe: Any) -> None:
    """Applier of CountAnswer: one more answer of the entry today, on the reply's pipeline."""
    pipe.eval(_COUNT, 1, target.store.keys.hot(day_of(target.now)), KEEP_SECONDS, effect.entry)


def counts(store: Store, now: float, days: int = DAYS) -> Counter:
    """Answers given per entry over the last `days` Beijing days (today included)."""
    pipe = store.redis.pipeline(transaction=False)
    for back in range(days):
        pipe.zrange(store.keys.hot(day_of(now - back * 86400)), 0, -1, withscores=True)
    total: Counter = Counter()
    for rows in pipe.execute():
        for member, score in rows:
            total[member.decode()] += int(score)
    return total


class HotQuestions:
    """The most answered entries of the last 7 days, read from Redis at most once a minute (empty while it is down)."""

    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self._lock = threading.Lock()
        self._read_at = float("-inf")
        self._counts: Counter = Counter()

    def __call__(self, now: float) -> Counter:
        """The counts as last read (read again when older than REFRESH_SECONDS)."""
        with self._lock:
            if self.clock() - self._read_at >= REFRESH_SECONDS:
                self._read_at = self.clock()
                self._counts = self.store.safe(lambda _: counts(self.store, now), Counter()) \
                    if self.store.usable() else Counter()
            return self._counts

    def forget(self) -> None:
        """Read again on the next call (tests, a staff command that just changed the counts)."""
        with self._lock:
            self._read_at = float("-inf")
