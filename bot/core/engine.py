"""The engine: from a parsed message to a rendered reply, once per message, never an exception."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from wechatpy.messages import BaseMessage

from bot.core.dedup import Guard, ReplyCache, Writes, dedup_key
from bot.core.effects import Applier, Effect, Target
from bot.core.lists import read_pick
from bot.core.paging import paginate
from bot.core.reading import read_text
from bot.core.replies import NO_REPLY, Reply, TextReply
from bot.core.router import Context, Router
from bot.core.session import Session
from bot.infra.config import Config
from bot.infra.logs import message_context
from bot.infra.privacy import hash_openid
from bot.infra.store import Store
from bot.knowledge import Knowledge, KnowledgeHolder
from bot.knowledge.texts import Say

log = logging.getLogger(__name__)

# A hook run for every message answered (not for one whose handler raised): it queues commands on the pipeline
# that stores the reply and may return a callback that receives the results of exactly those commands.
InboundWrite = Callable[[Context, Target, Any], Callable[[list], None] | None]


class Renderer(Protocol):
    """What turns a Reply into the plaintext XML WeChat receives (the WeChat edge, `bot.wechat.protocol.Edge`).

    The engine renders once per message so that a retry gets identical bytes, but it does not know the wire
    format: the composition root hands it the edge.
    """

    def render(self, reply: Reply, message: BaseMessage) -> str: ...


@dataclass
class Handled:
    """One message after the chain: its context (session and evidence), the reply, the effects to apply."""

    ctx: Context
    reply: Reply
    effects: tuple[Effect, ...] = ()
    failed: bool = False


@dataclass
class Engine:
    """Config, store, knowledge, handler chain, effect appliers and reply renderer of one process."""

    config: Config
    store: Store
    knowledge: KnowledgeHolder
    router: Router
    edge: Renderer
    appliers: Mapping[type, Sequence[Applier]] = field(default_factory=dict)
    inbound_writes: list[InboundWrite] = field(default_factory=list)
    # The most answered entries lately (entry id → answers), read by the composition root's own means (cached).
    hot: Callable[[float], Mapping[str, int]] = field(default=lambda _now: {})
    replies: ReplyCache = field(init=False)

    def __post_init__(self) -> None:
        self.replies = ReplyCache(self.store)

    def respond(self, message: BaseMessage, *, guard: Guard | None = None) -> str:
        """The rendered plaintext reply for `message`, computed once however often WeChat retries it.

        Two round trips to Redis of our own: the retry claim with the reads the handlers need (session, the
        follower's topics), then the rendered reply with every write the message causes. `guard` (the
        single-use signature check) rides on the first.
        """
        started = time.perf_counter()
        openid = str(message.source)
        keys = self.store.keys
        done: list[Handled] = []

        def produce(prefetched: list | None) -> tuple[str, Writes | None]:
            handled = self.handle_read(message, prefetched)
            done.append(handled)
            return self.edge.render(handled.reply, message), self.writes_for(handled)

        with message_context(msg_id=message.id, user=hash_openid(openid)):
            rendered = self.replies.once(
                dedup_key(self.store, message), produce, guard=guard,
                reads=(lambda pipe: pipe.hgetall(keys.session(openid)),
                       lambda pipe: pipe.smembers(keys.user_topics(openid))))
            # One INFO line per message, from the evidence; a retry answered from the cache has none.
            if log.isEnabledFor(logging.INFO):  # the summary is built only when someone reads it
                what = done[-1].ctx.evidence.summary() if done else "handler=- decision=retry entry=-"
                log.info("POST /wechat %s %s ms=%.1f", kind_of(message), what, (time.perf_counter() - started) * 1000)
        return rendered

    def answer(self, message: BaseMessage) -> Handled:
        """Handle one message without retry dedup: read what the handlers need, answer, apply the effects."""
        openid = str(message.source)
        keys = self.store.keys

        def read(r: Any) -> list:
            pipe = r.pipeline(transaction=False)
            pipe.hgetall(keys.session(openid))
            pipe.smembers(keys.user_topics(openid))
            return pipe.execute()

        handled = self.handle_read(message, self.store.safe(read, None) if self.store.usable() else None)
        writes = self.writes_for(handled)
        if writes is not None:

            def send(r: Any) -> None:
                pipe = writes.pipeline(r)
                after = writes.queue(pipe)
                after(pipe.execute() if len(pipe) else [])

            self.store.safe(send, None)
        return handled

    def handle_read(self, message: BaseMessage, read: list | None) -> Handled:
        """Handle `message` given what was read for it: [session hash, topic set], or None (Redis is down: no
        session, and the subscription commands say they are unavailable)."""
        openid = str(message.source)
        if read is None:
            return self.handle(message, session=Session(openid), topics=None)
        return self.handle(message, session=Session.from_hash(openid, read[0]),
                           topics=frozenset(m.decode() for m in read[1]))

    def handle(self, message: BaseMessage, *, session: Session, topics: frozenset[str] | None) -> Handled:
        """The text step, the handler chain, the session effects and pagination; never an exception."""
        return run_chain(self.router, self.context(message, session=session, topics=topics))

    def writes_for(self, handled: Handled) -> Writes | None:
        """Everything the message changes, queued on the pipeline that stores the reply (None: Redis is down)."""
        if handled.ctx.topics is None or not self.store.usable():
            return None
        ctx = handled.ctx
        target = Target(ctx.openid, self.store, ctx.now)
        steps: list[tuple[object, Callable[..., Any]]] = []
        for effect in handled.effects:
            appliers = self.appliers.get(type(effect), ())
            if not appliers:
                log.error("no applier for %r: the change is lost", effect)
            steps.extend((effect, applier) for applier in appliers)
        if not handled.failed:
            steps.extend((None, hook) for hook in self.inbound_writes)

        def queue(pipe: Any) -> Callable[[list], None]:
            ctx.session.queue_save(pipe, self.store)
            callbacks = []
            for effect, step in steps:
                start = len(pipe)
                try:
                    after = step(ctx, target, pipe) if effect is None else step(effect, target, pipe)
                except Exception:
                    log.exception("%r failed to queue its writes", step)
                    continue
                if after is not None:
                    callbacks.append((step, start, len(pipe), after))

            def done(results: list) -> None:
                for step, start, end, after in callbacks:
                    try:
                        after(results[start:end])
                    except Exception:  # the reply is rendered and stored: one write's follow-up must not lose it
                        log.exception("%r failed after the write", step)

            return done

        # A message that changes lasting state (subscriptions, the unanswered log, an unfollow) writes it in one
        # MULTI/EXEC with its reply; a plain answer needs no transaction.
        return Writes(queue, atomic=any(effect.lasting for effect in handled.effects))

    def context(self, message: BaseMessage, *, session: Session, topics: frozenset[str] | None) -> Context:
        """The Context for one message with the current knowledge."""
        now = time.time()
        return context_for(message, self.knowledge.current, self.config, session=session, topics=topics, now=now,
                           hot=self.hot(now))

    def health(self) -> dict:
        """What /healthz reports: status words only (it is public; knowledge problems go to the log and the CLI)."""
        redis_ok = self.store.ping()
        knowledge = self.knowledge.current
        stale = self.knowledge.health()
        body = {
            "status": "ok" if redis_ok and not stale else "degraded",
            "redis": "ok" if redis_ok else "down",
            "knowledge_version": knowledge.version,
            **stale,
        }
        return body


def context_for(message: BaseMessage, knowledge: Knowledge, config: Config, *, session: Session,
                topics: frozenset[str] | None, now: float | None = None,
                hot: Mapping[str, int] | None = None) -> Context:
    """The Context for one message: its text read (the step before the chain), the session and topics as read.

    A message that picks an option of the latest list (its number, or the option's text a tap sends) reads as the
    option's text, so that picking does exactly what typing the option does.
    """
    said = read_text(message, knowledge)
    moment = time.time() if now is None else now
    pick = read_pick(said.text, session, moment, knowledge.conversation.settings.list_minutes)
    text = pick.option.text if pick is not None and pick.option is not None else said.text
    ctx = Context(message=message, openid=str(message.source), session=session, knowledge=knowledge,
                  config=config, text=text, now=moment, topics=topics, pick=pick, hot=dict(hot or {}))
    ctx.evidence.voice, ctx.evidence.menu_key = said.voice, said.menu_key
    if pick is not None and pick.option is not None:
        ctx.evidence.choice = pick.number
    return ctx


def run_chain(router: Router, ctx: Context) -> Handled:
    """The handler chain, its session effects and pagination, as the engine and `bot ask` run them.

    A handler that raises gives the follower the error text (nothing for an event), and every effect asked
    for on the way is dropped: a half-done change is not kept.
    """
    message = ctx.message
    try:
        outcome = router.dispatch(ctx)
        others = ctx.session.apply(outcome.effects)
        reply = paginate(outcome.reply or NO_REPLY, ctx)
    except Exception:
        # The record itself names the message, for any handler (the openid hashed: it is personal data).
        log.exception("handler failed for MsgId=%s user=%s (%s)", message.id, hash_openid(ctx.openid),
                      kind_of(message))
        ctx.evidence.handler = "error"
        ctx.session.discard()
        text = TextReply(ctx.knowledge.text(Say.error)) if message.type != "event" else NO_REPLY
        return Handled(ctx, text, failed=True)
    return Handled(ctx, reply, others)


def kind_of(message: BaseMessage) -> str:
    """`text`, `voice`… or `event:subscribe`, `event:CLICK`… for a log line."""
    return f"event:{getattr(message, 'event', '')}" if message.type == "event" else str(message.type)
