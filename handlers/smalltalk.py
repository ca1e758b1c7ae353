"""Greetings, thanks, farewells, 在吗, 好的 and emoji: a short warm reply from knowledge/conversation.yaml.

Only a message made of small talk alone is answered here (never a list, never logged for staff); a greeting in
front of a question goes on to the question handlers, whose matcher drops the greeting.
"""
from __future__ import annotations

from bot.core.effects import PASS, Outcome, answer
from bot.core.replies import TextReply
from bot.core.router import Context
from bot.knowledge.conversation import is_blank
from bot.knowledge.texts import Say


def handle(ctx: Context) -> Outcome:
    """Answer small talk with one of its replies (they take turns); a blank message asks for a question."""
    if ctx.text is None:
        return PASS
    if is_blank(ctx.text):
        ctx.evidence.decided("smalltalk", rule="blank")
        return answer(TextReply(ctx.knowledge.text(Say.empty_text)))
    conversation = ctx.knowledge.conversation
    kind = conversation.smalltalk_kind(ctx.text)
    if kind is None:
        return PASS
    replies = conversation.smalltalk[kind].replies
    ctx.evidence.decided("smalltalk", rule=kind)
    return answer(TextReply(replies[int(ctx.now) % len(replies)]))
