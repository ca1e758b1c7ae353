"""The follower answers a 您是想问 list with its number: "2" gets the answer of the second question."""
from __future__ import annotations

import re
import unicodedata

from bot.core.replies import Reply, TextReply
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


def handle(ctx: Context) -> Reply | None:
    """Answer the picked entry; a message that is not a number drops the list and is handled as usual."""
    pending = ctx.session.get("choices")
    if ctx.text is None or not pending:
        return None
    number = choice_number(ctx.text)
    if number is None:
        ctx.session.pop("choices")
        return None
    if not 1 <= number <= len(pending):
        ctx.trace.update(decision="choice_invalid", suggestions=list(pending))
        return TextReply(ctx.knowledge.text(Say.choice_invalid, count=len(pending)))
    ctx.session.pop("choices")
    faq = faq_of(ctx)
    entry = faq.get(pending[number - 1]) if faq is not None else None
    if entry is None:
        return None  # the entry left the knowledge since the list was shown: treat the message as new
    ctx.trace.update(decision="answer", rule="choice", score=1.0, suggestions=[], choice=number)
    return answer_reply(ctx, entry)
