"""The follower picks from the latest numbered list: by number ("2", "第二个") or by tapping an option.

The text step (bot.core.lists.read_pick) has already turned the pick into the option's text; this handler answers
an option that stands for entries (one: its answer; several, a 帮助 topic: their list), says so when the number is
not on the list or there is no list, and lets any other option (订阅 旅游) go on down the chain as typed text.
"""
from __future__ import annotations

from bot.core.effects import PASS, Outcome, answer
from bot.core.replies import TextReply
from bot.core.router import Context
from bot.followers.effects import LogPicked
from bot.knowledge.texts import Say
from handlers.faq import answer_reply, faq_of, suggestion_reply


def handle(ctx: Context) -> Outcome:
    """Answer the picked option; a number with nothing to pick from gets a short hint, never the fallback."""
    pick = ctx.pick
    if pick is None or ctx.text is None:
        return PASS
    if pick.option is None:
        if pick.count:
            ctx.evidence.decided("choice_invalid")
            return answer(TextReply(ctx.knowledge.text(Say.choice_invalid, count=pick.count)))
        ctx.evidence.decided("choice_no_list")
        return answer(TextReply(ctx.knowledge.text(Say.no_list)))
    faq = faq_of(ctx)
    if faq is None:
        return PASS
    entries = [e for e in pick.option.entries if faq.get(e) is not None]
    if len(pick.option.entries) == 1 and entries:
        ctx.evidence.decided("answer", rule="choice", score=1.0)
        picked = answer_reply(ctx, faq.get(entries[0]))
        if pick.kind != "suggest" or not pick.asked:
            return picked
        return Outcome(picked.reply, (*picked.effects, LogPicked(pick.asked)))
    if len(entries) > 1:
        ctx.evidence.decided("suggest", rule="help_topic", suggestions=entries)
        return suggestion_reply(ctx, faq, entries, kind="help_topic",
                                intro=ctx.knowledge.text(Say.help_topic_intro, title=pick.option.text))
    return PASS  # an option that is a command (订阅 旅游), or whose entries left the knowledge: read as typed
