"""Messages and Contexts for testing a handler alone: no webhook, no Redis, the real knowledge.

    ctx = context("订阅 旅游", knowledge, topics={"nagano"})
    outcome = subscriptions.handle(ctx)

The Context is made by the engine's own `context_for`, so the text step runs as it does for a real message.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wechatpy.events import ClickEvent, SubscribeEvent, UnsubscribeEvent
from wechatpy.messages import BaseMessage, ImageMessage, TextMessage, VoiceMessage

from bot.core.engine import context_for
from bot.core.router import Context
from bot.core.session import Session
from bot.infra.config import Config
from bot.knowledge import Knowledge
from handlers.commands import help_text

OPENID = "oFACTORY00000000000000000000"
_FIELDS = {"FromUserName": OPENID, "ToUserName": "gh_factory", "CreateTime": "1700000000"}


def text(content: str, *, msg_id: int = 1) -> TextMessage:
    return TextMessage({**_FIELDS, "MsgType": "text", "Content": content, "MsgId": str(msg_id)})


def voice(recognition: str, *, msg_id: int = 2) -> VoiceMessage:
    return VoiceMessage({**_FIELDS, "MsgType": "voice", "MediaId": "m1", "Format": "amr",
                         "Recognition": recognition, "MsgId": str(msg_id)})


def image(*, msg_id: int = 3) -> ImageMessage:
    return ImageMessage({**_FIELDS, "MsgType": "image", "PicUrl": "http://x.cn/p.jpg", "MediaId": "m2",
                         "MsgId": str(msg_id)})


def click(key: str) -> ClickEvent:
    return ClickEvent({**_FIELDS, "MsgType": "event", "Event": "CLICK", "EventKey": key})


def follow() -> SubscribeEvent:
    return SubscribeEvent({**_FIELDS, "MsgType": "event", "Event": "subscribe"})


def unfollow() -> UnsubscribeEvent:
    return UnsubscribeEvent({**_FIELDS, "MsgType": "event", "Event": "unsubscribe"})


def context(message: BaseMessage | str, knowledge: Knowledge, *, session: dict[str, Any] | None = None,
            topics: Iterable[str] | None = (), now: float = 1_700_000_000.0) -> Context:
    """The Context a handler gets for `message` (a text when given a string); `topics=None`: Redis unreadable."""
    if isinstance(message, str):
        message = text(message)
    config = Config(token="factory", app_id="wxfactory", knowledge_dir=knowledge.root)
    return context_for(message, knowledge, config, session=Session(OPENID, dict(session or {})),
                       topics=None if topics is None else frozenset(topics), now=now)


def help_reply(knowledge: Knowledge, *, hot: dict[str, int] | None = None) -> str:
    """What 帮助 answers with this knowledge (its topics tappable, as configured by default; no traffic counted)."""
    ctx = context("帮助", knowledge)
    ctx.hot = dict(hot or {})
    return help_text(ctx)[0]
