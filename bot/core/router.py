"""The Context a handler sees and the ordered chain that turns a message into an Outcome."""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from wechatpy.messages import BaseMessage

from bot.core.effects import Effect, Outcome
from bot.core.evidence import Evidence
from bot.core.lists import Pick
from bot.core.session import Session
from bot.infra.config import Config
from bot.knowledge import Knowledge


@dataclass
class Context:
    """Everything a handler may read for one inbound message (it changes things only through effects).

    `session` and `topics` are as read from Redis before the chain ran; `topics` is None when Redis could not
    be read (the subscription commands then say so). `evidence` is the one thing handlers write to: what they
    found out, for the log and `bot ask`.
    """

    message: BaseMessage
    openid: str
    session: Session
    knowledge: Knowledge
    config: Config
    text: str | None = None
    now: float = field(default_factory=time.time)
    topics: frozenset[str] | None = None
    pick: Pick | None = None  # what the message picks from the latest list (its text is then the option's)
    hot: dict[str, int] = field(default_factory=dict)  # answers per entry over the last days (the hot questions)
    evidence: Evidence = field(default_factory=Evidence)

    @property
    def kind(self) -> str:
        """`text`, `voice`, `image`…, or `event:subscribe`, `event:click`…"""
        if self.message.type == "event":
            return f"event:{getattr(self.message, 'event', '')}"
        return self.message.type


Handler = Callable[[Context], Outcome]


class Router:
    """Ask each handler in order; the first Reply wins, and every handler's effects up to it are kept."""

    def __init__(self, handlers: Sequence[Handler]) -> None:
        self.handlers = list(handlers)

    def dispatch(self, ctx: Context) -> Outcome:
        """The first handler's reply (its name recorded in the evidence) with the effects asked for on the way."""
        effects: list[Effect] = []
        for handler in self.handlers:
            outcome = handler(ctx)
            effects.extend(outcome.effects)
            if outcome.reply is not None:
                ctx.evidence.handler = ctx.evidence.handler or handler_name(handler)
                return Outcome(outcome.reply, tuple(effects))
        return Outcome(None, tuple(effects))


def handler_name(handler: Handler) -> str:
    module = getattr(handler, "__module__", "") or ""
    return module.rsplit(".", 1)[-1] or getattr(handler, "__name__", repr(handler))
