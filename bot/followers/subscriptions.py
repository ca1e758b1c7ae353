"""Who subscribed to what: `topic:{id}:subs` and `user:{openid}:topics` sets, kept in step."""
from __future__ import annotations

import logging
import uuid

from bot.infra.privacy import hash_openid
from bot.infra.store import Store

log = logging.getLogger(__name__)


def topics_of(store: Store, openid: str) -> set[str]:
    """The topic ids the follower subscribed to."""
    return {m.decode() for m in store.redis.smembers(store.keys.user_topics(openid))}


def subscribe(store: Store, openid: str, topic_ids: list[str]) -> tuple[list[str], list[str]]:
    """Subscribe to each topic; returns (newly added, already subscribed)."""
    return _change(store, openid, topic_ids, add=True)


def unsubscribe(store: Store, openid: str, topic_ids: list[str]) -> tuple[list[str], list[str]]:
    """Unsubscribe from each topic; returns (removed, were not subscribed)."""
    return _change(store, openid, topic_ids, add=False)


def _change(store: Store, openid: str, topic_ids: list[str], *, add: bool) -> tuple[list[str], list[str]]:
    """Add or remove the follower in both directions of the index; (changed, unchanged) topic ids."""
    pipe = store.redis.pipeline()
    op = pipe.sadd if add else pipe.srem
    for topic_id in topic_ids:
        op(store.keys.topic_subs(topic_id), openid)
        op(store.keys.user_topics(openid), topic_id)
    results = pipe.execute()[::2]
    changed = [t for t, did in zip(topic_ids, results, strict=True) if did]
    if changed:
        request_tag_sync(store, openid)
    return changed, [t for t in topic_ids if t not in changed]


def unsubscribe_all(store: Store, openid: str, *, sync_tags: bool = True) -> list[str]:
    """Remove every subscription of the follower; returns the topic ids they had."""
    had = sorted(topics_of(store, openid))
    pipe = store.redis.pipeline()
    for topic_id in had:
        pipe.srem(store.keys.topic_subs(topic_id), openid)
    pipe.delete(store.keys.user_topics(openid))
    pipe.execute()
    if had and sync_tags:
        request_tag_sync(store, openid)
    return had


def subscriber_count(store: Store, topic_id: str) -> int:
    """How many followers subscribed to the topic."""
    return int(store.redis.scard(store.keys.topic_subs(topic_id)))


def distinct_subscribers(store: Store, topic_ids: list[str] | tuple[str, ...]) -> int:
    """How many followers subscribed to any of the topics, each counted once (a follower of two topics is one).

    Redis builds the union under a scratch key and deletes it in the same MULTI/EXEC, so the members never
    travel to Python and the copy never outlives the transaction.
    """
    if not topic_ids:
        return 0
    if len(topic_ids) == 1:
        return subscriber_count(store, topic_ids[0])
    scratch = store.keys.temporary(f"union:{uuid.uuid4().hex}")
    pipe = store.redis.pipeline(transaction=True)
    pipe.sunionstore(scratch, [store.keys.topic_subs(t) for t in topic_ids])
    pipe.delete(scratch)
    return int(pipe.execute()[0])


def forget_follower(store: Store, openid: str) -> None:
    """An unfollow: drop the follower's subscriptions, pending articles and sending window."""
    from bot.push.ledger import Ledger

    def forget(_: object) -> None:
        unsubscribe_all(store, openid, sync_tags=False)  # WeChat forgets an unfollowed user's tags itself
        Ledger(store).cancel_pending(openid, reason="u")
        store.redis.delete(store.keys.window(openid))
        store.redis.zrem(store.keys.active, openid)

    store.safe(forget, None)


def request_tag_sync(store: Store, openid: str) -> None:
    """Queue a job that gives the follower the WeChat tags of their topics (mass sends go by tag)."""
    from bot.push.queue import enqueue_maintenance

    try:
        enqueue_maintenance(store, "bot.push.mass.sync_follower_tags", openid)
    except Exception:  # the subscription itself is saved; the tags are synced again on the next change
        log.exception("could not queue the tag sync of follower %s", hash_openid(openid))
