"""Exact commands: help, menu, and 「更多」 for the next page of a long answer."""
from __future__ import annotations

import re

from bot.core.effects import PASS, Forget, Outcome, Remember, answer
from bot.core.lists import LIST_HERE, Option, numbered, offer, render_in
from bot.core.replies import TextReply
from bot.core.router import Context
from bot.knowledge.texts import Say
from handlers.faq import hot_options

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


def help_text(ctx: Context) -> tuple[str, list[Option]]:
    """The 帮助 reply: the numbered help topics (conversation.yaml), then the hot questions numbered on; all of them
    as options to pick."""
    knowledge = ctx.knowledge
    topics = knowledge.conversation.help_topics
    labels = numbered([t.title for t in topics])
    options = [Option(t.title, label, t.entries) for t, label in zip(topics, labels, strict=True)]
    hot = hot_options(ctx, start=len(options) + 1)
    headings = {len(options): knowledge.text(Say.hot_intro)} if hot else None
    text = render_in(knowledge.text(Say.help, topics=LIST_HERE), [*options, *hot], tappable=ctx.config.tappable_lists,
                     headings=headings)
    return text, [*options, *hot]


def help_reply(ctx: Context) -> Outcome:
    """The numbered help topics and hot questions, the follower's latest list: a number lists or answers one."""
    text, options = help_text(ctx)
    return answer(TextReply(text), offer("help", options, ctx.now)) if options else answer(TextReply(text))
