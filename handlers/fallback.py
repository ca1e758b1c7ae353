"""Last in the chain: say what the bot can help with, and log the question for staff; questions in a row that it
cannot answer bring a person in (handlers/person.py)."""
from __future__ import annotations

from bot.core.effects import Forget, Outcome, Remember, answer
from bot.core.lists import offer, render
from bot.core.replies import NO_REPLY, TextReply
from bot.core.router import Context
from bot.followers.effects import LogUnanswered
from bot.knowledge.texts import Say
from handlers.faq import hot_options
from handlers.person import MISSES, handoff


def handle(ctx: Context) -> Outcome:
    """Always answers: the fallback text for a question, nothing for anything else."""
    if ctx.text is None:
        return answer(NO_REPLY)
    if not ctx.text.strip():
        return answer(TextReply(ctx.knowledge.text(Say.empty_text)))
    ctx.evidence.unanswered = True
    logged = LogUnanswered(ctx.text, ctx.evidence.score)
    misses = int(ctx.session.get(MISSES) or 0) + 1
    conversation = ctx.knowledge.conversation
    reachable = ctx.config.customer_service or bool(conversation.contact_entry)  # someone to bring in
    if reachable and misses >= conversation.settings.fallbacks_before_person:
        return handoff(ctx, "misses", logged, Forget(MISSES), said=Say.person_misses)
    hot = hot_options(ctx)
    if not hot:
        return answer(TextReply(ctx.knowledge.text(Say.fallback)), logged, Remember(MISSES, misses))
    text = render([ctx.knowledge.text(Say.fallback), ctx.knowledge.text(Say.hot_intro)], hot, [],
                  tappable=ctx.config.tappable_lists)
    return answer(TextReply(text), logged, Remember(MISSES, misses), offer("hot", hot, ctx.now))
