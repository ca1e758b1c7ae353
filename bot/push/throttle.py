"""A send rate shared by every worker: at most `rate` calls per second per channel, counted in Redis."""
from __future__ import annotations

import time

from bot.store import Store


class Throttle:
    """Blocks until the channel may make one more call this second (rate 0: no limit)."""

    def __init__(self, store: Store, channel: str, rate: float) -> None:
        self.store, self.channel, self.rate = store, channel, rate

    def wait(self) -> int:
        """Take one call from the current interval's budget (sleeping into the next when it is spent).

        Returns the number of the interval the call was granted in (0 when there is no limit).
        """
        if self.rate <= 0:
            return 0
        per_second = max(1, int(self.rate))
        interval = 1.0 / self.rate if self.rate < 1 else 1.0
        while True:
            now = time.time()
            second = int(now / interval)
            key = self.store.keys.throttle(self.channel, second)
            pipe = self.store.redis.pipeline(transaction=False)
            pipe.incr(key)
            pipe.expire(key, int(interval) + 2)
            used = pipe.execute()[0]
            if used <= per_second:
                return second
            time.sleep(max(0.001, (second + 1) * interval - now))
