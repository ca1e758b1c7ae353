"""The read caps in force during a knowledge load, so that a hostile or mistaken file cannot stall it.

The caps themselves are part of the configuration (bot.infra.knowledge_limits.ReadLimits, BOT_KNOWLEDGE_*)."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from bot.infra.knowledge_limits import ReadLimits

DEFAULT_LIMITS = ReadLimits()
_ACTIVE: ContextVar[ReadLimits] = ContextVar("knowledge_read_limits", default=DEFAULT_LIMITS)


def active_limits() -> ReadLimits:
    """The caps of the load running in this thread."""
    return _ACTIVE.get()


@contextlib.contextmanager
def reading_with(limits: ReadLimits | None) -> Iterator[ReadLimits]:
    """Apply `limits` to every read of the load run inside the block (this thread only)."""
    token = _ACTIVE.set(limits or DEFAULT_LIMITS)
    try:
        yield _ACTIVE.get()
    finally:
        _ACTIVE.reset(token)
