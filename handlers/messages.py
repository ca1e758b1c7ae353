"""Message kinds: text and recognised voice go on to the question handlers; the rest get a polite word."""
from __future__ import annotations

from bot.replies import NO_REPLY, Reply, TextReply
from bot.router import Context

POLITE = {"image": "media", "video": "media", "shortvideo": "media", "file": "media",
          "location": "location", "link": "link"}


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
            return TextReply(ctx.knowledge.text("voice_unrecognized"))
        ctx.text = recognition
        ctx.trace["voice"] = True
        return None
    if kind == "unknown" and str((getattr(ctx.message, "_data", {}) or {}).get("MsgType", "")).lower() == "event":
        return NO_REPLY  # an event type newer than wechatpy: nothing the follower asked, so nothing to say
    return TextReply(ctx.knowledge.text(POLITE.get(kind, "unknown")))
