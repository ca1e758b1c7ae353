"""A send rate shared by every worker: at most `rate` calls per second per channel, counted in Redis.

The count is taken by a Lua snippet (`BUDGET_LUA`) so that the delivery ledger can take one call from the
budget and mark its entry in flight in the same script, with no round trip of its own (bot/push/ledger.py).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from bot.infra.store import Store

# take_budget(key, limit, ttl): count one call in the interval's counter; false when the interval is spent.
# A limit of 0 means no limit (the key is not touched). It writes nothing else, and before any other write
# of a script that uses it, so that a script failing here has changed nothing.
BUDGET_LUA = """
local function take_budget(tkey, limit, ttl)
  if limit <= 0 then return true end
  local used = redis.call('INCR', tkey)
  if used == 1 then redis.call('EXPIRE', tkey, ttl) end
  return used <= limit
end
"""
TAKE = BUDGET_LUA + "return take_budget(KEYS[1], tonumber(ARGV[1]), ARGV[2]) and 1 or 0"


@dataclass(frozen=True)
class Budget:
    """One interval's share of the rate: its counter's key, the calls it grants (0: no limit), when it ends."""

    key: str
    limit: int
    ttl: int
    ends: float
    interval: int

    @property
    def args(self) -> list[str]:
        """The script arguments `take_budget` reads (limit, ttl)."""
        return [str(self.limit), str(self.ttl)]


class Throttle:
    """Blocks until the channel may make one more call this second (rate 0: no limit)."""

    def __init__(self, store: Store, channel: str, rate: float) -> None:
        self.store, self.channel, self.rate = store, channel, rate
        self._take = store.redis.register_script(TAKE)

    def budget(self) -> Budget:
        """The current interval's budget (an interval is a second, or 1/rate seconds below one a second)."""
        if self.rate <= 0:
            return Budget(self.store.keys.throttle(self.channel, 0), 0, 0, 0.0, 0)
        interval = 1.0 / self.rate if self.rate < 1 else 1.0
        number = int(time.time() / interval)
        return Budget(self.store.keys.throttle(self.channel, number), max(1, int(self.rate)), int(interval) + 2,
                      (number + 1) * interval, number)

    @staticmethod
    def sleep_past(budget: Budget) -> None:
        """Sleep until the interval of a spent budget is over."""
        time.sleep(max(0.001, budget.ends - time.time()))

    def wait(self) -> int:
        """Take one call from the current interval's budget (sleeping into the next when it is spent).

        Returns the number of the interval the call was granted in (0 when there is no limit).
        """
        while True:
            budget = self.budget()
            if not budget.limit:
                return 0
            if self._take(keys=[budget.key], args=budget.args):
                return budget.interval
            self.sleep_past(budget)
