"""The RQ queue of push jobs (fan-outs, batches of deliveries, pending deliveries, tag syncs)."""
from __future__ import annotations

import redis
from rq import Queue

from bot.store import Store

JOB_TIMEOUT = 3600  # a batch at a low send rate can take a while; a stuck job is ended after an hour
FAILED_TTL = 7 * 24 * 3600  # failed jobs stay a week for the operators to look at


def push_queue(store: Store, connection: redis.Redis | None = None) -> Queue:
    """The queue, on `connection` (a worker's own) or the store's client."""
    return Queue(store.keys.push_queue, connection=connection or store.redis)


def enqueue(store: Store, func: str, *args: object, connection: redis.Redis | None = None) -> None:
    """Queue `func(*args)` for a worker; results are not kept (the ledger is the record)."""
    push_queue(store, connection).enqueue(func, args=args, job_timeout=JOB_TIMEOUT, result_ttl=0,
                                          failure_ttl=FAILED_TTL)
