"""The step before the handler chain: what the follower said, as text, whatever kind of message carried it.

A typed message gives its content, a voice message WeChat's speech recognition, a menu click the text its
button says (menu.yaml), so that a click does exactly what typing its text does. Anything else has no text:
the chain's `messages` and `events` handlers answer it. The handlers never rewrite the text.
"""
from __future__ import annotations

from dataclasses import dataclass

from wechatpy.messages import BaseMessage

from bot.knowledge import Knowledge


@dataclass(frozen=True)
class Said:
    """The text of a message (None when it carries none), and how it came."""

    text: str | None
    voice: bool = False
    menu_key: str | None = None


def read_text(message: BaseMessage, knowledge: Knowledge) -> Said:
    """The text the handlers answer: typed, recognised from voice, or a known menu button's."""
    kind = message.type
    if kind == "text":
        return Said(str(getattr(message, "content", "") or ""))
    if kind == "voice":
        recognition = str(getattr(message, "recognition", "") or "").strip()
        return Said(recognition or None, voice=True)
    if kind == "event" and str(getattr(message, "event", "") or "").lower() == "click":
        key = str(getattr(message, "key", "") or "")
        return Said(knowledge.menu.keys.get(key) or None, menu_key=key)
    return Said(None)
