"""The ordered handler chain: the first handler that returns a Reply answers the message."""
from __future__ import annotations

from bot.core.router import Handler
from handlers import (
    choices,
    commands,
    events,
    fallback,
    faq,
    feedback,
    followups,
    keywords,
    messages,
    person,
    smalltalk,
    subscriptions,
)


def default_chain() -> list[Handler]:
    """Fixed precedence: events → kinds → a person → 不对 → a pick from a list → commands → subscriptions →
    follow-ups → small talk → keyword → FAQ → fallback."""
    return [
        events.handle,
        messages.handle,
        person.handle,
        feedback.handle,
        choices.handle,
        commands.handle,
        subscriptions.handle,
        followups.handle,
        smalltalk.handle,
        keywords.handle,
        faq.handle,
        fallback.handle,
    ]
