"""Last in the chain: say what the bot can help with, and log the question for staff."""
from __future__ import annotations

from bot.core.effects import Outcome, answer
from bot.core.replies import NO_REPLY, TextReply
from bot.core.router import Context
from bot.followers.effects import LogUnanswered
from bot.knowledge.texts import Say


def handle(ctx: Context) -> Outcome:
    """Always answers: the fallback text for a question, nothing for anything else."""
    if ctx.text is None:
        return answer(NO_REPLY)
    if not ctx.text.strip():
        return answer(TextReply(ctx.knowledge.text(Say.empty_text)))
    ctx.evidence.unanswered = True
    return answer(TextReply(ctx.knowledge.text(Say.fallback)), LogUnanswered(ctx.text, ctx.evidence.score))
