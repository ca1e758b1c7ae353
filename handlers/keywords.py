"""Exact rules before fuzzy matching: a menu key naming an entry, a keyword or alias, a phrasing typed exactly."""
from __future__ import annotations

from bot.core.replies import Reply
from bot.core.router import Context
from bot.matching import Decision
from handlers.faq import analysis_of, answer_reply, faq_for_question, record


def handle(ctx: Context) -> Reply | None:
    """Answer when the message is exactly a keyword (question words around it allowed) or a phrasing."""
    faq = faq_for_question(ctx)
    if faq is None:
        return None
    if ctx.message.type == "event":
        entry = faq.get(ctx.text.strip())  # a menu button may name an entry id directly
        if entry is not None:
            ctx.trace.update(decision="answer", rule="menu", score=1.0, suggestions=[])
            return answer_reply(ctx, entry)
    analysis = analysis_of(faq, ctx.text)
    hit = faq.index.exact(analysis)
    entry = faq.get(hit.entry_id) if hit is not None else None
    if hit is None or entry is None:
        return None
    record(ctx, analysis, Decision("answer", hit.entry_id, 1.0, hit.rule))
    ctx.trace["matched"] = hit.matched
    return answer_reply(ctx, entry)
