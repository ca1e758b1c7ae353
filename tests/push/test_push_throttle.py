"""The send rate is shared by every worker through Redis."""
from __future__ import annotations

import threading
from collections import Counter

from bot.push.throttle import Throttle


def test_calls_from_several_threads_stay_within_the_rate(store):
    granted: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        throttle = Throttle(store, "customer", rate=4)  # each thread its own, as separate processes would
        for _ in range(5):
            second = throttle.wait()
            with lock:
                granted.append(second)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    per_second = Counter(granted)
    assert sum(per_second.values()) == 15
    assert max(per_second.values()) <= 4
    assert len(per_second) >= 4  # 15 calls at 4 a second need at least four seconds' budgets


def test_rate_zero_means_no_limit(store):
    throttle = Throttle(store, "customer", rate=0)
    assert [throttle.wait() for _ in range(100)] == [0] * 100
    assert store.redis.keys(f"{store.keys.prefix}throttle:*") == []
