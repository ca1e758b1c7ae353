"""What pushes keep about a follower, kept in step with their subscriptions: WeChat tags, pending articles.

A change of topics queues a tag sync (mass sends go by tag); an unfollow settles the follower's pending
articles and closes their sending window. The appliers ride on the reply's pipeline (wired in `bot.app`);
`forget_follower` is the same for a delivery that learns from WeChat that the follower left.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.core.effects import Target
from bot.followers import subscriptions
from bot.followers.effects import ForgetFollower, Subscribe, Unsubscribe
from bot.infra.privacy import hash_openid
from bot.infra.store import Store
from bot.push.ledger import Ledger
from bot.push.queue import enqueue_maintenance

log = logging.getLogger(__name__)

TAG_SYNC = "bot.push.mass.sync_follower_tags"


def request_tag_sync(store: Store, openid: str, *, pipeline: Any = None) -> None:
    """Queue a job that gives the follower the WeChat tags of their topics (on `pipeline`, a MULTI, if given)."""
    try:
        enqueue_maintenance(store, TAG_SYNC, openid, pipeline=pipeline)
    except Exception:  # the subscription itself is saved; the tags are synced again on the next change
        log.exception("could not queue the tag sync of follower %s", hash_openid(openid))


def apply_tag_sync(effect: Subscribe | Unsubscribe, target: Target, pipe: Any) -> None:
    """Applier of Subscribe / Unsubscribe: the tag-sync job rides on the reply's MULTI (bot.core.dedup)."""
    if effect.topic_ids:
        request_tag_sync(target.store, target.openid, pipeline=pipe)


def apply_forget(_: ForgetFollower, target: Target, pipe: Any) -> Callable[[list], None]:
    """Applier of ForgetFollower: close the sending window on the pipeline, then settle pending articles."""
    pipe.delete(target.store.keys.window(target.openid))
    pipe.zrem(target.store.keys.active, target.openid)

    def settle(_: list) -> None:  # an unfollow is rare: reading and settling the pending list may take a trip
        Ledger(target.store).cancel_pending(target.openid, reason="u")

    return settle


def forget_follower(store: Store, openid: str) -> None:
    """A follower WeChat says is gone: drop their subscriptions, pending articles and sending window."""

    def forget(_: object) -> None:
        subscriptions.unsubscribe_all(store, openid)  # WeChat forgets an unfollowed user's tags itself
        Ledger(store).cancel_pending(openid, reason="u")
        store.redis.delete(store.keys.window(openid))
        store.redis.zrem(store.keys.active, openid)

    store.safe(forget, None)
