"""The engine: from a parsed message to a rendered reply, once per message, never an exception."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from wechatpy.messages import BaseMessage

from bot.core.dedup import Guard, ReplyCache, dedup_key
from bot.core.evidence import summary
from bot.core.paging import paginate
from bot.core.replies import NO_REPLY, Reply, TextReply
from bot.core.router import Context, Router
from bot.core.session import Session
from bot.infra.config import Config
from bot.infra.logs import message_context
from bot.infra.privacy import hash_openid
from bot.infra.store import Store
from bot.knowledge import KnowledgeHolder
from bot.knowledge.texts import Say

log = logging.getLogger(__name__)

# A hook whose Redis work rides on the pipeline that stores the reply (no round trip of its own): it queues
# commands on the pipeline and may return a callback that receives the results of exactly those commands.
PipelinedHook = Callable[[Context, Any], Callable[[list], None] | None]
Writes = Callable[[Any], Callable[[list], None]]


class Renderer(Protocol):
    """What turns a Reply into the plaintext XML WeChat receives (the WeChat edge, `bot.wechat.protocol.Edge`).

    The engine renders once per message so that a retry gets identical bytes, but it does not know the wire
    format: the composition root hands it the edge.
    """

    def render(self, reply: Reply, message: BaseMessage) -> str: ...


@dataclass
class Engine:
    """Config, store, knowledge, handler chain and reply renderer of one process."""

    config: Config
    store: Store
    knowledge: KnowledgeHolder
    router: Router
    edge: Renderer
    replies: ReplyCache = field(init=False)
    inbound_writes: list[PipelinedHook] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.replies = ReplyCache(self.store)

    def respond(self, message: BaseMessage, *, guard: Guard | None = None) -> str:
        """The rendered plaintext reply for `message`, computed once however often WeChat retries it.

        Two round trips to Redis of our own: the retry claim with the session read, then the rendered reply
        with the session write. `guard` (the single-use signature check) rides on the first.
        """
        started = time.perf_counter()
        openid = str(message.source)
        session_key = self.store.keys.session(openid)
        traces: list[dict] = []

        def produce(prefetched: list | None) -> tuple[str, Writes | None]:
            session = Session.from_hash(openid, prefetched[0]) if prefetched else None
            ctx = self.context(message, session=session)
            traces.append(ctx.trace)
            reply = self.run(ctx)
            return self.edge.render(reply, message), self.writes_for(ctx)

        with message_context(msg_id=message.id, user=hash_openid(openid)):
            rendered = self.replies.once(dedup_key(self.store, message), produce,
                                         reads=(lambda pipe: pipe.hgetall(session_key),), guard=guard)
            # One INFO line per message, from what the handlers recorded; a retry answered from the cache has none.
            if log.isEnabledFor(logging.INFO):  # the summary is built only when someone reads it
                what = summary(traces[-1]) if traces else "handler=- decision=retry entry=-"
                log.info("POST /wechat %s %s ms=%.1f", kind_of(message), what, (time.perf_counter() - started) * 1000)
        return rendered

    def answer(self, message: BaseMessage, *, trace: dict | None = None) -> Reply:
        """Run the handler chain and save the session (no retry dedup); the error text when a handler raises."""
        ctx = self.context(message)
        if trace is not None:
            ctx.trace = trace
        reply = self.run(ctx)
        writes = self.writes_for(ctx)
        if writes is not None:

            def send(r: Any) -> None:
                pipe = r.pipeline(transaction=False)
                done = writes(pipe)
                done(pipe.execute() if len(pipe) else [])

            self.store.safe(send, None)
        return reply

    def writes_for(self, ctx: Context) -> Writes | None:
        """What goes to Redis with the reply: the session when changed, and the pipelined hooks' commands."""
        if ctx.store is None:
            return None
        hooks = [] if ctx.trace.get("handler") == "error" else self.inbound_writes

        def queue(pipe: Any) -> Callable[[list], None]:
            ctx.session.queue_save(pipe, self.store)
            callbacks = []
            for hook in hooks:
                start = len(pipe)
                try:
                    after = hook(ctx, pipe)
                except Exception:
                    log.exception("inbound hook %r failed", hook)
                    continue
                if after is not None:
                    callbacks.append((hook, start, len(pipe), after))

            def done(results: list) -> None:
                for hook, start, end, after in callbacks:
                    try:
                        after(results[start:end])
                    except Exception:  # the reply is rendered and stored: a hook must not lose it
                        log.exception("inbound hook %r failed after the write", hook)

            return done

        return queue

    def run(self, ctx: Context) -> Reply:
        """Handlers, then pagination; a handler that raises gives the follower the error text."""
        message = ctx.message
        try:
            reply = self.router.dispatch(ctx) or NO_REPLY
            reply = self.paginate(reply, ctx)
        except Exception:
            # The record itself names the message, for any handler (the openid hashed: it is personal data).
            log.exception("handler failed for MsgId=%s user=%s (%s)", message.id, hash_openid(ctx.openid),
                          kind_of(message))
            ctx.trace["handler"] = "error"
            ctx.session.dirty = False  # a half-done change is not kept
            return TextReply(ctx.knowledge.text(Say.error)) if message.type != "event" else NO_REPLY
        return reply

    def context(self, message: BaseMessage, *, session: Session | None = None) -> Context:
        """The Context for one message; `session` when already read from Redis."""
        store = self.store if self.store.usable() else None
        openid = str(message.source)
        return Context(
            message=message,
            openid=openid,
            session=session if session is not None and store is not None else Session.load(store, openid),
            knowledge=self.knowledge.current,
            store=store,
            config=self.config,
            now=time.time(),
        )

    def paginate(self, reply: Reply, ctx: Context) -> Reply:
        """Keep a text reply under WeChat's limit; see `paginate`."""
        return paginate(reply, ctx)

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


def kind_of(message: BaseMessage) -> str:
    """`text`, `voice`… or `event:subscribe`, `event:CLICK`… for a log line."""
    return f"event:{getattr(message, 'event', '')}" if message.type == "event" else str(message.type)
