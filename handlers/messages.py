"""Message kinds: text and recognised voice go on to the question handlers; the rest get a polite word."""
from __future__ import annotations

from bot.core.replies import NO_REPLY, Reply, TextReply
from bot.core.router import Context
from bot.knowledge.texts import Say

POLITE = {"image": Say.media, "video": Say.media, "shortvideo": Say.media, "file": Say.media,
          "location": Say.location, "link": Say.link}


def handle(ctx: Context) -> Reply | None:
    """Set ctx.text for text and voice; answer every other kind of message."""
    kind = ctx.message.type
    if kind == "event":
        return None  # a menu click that set ctx.text continues with the question handlers
    if kind == "text":
        ctx.text = str(getattr(ctx.message, "content", "") or "")
        return None
    if kind == "voice":
        recognition = str(getattr(ctx.message, "recognition", "") or "").strip()
        if not recognition:
            return TextReply(ctx.knowledge.text(Say.voice_unrecognized))
        ctx.text = recognition
        ctx.trace["voice"] = True
        return None
    if kind == "unknown" and str((getattr(ctx.message, "_data", {}) or {}).get("MsgType", "")).lower() == "event":
        return NO_REPLY  # an event type newer than wechatpy: nothing the follower asked, so nothing to say
    return TextReply(ctx.knowledge.text(POLITE.get(kind, Say.unknown)))
