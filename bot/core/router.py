"""The Context a handler sees and the ordered chain that turns a message into a Reply."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from wechatpy.messages import BaseMessage

from bot.core.replies import Reply
from bot.core.session import Session
from bot.infra.config import Config
from bot.infra.store import Store
from bot.knowledge import Knowledge

log = logging.getLogger(__name__)


@dataclass
class Context:
    """Everything a handler may read or change for one inbound message."""

    message: BaseMessage
    openid: str
    session: Session
    knowledge: Knowledge
    store: Store | None
    config: Config
    text: str | None = None
    now: float = field(default_factory=time.time)
    trace: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """`text`, `voice`, `image`…, or `event:subscribe`, `event:click`…"""
        if self.message.type == "event":
            return f"event:{getattr(self.message, 'event', '')}"
        return self.message.type


Handler = Callable[[Context], Reply | None]


class Router:
    """Ask each handler in order; the first Reply wins."""

    def __init__(self, handlers: Sequence[Handler]) -> None:
        self.handlers = list(handlers)

    def dispatch(self, ctx: Context) -> Reply | None:
        """The first handler's Reply (its name recorded in ctx.trace['handler']), or None."""
        for handler in self.handlers:
            reply = handler(ctx)
            if reply is not None:
                ctx.trace.setdefault("handler", handler_name(handler))
                return reply
        return None


def handler_name(handler: Handler) -> str:
    module = getattr(handler, "__module__", "") or ""
    return module.rsplit(".", 1)[-1] or getattr(handler, "__name__", repr(handler))
