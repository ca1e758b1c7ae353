"""The worker's periodic maintenance: trim what would otherwise grow without bound.

Run as a job on the maintenance queue (bot worker queues it every PUSH_MAINTENANCE_INTERVAL):
- the `active` set loses followers silent for more than 48 hours;
- pending deliveries of articles past PUSH_PENDING_MAX_DAYS are settled as expired (counters stay truthful,
  the followers' pending lists shrink), before their ledger expires;
- pending lists lose articles that are withdrawn or expired, and get a lifetime if they had none;
- ledgers written before they had a lifetime get one;
- tag syncs postponed while WeChat was unreachable are queued again.
"""
from __future__ import annotations

import logging

from bot.push import runtime as rt_module
from bot.push.ledger import GRACE_DAYS, ledger_expiry
from bot.push.queue import enqueue_maintenance

log = logging.getLogger(__name__)
SCAN_COUNT = 1000


def run() -> dict[str, int]:
    """RQ job: one maintenance pass; returns what it did (also logged)."""
    report = maintain(rt_module.current())
    log.info("push maintenance: %s", ", ".join(f"{k} {v}" for k, v in report.items()))
    return report


def maintain(rt: rt_module.Runtime) -> dict[str, int]:
    """One maintenance pass over the push keys."""
    now = rt.clock()
    report = {"inactive_trimmed": int(rt.redis.zremrangebyscore(rt.keys.active, "-inf",
                                                                now - rt.settings.long_window))}
    report["pending_expired"] = _expire_pending(rt, now)
    report["pending_lists_trimmed"] = _trim_pending_lists(rt, now)
    report["ledgers_given_a_lifetime"] = _date_ledgers(rt)
    report["tag_syncs_requeued"] = _requeue_tag_syncs(rt)
    return report


def _publish_times(rt: rt_module.Runtime) -> dict[str, float]:
    """Article id → publish time, from the knowledge and from the state of articles since removed."""
    times = {a.id: a.publish_at.timestamp() for a in rt.articles().values()}
    suffix = ":state"
    for key in rt.redis.scan_iter(match=f"{rt.keys.prefix}push:*{suffix}", count=SCAN_COUNT, _type="hash"):
        article_id = key.decode()[len(rt.keys.prefix) + len("push:"):-len(suffix)]
        if article_id not in times:
            raw = rt.redis.hget(key, "publish_at")
            if raw:
                times[article_id] = float(raw)
    return times


def _expire_pending(rt: rt_module.Runtime, now: float) -> int:
    """Settle the pending deliveries of every article older than PUSH_PENDING_MAX_DAYS."""
    max_age = rt.settings.pending_max_days * 86400
    if not max_age:
        return 0
    ledger, settled = rt.ledger(), 0
    for article_id, published in _publish_times(rt).items():
        if now - published <= max_age or int(rt.redis.hget(rt.keys.push_state(article_id), "pending") or 0) <= 0:
            continue
        for openid, value in rt.redis.hscan_iter(rt.keys.push_ledger(article_id), count=SCAN_COUNT):
            if value == b"p":
                ledger.settle_pending(article_id, openid.decode(), "e")
                settled += 1
    return settled


def _trim_pending_lists(rt: rt_module.Runtime, now: float) -> int:
    """Drop withdrawn and expired articles from the followers' pending lists; give each list a lifetime."""
    articles = rt.articles()
    max_age = rt.settings.pending_max_days * 86400
    ledger, trimmed = rt.ledger(), 0
    for key in rt.redis.scan_iter(match=f"{rt.keys.prefix}pending:*", count=SCAN_COUNT, _type="list"):
        openid = key.decode()[len(rt.keys.prefix) + len("pending:"):]
        newest = 0.0
        for raw in rt.redis.lrange(key, 0, -1):
            article = articles.get(raw.decode())
            if article is None:
                ledger.settle_pending(raw.decode(), openid, "w")
            elif max_age and now - article.publish_at.timestamp() > max_age:
                ledger.settle_pending(article.id, openid, "e")
            else:
                newest = max(newest, article.publish_at.timestamp())
                continue
            trimmed += 1
        if newest and max_age and rt.redis.ttl(key) == -1:
            rt.redis.expireat(key, int(newest + max_age + GRACE_DAYS * 86400))
    return trimmed


def _date_ledgers(rt: rt_module.Runtime) -> int:
    """Give a lifetime to ledgers that have none (written before ledgers expired, or with the setting 0)."""
    articles, dated = rt.articles(), 0
    if not rt.settings.pending_max_days:
        return 0
    for article in articles.values():
        key = rt.keys.push_ledger(article.id)
        if rt.redis.ttl(key) == -1:
            rt.redis.expireat(key, ledger_expiry(article, rt.settings))
            dated += 1
    return dated


def _requeue_tag_syncs(rt: rt_module.Runtime) -> int:
    """Queue again the tag syncs WeChat did not take (unreachable)."""
    if rt.blocked("mass"):
        return 0
    openids = rt.redis.spop(rt.keys.tag_resync, 1000) or []
    for openid in openids:
        enqueue_maintenance(rt.store, "bot.push.mass.sync_follower_tags", openid.decode(), connection=rt.redis)
    return len(openids)
