"""Exact commands: help, menu, and 「更多」 for the next page of a long answer."""
from __future__ import annotations

import re

from bot.core.effects import PASS, Forget, Outcome, Remember, answer
from bot.core.lists import LIST_HERE, Option, numbered, offer, render_in
from bot.core.replies import TextReply
from bot.core.router import Context
from bot.knowledge import Knowledge
from bot.knowledge.texts import Say

HELP_WORDS = {"帮助", "菜单", "help", "?", "？", "功能", "你能做什么", "你会什么", "目录", "menu", "h"}
MORE_WORDS = {"更多", "下一页", "继续", "more", "next"}
_STRIP = re.compile(r"[\s。.!！~～…]+")


def command_word(text: str | None) -> str:
    """The message reduced to a possible command word."""
    return _STRIP.sub("", (text or "")).lower()


def handle(ctx: Context) -> Outcome:
    """帮助/菜单/help/? → help; 更多 → the next page kept in the session."""
    if ctx.text is None:
        return PASS
    word = command_word(ctx.text)
    if word in HELP_WORDS:
        return help_reply(ctx)
    if word in MORE_WORDS:
        pages = ctx.session.get("more") or []
        if not pages:
            return answer(TextReply(ctx.knowledge.text(Say.no_more)))
        page, rest = pages[0], pages[1:]
        # With pages left the engine adds the 「更多」 hint.
        return answer(TextReply(page), Remember("more", rest) if rest else Forget("more"))
    return PASS


def help_text(knowledge: Knowledge, *, tappable: bool) -> tuple[str, list[Option]]:
    """The 帮助 reply with its numbered topics (conversation.yaml), and those topics as options to pick."""
    topics = knowledge.conversation.help_topics
    labels = numbered([t.title for t in topics])
    options = [Option(t.title, label, t.entries) for t, label in zip(topics, labels, strict=True)]
    return render_in(knowledge.text(Say.help, topics=LIST_HERE), options, tappable=tappable), options


def help_reply(ctx: Context) -> Outcome:
    """The numbered help topics, the follower's latest list: a number lists that topic's questions."""
    text, options = help_text(ctx.knowledge, tappable=ctx.config.tappable_lists)
    return answer(TextReply(text), offer("help", options, ctx.now)) if options else answer(TextReply(text))
