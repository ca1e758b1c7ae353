"""The scheduler: find due articles and queue their jobs; `run_due` (bot push run) and `run_worker` (bot worker)."""
from __future__ import annotations

import logging
import threading
import time

import redis
from rq import SimpleWorker
from rq.exceptions import StopRequested

from bot.knowledge.articles import Article
from bot.push import fanout, mass
from bot.push.queue import enqueue, enqueue_maintenance, maintenance_queue, push_queue
from bot.push.runtime import Runtime, bind

log = logging.getLogger(__name__)
FINISHED = (b"sent", b"expired")
WAKE_PER_TICK = 500  # interrupted pending deliveries queued again per tick once the channel is back


def channel_of(article: Article) -> str:
    return mass.CHANNEL if article.channel == "mass" else fanout.CHANNEL


def waiting_reason(rt: Runtime, article: Article, state: dict[bytes, bytes]) -> str | None:
    """Why a due, unfinished article cannot go out now (paused, stopped, queued for tomorrow), or None."""
    blocked = rt.blocked(channel_of(article))
    if blocked:
        return blocked
    if state.get(b"status") in (b"queued", b"failed") and float(state.get(b"next_try", 0) or 0) > rt.clock():
        return (state.get(b"note") or b"queued for the next day").decode()
    return None


def too_old(rt: Runtime, article: Article, now: float) -> bool:
    """True once the article is older than PUSH_PENDING_MAX_DAYS: nothing delivers it any more."""
    max_age = rt.settings.pending_max_days * 86400
    return bool(max_age) and now - article.publish_at.timestamp() > max_age


def wake_interrupted(rt: Runtime) -> int:
    """Queue again the pending deliveries an outage interrupted, once the channel is back."""
    if rt.blocked(fanout.CHANNEL):
        return 0
    openids = rt.redis.spop(rt.keys.pending_wake(fanout.CHANNEL), WAKE_PER_TICK) or []
    for openid in openids:
        fanout.queue_pending_delivery(rt, openid.decode())
    return len(openids)


def tick(rt: Runtime) -> list[str]:
    """Queue the work of every due, unfinished article nobody is working on; returns what was started."""
    now = rt.clock()
    started = []
    queue = push_queue(rt.store, rt.redis)
    wake_interrupted(rt)
    for article in sorted(rt.articles().values(), key=lambda a: a.publish_at):
        if not article.due(now):
            continue
        state = rt.redis.hgetall(rt.keys.push_state(article.id))
        if state.get(b"status") in FINISHED:
            continue
        if too_old(rt, article, now):  # e.g. WeChat was unreachable for longer than PUSH_PENDING_MAX_DAYS
            rt.redis.hset(rt.keys.push_state(article.id), mapping={
                "status": "expired", "finished_at": f"{now:.0f}",
                "note": f"not delivered to everyone within PUSH_PENDING_MAX_DAYS "
                        f"({rt.settings.pending_max_days:g} days)"})
            continue
        if waiting_reason(rt, article, state):
            continue
        lease = rt.keys.push_lease(article.id)
        if rt.redis.exists(lease):
            continue  # a worker touched it recently
        if article.channel != "mass" and state.get(b"status") == b"sending" and queue.count > 0:
            continue  # its batches are still waiting their turn in the queue
        if not rt.redis.set(lease, "scheduler", nx=True, ex=rt.settings.lease_seconds):
            continue
        if article.channel == "mass":
            enqueue(rt.store, "bot.push.mass.send_mass_article", article.id, connection=rt.redis)
        else:
            gen = fanout.start_generation(rt, article.id)
            log.info("article %s: fan-out generation %d started", article.id, gen)
        started.append(article.id)
    return started


def unfinished(rt: Runtime) -> list[tuple[Article, str | None]]:
    """Due articles not yet sent, each with the reason it is waiting (None: it can go out now)."""
    now = rt.clock()
    left = []
    for article in rt.articles().values():
        if article.due(now) and not too_old(rt, article, now):
            state = rt.redis.hgetall(rt.keys.push_state(article.id))
            if state.get(b"status") not in FINISHED:
                left.append((article, waiting_reason(rt, article, state)))
    return left


LISTEN_SECONDS = 1.0  # how long the listener for RQ's worker commands waits for one before looking again


class PushWorker(SimpleWorker):
    """RQ's SimpleWorker (jobs run in this process) whose listener for worker commands (`rq shutdown` and the
    like) looks every LISTEN_SECONDS, and which has none in a burst run.

    RQ's own listener waits 60 s for a message, and redis-py 8 waits for the listener to end when RQ stops it:
    every stop (SIGTERM, the end of each burst run of `bot push run`) could hang for up to a minute. A burst run
    ends as soon as the queues are empty, so nobody needs to send it a command.
    """

    burst_run = False

    def subscribe(self) -> None:
        if self.burst_run:
            return
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(sleep_time=LISTEN_SECONDS, daemon=True,
                                                       exception_handler=self._pubsub_exception_handler)

    def work(self, *args: object, burst: bool = False, **kwargs: object) -> bool:
        self.burst_run = burst
        return super().work(*args, burst=burst, **kwargs)


