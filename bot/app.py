"""The composition root: the one place where a process's parts are made and wired together.

The web app (`webhooks.create_app`), the push worker, every `bot` command and the tests build through the
functions here; no other module assembles parts or imports the handler chain. Imports point one way:

    webhooks.py, bot.staff  →  bot.app  →  handlers  →  bot.core, bot.followers, bot.push
        →  bot.knowledge  →  bot.matching  →  bot.wechat, bot.infra
"""
from __future__ import annotations

import time
from collections.abc import Callable

from bot.core.effects import Applier
from bot.core.engine import Engine
from bot.core.router import Handler, Router
from bot.followers import feedback, handoffs, subscriptions, unanswered
from bot.followers.effects import (
    CountAnswer,
    ForgetFollower,
    LogFeedback,
    LogHandoff,
    LogListed,
    LogPicked,
    LogUnanswered,
    Notify,
    Subscribe,
    Unsubscribe,
)
from bot.followers.hot import HotQuestions, apply_count
from bot.followers.stats import queue_stats
from bot.infra.config import Config
from bot.infra.store import Keys, Store
from bot.knowledge import KnowledgeHolder
from bot.matching.encoder import keep_vectors_in
from bot.push import followers as push_followers
from bot.push.inbound import queue_inbound
from bot.push.notices import apply_notify
from bot.push.runtime import PUSH_SECTIONS, Runtime, worker_redis
from bot.wechat.protocol import Edge
from handlers import default_chain


def handler_chain() -> list[Handler]:
    """The handlers every message goes through, in order (see handlers/__init__.py)."""
    return default_chain()


def build_edge(config: Config) -> Edge:
    """The WeChat protocol edge for the configured account."""
    return Edge(token=config.token, app_id=config.app_id, aes_key=config.aes_key,
                replay_window=config.replay_window, mode=config.message_mode)


def effect_appliers() -> dict[type, tuple[Applier, ...]]:
    """Who carries out each kind of effect a handler may ask for, on the reply's pipeline, in this order."""
    return {
        Subscribe: (subscriptions.apply_change, push_followers.apply_tag_sync),
        Unsubscribe: (subscriptions.apply_change, push_followers.apply_tag_sync),
        ForgetFollower: (subscriptions.apply_forget, push_followers.apply_forget),
        LogUnanswered: (unanswered.apply_log,),
        LogListed: (unanswered.apply_listed,),
        LogPicked: (unanswered.apply_picked,),
        LogHandoff: (handoffs.apply_handoff,),
        LogFeedback: (feedback.apply_feedback,),
        Notify: (apply_notify,),
        CountAnswer: (apply_count,),
    }


def build_engine(config: Config, *, store: Store | None = None, edge: Edge | None = None) -> Engine:
    """The engine of a web process: Redis, hot-reloaded knowledge, the handler chain, the edge, the push hook."""
    store = store or Store.connect(config)
    keep_vectors_in(config.data_dir)  # a restart with the same knowledge embeds no phrasing again
    knowledge = KnowledgeHolder.for_config(config, background=True)
    return Engine(config=config, store=store, knowledge=knowledge, router=Router(handler_chain()),
                  edge=edge or build_edge(config), appliers=effect_appliers(),
                  inbound_writes=[queue_inbound, queue_stats],  # the push window; the day's counts
                  hot=HotQuestions(store))


def build_push_runtime(config: Config, *, store: Store | None = None,
                       clock: Callable[[], float] = time.time) -> Runtime:
    """What push jobs use in one process: its own Redis client (worker timeouts), the topics and articles."""
    base = store or Store.connect(config)
    own = Store(worker_redis(config, base), Keys(config.key_prefix), embedded=base.embedded)
    runtime = Runtime(config=config, store=own, settings=config.push,
                      knowledge=KnowledgeHolder.for_config(config, only=PUSH_SECTIONS), clock=clock)
    if store is None:
        runtime.keep_closing(base.redis)
    return runtime
