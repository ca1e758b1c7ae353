"""The follower answers a 您是想问 list with its number: "2" gets the answer of the second question."""
from __future__ import annotations

import re
import unicodedata

from bot.core.effects import PASS, Forget, Outcome, answer, passing
from bot.core.replies import TextReply
from bot.core.router import Context
from bot.knowledge.texts import Say
from handlers.faq import answer_reply, faq_of

_CHOICE = re.compile(r"^(?:第|选|选择|no\.?)?([0-9]{1,2}|[一二三四五六七八九])(?:个|项|条|题|号)?$")
_NOISE = re.compile(r"[\s。.,，!！~～、:：)）(（\[\]【】]+")
_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def choice_number(text: str) -> int | None:
    """The number a follower picked ("2", "２", "②", "第2个", "选二"), or None for any other message."""
    word = _NOISE.sub("", unicodedata.normalize("NFKC", text).lower())
    match = _CHOICE.match(word)
    if not match:
        return None
    raw = match.group(1)
    return _CN[raw] if raw in _CN else int(raw)


def handle(ctx: Context) -> Outcome:
    """Answer the picked entry; a message that is not a number drops the list and is handled as usual."""
    pending = ctx.session.get("choices")
    if ctx.text is None or not pending:
        return PASS
    number = choice_number(ctx.text)
    if number is None:
        return passing(Forget("choices"))
    if not 1 <= number <= len(pending):
        ctx.evidence.decided("choice_invalid", suggestions=list(pending))
        return answer(TextReply(ctx.knowledge.text(Say.choice_invalid, count=len(pending))))
    faq = faq_of(ctx)
    entry = faq.get(pending[number - 1]) if faq is not None else None
    if entry is None:
        return passing(Forget("choices"))  # the entry left the knowledge since the list was shown: a new message
    ctx.evidence.decided("answer", rule="choice", score=1.0)
    ctx.evidence.choice = number
    picked = answer_reply(ctx, entry)
    return Outcome(picked.reply, (Forget("choices"), *picked.effects))
