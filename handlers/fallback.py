"""Last in the chain: say what the bot can help with, and log the question for staff."""
from __future__ import annotations

from bot.core.replies import NO_REPLY, Reply, TextReply
from bot.core.router import Context
from bot.followers import unanswered
from bot.knowledge.texts import Say


def handle(ctx: Context) -> Reply | None:
    """Always answers: the fallback text for a question, nothing for anything else."""
    if ctx.text is None:
        return NO_REPLY
    if not ctx.text.strip():
        return TextReply(ctx.knowledge.text(Say.empty_text))
    unanswered.record(ctx.store, openid=ctx.openid, text=ctx.text,
                      score=float(ctx.trace.get("score") or 0.0), now=ctx.now)
    ctx.trace["unanswered"] = True
    return TextReply(ctx.knowledge.text(Say.fallback))
