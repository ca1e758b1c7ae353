"""Articles a follower missed (outside the window, over the count), delivered when they write again."""
from __future__ import annotations

import logging

from bot.infra.privacy import hash_openid
from bot.push import runtime as rt_module
from bot.push.fanout import CHANNEL, launch_and_send, settle, token_ready, wake_later
from bot.push.throttle import Throttle

log = logging.getLogger(__name__)
LOCK_SECONDS = 120


def deliver_pending(openid: str) -> int:
    """RQ job: send the follower's pending articles, oldest first, as many as the window allows."""
    rt = rt_module.current()
    rt.redis.delete(rt.keys.pending_job(openid))  # a message arriving from now on queues another run
    lock = rt.redis.lock(rt.keys.follower_lock(openid), timeout=LOCK_SECONDS, blocking_timeout=0)
    if not lock.acquire():
        return 0  # another worker is delivering to this follower right now
    try:
        return _deliver(rt, openid)
    finally:
        try:
            lock.release()
        except Exception:  # expired by itself after LOCK_SECONDS
            log.warning("pending delivery lock of follower %s expired before release", hash_openid(openid))


def _deliver(rt: rt_module.Runtime, openid: str) -> int:
    ledger, throttle = rt.ledger(), Throttle(rt.store, CHANNEL, rt.settings.rate)
    articles = rt.articles()
    max_age = rt.settings.pending_max_days * 86400
    sent = 0
    for raw in rt.redis.lrange(rt.keys.pending(openid), 0, -1):
        article_id = raw.decode()
        article = articles.get(article_id)
        if article is None:
            ledger.settle_pending(article_id, openid, "w")  # staff removed the article file
            continue
        if max_age and rt.clock() - article.publish_at.timestamp() > max_age:
            ledger.settle_pending(article_id, openid, "e")  # old news: not worth a message any more
            continue
        if rt.blocked(CHANNEL):
            break
        if not token_ready(rt):
            wake_later(rt, openid)
            break
        budget = throttle.budget()
        claim = ledger.claim_pending(article_id, openid, rt.clock(), budget=budget)
        if claim.slot == "busy":  # a dead worker's claim, not yet past the lease: a later run takes it over
            wake_later(rt, openid)
            continue
        if claim.slot == "gone":
            continue
        if not claim.send:
            break  # the window is shut or full: the rest waits for the next message
        outcome = launch_and_send(rt, claim, article, throttle, budget)
        if outcome.kind == "held":
            wake_later(rt, openid)  # its claim lapses, and a later run takes it over
        if not settle(rt, claim, outcome, was_pending=True) or outcome.kind in ("defer", "drop"):
            break
        sent += outcome.kind == "sent"
    return sent
