"""Reaching a person: 人工, 转人工, talk to a human (conversation.yaml), or questions in a row the bot could not answer.

When the account uses WeChat's customer-service system (WECHAT_CUSTOMER_SERVICE) the message is handed over there
(to WECHAT_KF_ACCOUNT when set) and the follower gets a customer-service message saying so; otherwise they get the
office's contact card. Either way the request is kept for staff (bot.followers.handoffs).
"""
from __future__ import annotations

from bot.core.effects import PASS, Effect, Forget, Outcome, answer, passing
from bot.core.replies import TextReply, TransferReply
from bot.core.router import Context
from bot.followers.effects import LogHandoff, Notify
from bot.knowledge.texts import ReplyText, Say
from handlers.faq import faq_of

# Session: how many questions in a row got the fallback (the fallback counts; any other reply drops it).
MISSES = "misses"


def contact_card(ctx: Context) -> str:
    """The office's contact card: the answer of conversation.yaml's contact_entry."""
    faq = faq_of(ctx)
    entry = faq.get(ctx.knowledge.conversation.contact_entry) if faq is not None else None
    return entry.answer.strip() if entry is not None else ""


def handoff(ctx: Context, why: str, *effects: Effect, said: ReplyText = Say.person_contact) -> Outcome:
    """Hand the follower to customer service, or give the contact card; the request is logged for staff."""
    text = ctx.text or ""
    ctx.evidence.decided("handoff", rule=why)
    if ctx.config.customer_service:
        return answer(TransferReply(ctx.config.kf_account), *effects, LogHandoff(why, "transfer", text),
                      Notify(ctx.knowledge.text(Say.person_transfer)))
    return answer(TextReply(ctx.knowledge.text(said, contact=contact_card(ctx))), *effects,
                  LogHandoff(why, "contact", text))


def handle(ctx: Context) -> Outcome:
    """Answer a request for a person; every other message drops the count of questions missed in a row."""
    if ctx.text is None:
        return PASS
    carried = (Forget(MISSES),) if ctx.session.get(MISSES) else ()
    if ctx.knowledge.conversation.request(ctx.text) == "person":
        return handoff(ctx, "asked", *carried)
    return passing(*carried)
