"""Exact rules before fuzzy matching: a menu key naming an entry, a keyword or alias, a phrasing typed exactly."""
from __future__ import annotations

from bot.core.effects import PASS, Outcome
from bot.core.router import Context
from bot.matching import Decision
from handlers.faq import analysis_of, answer_reply, faq_for_question


def handle(ctx: Context) -> Outcome:
    """Answer when the message is exactly a keyword (question words around it allowed) or a phrasing."""
    faq = faq_for_question(ctx)
    if faq is None or ctx.text is None:
        return PASS
    if ctx.message.type == "event":
        entry = faq.get(ctx.text.strip())  # a menu button may name an entry id directly
        if entry is not None:
            ctx.evidence.decided("answer", rule="menu", score=1.0)
            return answer_reply(ctx, entry)
    analysis = analysis_of(faq, ctx.text)
    hit = faq.index.exact(analysis)
    entry = faq.get(hit.entry_id) if hit is not None else None
    if hit is None or entry is None:
        return PASS
    ctx.evidence.matcher(analysis, Decision("answer", hit.entry_id, 1.0, hit.rule))
    ctx.evidence.matched = hit.matched
    return answer_reply(ctx, entry)
