"""Fan-out of a customer-service article: stream the subscribers into batch jobs, deliver each batch.

Each fan-out has a generation number. The scheduler starts a new generation when an article is due, not
finished, and nobody has touched its lease for a while (a worker crashed): the new generation scans the
subscribers again, and the ledger skips everyone already claimed, so a restart sends nothing twice; a claim
whose call never left (its worker died waiting for the send budget) is taken over once it is older than the
lease. A batch that met a claim it could not take over yet is not counted done, so the article is not reported
sent while that delivery is still owed.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from bot.infra.privacy import hash_openid
from bot.knowledge.articles import Article
from bot.push import runtime as rt_module
from bot.push.channels import Outcome, call_with_retries, send_news
from bot.push.followers import forget_follower
from bot.push.ledger import Claim, ledger_expiry
from bot.push.queue import enqueue
from bot.push.throttle import Budget, Throttle

log = logging.getLogger(__name__)
CHANNEL = "customer"
CHECK_EVERY = 50  # deliveries between two looks at the lease and the channel's pause/stop
LOST = Outcome("lost", message="another worker took the claim over: not this one's to send")
HELD = Outcome("held", message="no access_token after waiting for the send budget: the claim lapses")
Hold = Callable[[rt_module.Runtime, Outcome], None]  # pauses or stops the channel after an outcome

# KEYS: state   ARGV: gen, batches (or '' when called by a batch)   → 1 when the article is complete now
FINISH = """
if redis.call('HGET', KEYS[1], 'gen') ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], 'scanned', ARGV[1], 'batches', ARGV[2])
else
  redis.call('HINCRBY', KEYS[1], 'batches_done', 1)
end
if redis.call('HGET', KEYS[1], 'scanned') == ARGV[1]
   and tonumber(redis.call('HGET', KEYS[1], 'batches_done') or '0')
       >= tonumber(redis.call('HGET', KEYS[1], 'batches') or '0') then
  redis.call('HSET', KEYS[1], 'status', 'sent', 'finished_at', ARGV[3])
  return 1
end
return 0
"""


def start_generation(rt: rt_module.Runtime, article_id: str) -> int:
    """Begin a new fan-out generation of the article and queue its scan; returns the generation."""
    state = rt.keys.push_state(article_id)
    gen = int(rt.redis.hincrby(state, "gen", 1))
    article = rt.article(article_id)
    rt.redis.hset(state, mapping={"status": "sending", "scanned": -1, "batches": 0, "batches_done": 0,
                                  "started_at": f"{rt.clock():.0f}", "note": "",
                                  "publish_at": f"{article.publish_at.timestamp():.0f}" if article else ""})
    enqueue(rt.store, "bot.push.fanout.scan", article_id, gen, connection=rt.redis)
    return gen


def touch(rt: rt_module.Runtime, article_id: str) -> None:
    """Renew the article's lease: a worker is busy with it."""
    rt.redis.set(rt.keys.push_lease(article_id), "1", ex=rt.settings.lease_seconds)


def _finish(rt: rt_module.Runtime, article_id: str, gen: int, batches: str) -> None:
    done = rt.redis.eval(FINISH, 1, rt.keys.push_state(article_id), str(gen), batches, f"{rt.clock():.0f}")
    if done:
        rt.redis.delete(rt.keys.push_lease(article_id))
        log.info("article %s: fan-out complete %s", article_id, rt.ledger().counts(article_id))


def scan(article_id: str, gen: int) -> None:
    """RQ job: stream the subscribers of the article's topics (SSCAN) into batch jobs."""
    rt = rt_module.current()
    article = rt.article(article_id)
    if article is None or rt.redis.hget(rt.keys.push_state(article_id), "gen") != str(gen).encode():
        return
    size = rt.settings.batch_size
    batch: list[str] = []
    batches = 0
    for topic in article.topics:
        for member in rt.redis.sscan_iter(rt.keys.topic_subs(topic), count=size):
            batch.append(member.decode())
            if len(batch) >= size:
                enqueue(rt.store, "bot.push.fanout.deliver_batch", article_id, gen, batch, connection=rt.redis)
                batches, batch = batches + 1, []
                if batches % 10 == 0:
                    touch(rt, article_id)
    if batch:
        enqueue(rt.store, "bot.push.fanout.deliver_batch", article_id, gen, batch, connection=rt.redis)
        batches += 1
    touch(rt, article_id)
    _finish(rt, article_id, gen, str(batches))


