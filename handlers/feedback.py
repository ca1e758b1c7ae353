"""「不对」, 「没用」, 「答非所问」 right after an answer: the entry and question are logged for staff, and the follower
gets the other candidates of that question as a list, or the contact card when there were none."""
from __future__ import annotations

from bot.core.effects import PASS, Forget, Outcome, answer, passing
from bot.core.replies import TextReply
from bot.core.router import Context
from bot.followers.effects import LogFeedback
from bot.knowledge.texts import Say
from handlers.faq import ANSWERED, faq_of, suggestion_reply
from handlers.person import contact_card


def handle(ctx: Context) -> Outcome:
    """Take 不对 about the answer just given; any other message drops the record of that answer."""
    if ctx.text is None:
        return PASS
    last = ctx.session.get(ANSWERED)
    carried = (Forget(ANSWERED),) if last is not None else ()
    if ctx.knowledge.conversation.request(ctx.text) != "not_it":
        return passing(*carried)
    minutes = ctx.knowledge.conversation.settings.list_minutes
    if not isinstance(last, dict) or ctx.now - float(last.get("at") or 0) > minutes * 60:
        ctx.evidence.decided("feedback", rule="nothing")
        return answer(TextReply(ctx.knowledge.text(Say.not_it_nothing)), *carried)
    entry, question = str(last.get("entry") or ""), str(last.get("question") or "")
    logged = LogFeedback(entry, question, ctx.text)
    ctx.evidence.decided("feedback", rule="not_it", entry=entry)
    faq = faq_of(ctx)
    others = [i for i in last.get("others") or () if faq is not None and faq.get(str(i)) is not None]
    if faq is not None and others:
        listed = suggestion_reply(ctx, faq, others, intro=ctx.knowledge.text(Say.not_it_others), kind="not_it")
        return answer(listed.reply, *carried, logged, *listed.effects)
    return answer(TextReply(ctx.knowledge.text(Say.not_it_contact, contact=contact_card(ctx))), *carried, logged)
