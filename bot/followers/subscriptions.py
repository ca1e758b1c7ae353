"""Who subscribed to what: `topic:{id}:subs` and `user:{openid}:topics` sets, kept in step."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from bot.core.effects import Target
from bot.followers.effects import ForgetFollower, Subscribe, Unsubscribe
from bot.infra.store import Store


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
    for topic_id in topic_ids:
        _queue(pipe, store, openid, topic_id, add=add)
    results = pipe.execute()[::2]
    changed = [t for t, did in zip(topic_ids, results, strict=True) if did]
    return changed, [t for t in topic_ids if t not in changed]


def _queue(pipe: Any, store: Store, openid: str, topic_id: str, *, add: bool) -> None:
    op = pipe.sadd if add else pipe.srem
    op(store.keys.topic_subs(topic_id), openid)
    op(store.keys.user_topics(openid), topic_id)


def unsubscribe_all(store: Store, openid: str) -> list[str]:
    """Remove every subscription of the follower; returns the topic ids they had."""
    had = sorted(topics_of(store, openid))
    _drop_all(store, openid, had)
    return had


def _drop_all(store: Store, openid: str, had: list[str]) -> None:
    """Remove the follower from each of the topics `had` and drop their own set, in one pipeline."""
    pipe = store.redis.pipeline()
    for topic_id in had:
        pipe.srem(store.keys.topic_subs(topic_id), openid)
    pipe.delete(store.keys.user_topics(openid))
    pipe.execute()


def apply_change(effect: Subscribe | Unsubscribe, target: Target, pipe: Any) -> None:
    """Applier of Subscribe / Unsubscribe: the index changes ride on the reply's pipeline."""
    for topic_id in effect.topic_ids:
        _queue(pipe, target.store, target.openid, topic_id, add=isinstance(effect, Subscribe))


def apply_forget(_: ForgetFollower, target: Target, pipe: Any) -> Callable[[list], None]:
    """Applier of ForgetFollower: read the follower's topics on the reply's pipeline, then drop them."""
    pipe.smembers(target.store.keys.user_topics(target.openid))

    def drop(results: list) -> None:
        had = sorted(m.decode() for m in results[0] or ())
        if had:
            _drop_all(target.store, target.openid, had)

    return drop


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
    """Drop every subscription of a follower who unfollowed (WeChat forgets an unfollowed user's tags itself)."""
    store.safe(lambda _: unsubscribe_all(store, openid), None)