def deliver_batch(article_id: str, gen: int, openids: list[str]) -> None:
    """RQ job: claim, send and record the article for each follower of the batch.

    PUSH_SENDERS threads share the batch, each delivering one follower at a time as a worker of its own would;
    when one must stop (the channel is paused or stopped, no token), the others stop after their current call.
    """
    rt = rt_module.current()
    article = rt.article(article_id)
    if article is None:
        return
    batch = Batch(rt, article, openids)
    senders = max(1, min(rt.settings.senders, len(openids)))
    if senders == 1:
        batch.send()
    else:
        rt.client  # noqa: B018 (made once, before the threads share it)
        threads = [threading.Thread(target=batch.send_catching, name=f"push-sender-{n}") for n in range(senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if batch.error is not None:
            raise batch.error
    if batch.stopped or batch.held_elsewhere:
        # Stopped: not counted as done, a later generation delivers the rest. Held: another worker's claim (or a
        # dead worker's, not yet past the lease) holds a delivery; the article is not finished until a later
        # generation has seen it sent or taken it over.
        return
    _finish(rt, article_id, gen, "")


class Batch:
    """One batch of followers, shared by the sender threads of a worker."""

    def __init__(self, rt: rt_module.Runtime, article: Article, openids: list[str]) -> None:
        self.rt, self.article = rt, article
        self.ledger, self.throttle = rt.ledger(), Throttle(rt.store, CHANNEL, rt.settings.rate)
        self.expire_at = ledger_expiry(article, rt.settings)
        self._next = iter(enumerate(openids))
        self._lock = threading.Lock()
        self.stopped = False
        self.held_elsewhere = False
        self.error: BaseException | None = None
        self._held: set[str] = set()  # kinds of hold already applied (later, pause, stop)

    def take(self) -> tuple[int, str] | None:
        """The next follower to deliver to and its place in the batch, or None when done or stopped."""
        with self._lock:
            return None if self.stopped else next(self._next, None)

    def hold_once(self, rt: rt_module.Runtime, outcome: Outcome) -> None:
        """Pause or stop the channel for the first sender that meets each kind of trouble: the others met the same
        one, and holding it again would count one outage as several (each one pauses longer)."""
        with self._lock:
            first = outcome.kind not in self._held
            self._held.add(outcome.kind)
        if first:
            hold_channel(rt, outcome)

    def send_catching(self) -> None:
        """`send` in a sender thread: an error stops the batch and is raised again by the job."""
        try:
            self.send()
        except BaseException as exc:
            self.error, self.stopped = exc, True

    def send(self) -> None:
        """Deliver followers until the batch is done or must stop.

        A delivery that went out is marked sent in the round trip of this sender's next claim (Redis runs the
        mark first), or on its own before anything else waits on I/O: the end, a look at the lease, a token fetch.
        """
        rt, article_id = self.rt, self.article.id
        unmarked: Claim | None = None  # sent, its ledger mark not written yet
        try:
            for index, openid in iter(self.take, None):
                if index % CHECK_EVERY == 0 or not getattr(rt.client, "token_in_hand", False):
                    before, unmarked = unmarked, None  # never written twice, even when the write fails
                    mark_sent(rt, before)
                if index % CHECK_EVERY == 0:
                    touch(rt, article_id)
                    if rt.blocked(CHANNEL):
                        self.stopped = True
                        return
                if not token_ready(rt, hold=self.hold_once):
                    self.stopped = True
                    return
                budget = self.throttle.budget()
                before, unmarked = unmarked, None
                claim = self.ledger.claim(article_id, openid, rt.clock(), expire_at=self.expire_at, budget=budget,
                                          sent_before=before)
                if claim.slot == "behind":
                    queue_pending_delivery(rt, openid)
                if claim.slot == "busy":
                    self.held_elsewhere = True
                if not claim.send:
                    continue
                outcome = launch_and_send(rt, claim, self.article, self.throttle, budget, hold=self.hold_once)
                if outcome.kind in STOPPING:
                    self.stopped = True  # at once, before the Redis work of settling: the others take no one more
                if outcome.kind == "sent":
                    unmarked = claim
                    rt.note_delivered(CHANNEL)
                elif not settle(rt, claim, outcome, was_pending=False, hold=self.hold_once):
                    self.stopped = True
                    return
        finally:
            mark_sent(rt, unmarked)


# The outcomes after which a batch delivers to no one more (settle holds the channel or leaves the claim).
STOPPING = frozenset({"held", "later", "pause", "stop"})


def mark_sent(rt: rt_module.Runtime, claim: Claim | None) -> None:
    """Write the sent mark of a delivery still without one (nothing when `claim` is None)."""
    if claim is not None:
        rt.ledger().sent(claim)


def token_ready(rt: rt_module.Runtime, *, hold: Hold | None = None) -> bool:
    """Have the access_token in hand before a claim, so that nothing but the HTTP request follows the in-flight
    mark; False (the channel is paused or stopped) when no token can be had now."""
    outcome = call_with_retries(lambda: {"access_token": rt.client.access_token}, rt.settings.retry_delays,
                                idempotent=True)  # fetching a token twice sends nothing to a follower
    if outcome.kind == "sent":
        return True
    if outcome.kind not in ("pause", "stop"):  # any other refusal of a token: nothing can go out for now
        outcome = Outcome("later", outcome.errcode, outcome.message, reason=outcome.reason)
    (hold or hold_channel)(rt, outcome)
    return False


def launch_and_send(rt: rt_module.Runtime, claim: Claim, article: Article, throttle: Throttle,
                    budget: Budget, *, hold: Hold | None = None) -> Outcome:
    """Wait for the send rate's budget until the claim is in flight, then make the call.

    Outcome LOST: another worker took the claim over meanwhile (this one must not call); HELD: no token after
    the wait, the channel is held and the claim is left to lapse (a later claim takes it over).
    """
    ledger = rt.ledger()
    while not claim.in_flight:
        throttle.sleep_past(budget)
        if not token_ready(rt, hold=hold):  # read again (from the cache, mostly): the wait may have outlived it
            return HELD
        budget = throttle.budget()
        claim = ledger.launch(claim, rt.clock(), budget)
        if claim.state == "lost":
            return LOST
    return send_news(rt.client, article, claim.openid, rt.settings.retry_delays)


def settle(rt: rt_module.Runtime, claim: Claim, outcome: Outcome, *, was_pending: bool,
           hold: Hold | None = None) -> bool:
    """Record a customer-service call's outcome in the ledger; False when the channel must stop for now."""
    ledger = rt.ledger()
    if outcome.kind == "sent":
        ledger.sent(claim)
        rt.note_delivered(CHANNEL)
    elif outcome.kind == "defer":
        ledger.defer(claim, outcome.errcode or 45015)
    elif outcome.kind == "drop":
        ledger.drop(claim)
        forget_follower(rt.store, claim.openid)
    elif outcome.kind == "fail":
        log.warning("article %s to follower %s failed: %s %s", claim.article, hash_openid(claim.openid),
                    outcome.errcode, outcome.message)
        ledger.fail(claim, outcome.errcode)
    elif outcome.kind == "unknown":
        ledger.unknown(claim, at=rt.clock(), reason=outcome.reason or "unknown")
        log.error("article %s to follower %s: outcome unknown (%s); it is not sent again unless staff resend it",
                  claim.article, hash_openid(claim.openid), outcome.message)
    elif outcome.kind == "held":
        return False
    elif outcome.kind in ("later", "pause", "stop"):
        ledger.release(claim, was_pending=was_pending)
        if outcome.kind == "later" and was_pending:
            wake_later(rt, claim.openid)
        (hold or hold_channel)(rt, outcome)
        return False
    return True  # sent, recorded, or LOST (another worker's now)


def hold_channel(rt: rt_module.Runtime, outcome: Outcome) -> None:
    """Pause the channel after an outage ('later', resumed by itself) or 45009 ('pause'), or stop it ('stop')."""
    if outcome.kind == "later":
        until = rt.back_off(CHANNEL, f"WeChat did not take the call ({outcome.message})")
        log.warning("customer-service channel paused until %s (Beijing): %s", rt_module.beijing_time(until),
                    outcome.message)
    elif outcome.kind == "pause":
        until = rt.pause(CHANNEL, f"45009 daily quota reached ({outcome.message})")
        log.warning("customer-service channel paused until %s: %s", until, outcome.message)
    else:
        rt.stop(CHANNEL, outcome.message)
        log.error("customer-service channel stopped: %s", outcome.message)


def wake_later(rt: rt_module.Runtime, openid: str) -> None:
    """Deliver the follower's pending list again once the channel is back (the scheduler's next tick): nothing
    else would before they write again."""
    wake = rt.keys.pending_wake(CHANNEL)
    rt.redis.sadd(wake, openid)
    rt.redis.expire(wake, int(rt.settings.pending_max_days * 86400) or 30 * 86400)


def queue_pending_delivery(rt: rt_module.Runtime, openid: str) -> None:
    """Queue the delivery of the follower's pending articles, once while one is waiting."""
    if rt.redis.set(rt.keys.pending_job(openid), "1", nx=True, ex=600):
        enqueue(rt.store, "bot.push.pending.deliver_pending", openid, connection=rt.redis)
