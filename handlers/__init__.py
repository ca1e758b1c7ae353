"""The ordered handler chain: the first handler that returns a Reply answers the message."""
from __future__ import annotations

from bot.core.router import Handler
from handlers import choices, commands, events, fallback, faq, keywords, messages, smalltalk, subscriptions


def default_chain() -> list[Handler]:
    """Fixed precedence: events → kinds → pending choice → commands → subscriptions → small talk → keyword → FAQ
    → fallback."""
    return [
        events.handle,
        messages.handle,
        choices.handle,
        commands.handle,
        subscriptions.handle,
        smalltalk.handle,
        keywords.handle,
        faq.handle,
        fallback.handle,
    ]
