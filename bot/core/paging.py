"""Long answers in pages: a text reply is kept under WeChat's 2,048-byte limit, the rest waits for 「更多」."""
from __future__ import annotations

import re
from dataclasses import replace

from bot.core.replies import NewsReply, Reply, TextReply
from bot.core.router import Context
from bot.knowledge.texts import Say

# WeChat cuts a passive text reply longer than this many UTF-8 bytes (PROTOCOL.md).
TEXT_LIMIT_BYTES = 2048
# Room left for the 「更多」 hint and the XML around the text.
PAGE_BYTES = TEXT_LIMIT_BYTES - 200


def paginate(reply: Reply, ctx: Context) -> Reply:
    """Keep a text reply under WeChat's limit and say when pages wait for 「更多」 (the one place that does).

    Handlers queue further pages of their answer in the session's "more"; a text longer than a page is split here
    and its overflow comes first. Pages left from an earlier answer are replaced only when a handler touched them.
    """
    queued = (ctx.session.get("more") or []) if "more" in ctx.session.changed else []
    hint = ctx.knowledge.text(Say.more_hint)
    if isinstance(reply, TextReply) and len(reply.content.encode()) > PAGE_BYTES:
        # Each page leaves room for "\n" + hint, so a 「更多」 reply is never split again (which lost pages).
        first, *rest = split_text(reply.content, PAGE_BYTES - len(hint.encode()) - 1)
        ctx.session.set("more", [*rest, *queued])
        return TextReply(f"{first}\n{hint}")
    if not queued:
        return reply
    if isinstance(reply, TextReply):
        return TextReply(f"{reply.content}\n{hint}")
    if isinstance(reply, NewsReply):
        return replace(reply, description=f"{reply.description}\n{hint}")
    return reply


_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")


def split_text(text: str, limit: int = TEXT_LIMIT_BYTES) -> list[str]:
    """Split `text` into pages of at most `limit` UTF-8 bytes, at sentence ends where possible."""
    if len(text.encode()) <= limit:
        return [text]
    pages: list[str] = []
    current = ""
    for piece in _SENTENCE_END.split(text):
        while len(piece.encode()) > limit:  # one sentence longer than a page: cut by characters
            head = _cut_bytes(piece, limit - len(current.encode()))
            if not head:
                pages.append(current)
                current = ""
                continue
            pages.append(current + head)
            current = ""
            piece = piece[len(head):]
        if len((current + piece).encode()) > limit:
            pages.append(current)
            current = piece
        else:
            current += piece
    if current:
        pages.append(current)
    return [p.strip() for p in pages if p.strip()]


def _cut_bytes(text: str, limit: int) -> str:
    out = []
    size = 0
    for ch in text:
        n = len(ch.encode())
        if size + n > limit:
            break
        out.append(ch)
        size += n
    return "".join(out)