def make_worker(rt: Runtime) -> PushWorker:
    """An RQ worker on both queues; RQ takes them in order, so fan-outs always come before tag syncs."""
    connection = rt.rq_connection()
    return PushWorker([push_queue(rt.store, connection), maintenance_queue(rt.store, connection)],
                      connection=connection)


def work_burst(rt: Runtime) -> bool:
    """Run the queued jobs in this process until the queues are empty (RQ burst mode); True if any ran."""
    return make_worker(rt).work(burst=True, logging_level="WARNING")


def maintenance_due(rt: Runtime) -> bool:
    """Queue the maintenance job when its interval has passed (one worker does it, whoever asks first)."""
    interval = max(1, int(rt.settings.maintenance_interval))
    if not rt.redis.set(rt.keys.maintenance_lock, "1", nx=True, ex=interval):
        return False
    enqueue_maintenance(rt.store, "bot.push.maintenance.run", connection=rt.redis)
    return True


def run_due(rt: Runtime, *, poll: float = 0.5) -> list[tuple[Article, str | None]]:
    """Deliver everything due now, then return the articles left waiting (paused, stopped, next day)."""
    bind(rt)
    while True:
        tick(rt)
        worked = work_burst(rt)
        left = unfinished(rt)
        if not left or all(reason for _, reason in left):
            return left
        if not worked:
            time.sleep(poll)  # another worker holds a lease, or a crashed one's lease has yet to lapse


def run_worker(rt: Runtime, *, burst: bool = False) -> None:
    """The long-running worker: a scheduler thread ticking, and an RQ worker taking jobs until stopped.

    A Redis outage does not end it: the scheduler skips its looks, and the queue worker (which RQ ends when Redis
    goes away) is started again once Redis answers, so a process manager that stops everything when one process
    exits (honcho, foreman) keeps the bot up.
    """
    bind(rt)
    stop = threading.Event()
    outage = _Outage("push scheduler")

    def look() -> None:
        try:
            tick(rt)
            maintenance_due(rt)
        except redis.RedisError as exc:
            outage.down(exc)
            return
        except Exception:  # a bad tick must not end the worker; the next one tries again
            log.exception("scheduler tick failed")
        outage.up()

    def schedule() -> None:
        while not stop.wait(rt.settings.scheduler_interval):
            look()

    look()  # before the queue worker starts, so that even a burst run does what is due

    thread = threading.Thread(target=schedule, name="push-scheduler", daemon=True)
    thread.start()
    try:
        attempt = 0
        while True:
            worker = None
            try:
                worker = make_worker(rt)
                worker.work(burst=burst, logging_level="INFO")
            except redis.RedisError as exc:  # Redis went away while RQ set up or cleaned up
                log.warning("push worker: lost Redis (%s)", exc)
            if worker is not None and (burst or stopped(worker)):  # burst: queues empty; or SIGTERM/SIGINT
                return
            try:
                attempt = _wait_for_redis(rt, attempt)
            except StopRequested:  # SIGTERM while waiting (RQ's signal handler is still installed)
                return
    finally:
        stop.set()


def stopped(worker: SimpleWorker) -> bool:
    """True when the worker ended because it was asked to (RQ notes when a stop signal came)."""
    return worker._stop_requested or worker._shutdown_requested_date is not None  # RQ 3 is pinned below 4


# Seconds between looks for Redis while it is away, growing; the last repeats.
REDIS_RETRY_SECONDS = (1, 2, 5, 10, 30)


def _wait_for_redis(rt: Runtime, attempt: int) -> int:
    """Sleep until Redis answers again (growing pauses); returns the next attempt number."""
    while True:
        delay = REDIS_RETRY_SECONDS[min(attempt, len(REDIS_RETRY_SECONDS) - 1)]
        log.warning("push worker: Redis is not answering; the queue worker starts again in %d s", delay)
        time.sleep(delay)
        attempt += 1
        try:
            rt.redis.ping()
        except redis.RedisError:
            continue
        log.warning("push worker: Redis answers again; queue worker starting")
        return 0


class _Outage:
    """Logs the start and the end of a Redis outage once each, not on every look."""

    def __init__(self, what: str) -> None:
        self.what, self.since = what, None

    def down(self, exc: Exception) -> None:
        if self.since is None:
            self.since = time.monotonic()
            log.warning("%s: Redis unavailable (%s); looking again every few seconds", self.what, exc)

    def up(self) -> None:
        if self.since is not None:
            log.warning("%s: Redis is back after %.0f s", self.what, time.monotonic() - self.since)
            self.since = None
