"""The ordered handler chain: the first handler that returns a Reply answers the message."""
from __future__ import annotations

from bot.router import Handler
from handlers import commands, events, fallback, messages, subscriptions


def default_chain() -> list[Handler]:
    """Precedence, fixed and explainable: events → message kinds → commands → fallback."""
    return [
        events.handle,
        messages.handle,
        commands.handle,
        subscriptions.handle,
        fallback.handle,
    ]
