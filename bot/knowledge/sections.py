"""The built-in sections of the knowledge folder, in load order (importing a module registers it)."""
# ruff: noqa: I001  (the order of the imports below is the load order: do not sort them)
from __future__ import annotations

from bot.knowledge import topics  # noqa: F401  (first: later sections check topic ids against it)
from bot.knowledge import faq  # noqa: F401  (after topics: entries name topic ids)
from bot.knowledge import articles  # noqa: F401
from bot.knowledge import menu  # noqa: F401  (after faq)
