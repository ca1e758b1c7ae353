"""Message kinds: text and recognised voice go on to the question handlers; the rest get a polite word."""
from __future__ import annotations

from bot.core.effects import PASS, Outcome, answer
from bot.core.replies import NO_REPLY, TextReply
from bot.core.router import Context
from bot.knowledge.texts import Say

POLITE = {"image": Say.media, "video": Say.media, "shortvideo": Say.media, "file": Say.media,
          "location": Say.location, "link": Say.link}


def handle(ctx: Context) -> Outcome:
    """Answer every kind of message that carries no text (the text step has read typed and recognised text)."""
    kind = ctx.message.type
    if kind == "event" or ctx.text is not None:
        return PASS  # events have their own handler; a text goes on to the question handlers
    if kind == "voice":
        return answer(TextReply(ctx.knowledge.text(Say.voice_unrecognized)))
    if kind == "unknown" and str((getattr(ctx.message, "_data", {}) or {}).get("MsgType", "")).lower() == "event":
        return answer(NO_REPLY)  # an event type newer than wechatpy: nothing the follower asked, so nothing to say
    return answer(TextReply(ctx.knowledge.text(POLITE.get(kind, Say.unknown))))
