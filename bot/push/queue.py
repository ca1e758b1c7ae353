"""The RQ queues of push jobs: fan-outs and deliveries on one, tag syncs and maintenance on the other.

A worker listens to both and always takes the push queue first, so a burst of tag syncs (every subscription
change queues one) never delays an article. Jobs expire if no worker starts them in time: the scheduler makes
fan-out work again from the ledger, and a follower's next message queues their pending delivery again.
"""
from __future__ import annotations

import weakref
from typing import Any

import redis
from rq import Queue

from bot.infra.store import Store

JOB_TIMEOUT = 3600  # a batch at a low send rate can take a while; a stuck job is ended after an hour
FAILED_TTL = 7 * 24 * 3600  # failed jobs stay a week for the operators to look at
PUSH_JOB_TTL = 24 * 3600  # a fan-out job nobody started within a day is redone by a later generation
MAINTENANCE_JOB_TTL = 7 * 24 * 3600  # a tag sync waits up to a week for a worker
_MAINTENANCE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def push_queue(store: Store, connection: redis.Redis | None = None) -> Queue:
    """The queue of fan-outs and deliveries, on `connection` (a worker's own) or the store's client."""
    return Queue(store.keys.push_queue, connection=connection or store.redis)


def maintenance_queue(store: Store, connection: redis.Redis | None = None) -> Queue:
    """The queue of tag syncs and key maintenance, taken after the push queue (one object per client: RQ asks
    the server's version once per Queue object, which would cost a round trip per job)."""
    client = connection or store.redis
    known = _MAINTENANCE.get(client)
    if known is None or known.name != store.keys.maintenance_queue:
        known = _MAINTENANCE[client] = Queue(store.keys.maintenance_queue, connection=client)
    return known


def enqueue(store: Store, func: str, *args: object, connection: redis.Redis | None = None) -> None:
    """Queue `func(*args)` on the push queue; results are not kept (the ledger is the record)."""
    push_queue(store, connection).enqueue(func, args=args, job_timeout=JOB_TIMEOUT, result_ttl=0,
                                          failure_ttl=FAILED_TTL, ttl=PUSH_JOB_TTL)


def enqueue_maintenance(store: Store, func: str, *args: object, connection: redis.Redis | None = None,
                        pipeline: Any = None) -> None:
    """Queue `func(*args)` on the maintenance queue; with `pipeline` (a MULTI already open) its writes go on it."""
    maintenance_queue(store, connection).enqueue_call(func, args=args, timeout=JOB_TIMEOUT, result_ttl=0,
                                                      failure_ttl=FAILED_TTL, ttl=MAINTENANCE_JOB_TTL,
                                                      pipeline=pipeline)
