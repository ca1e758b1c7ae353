"""How much a knowledge file may hold: the caps that keep a hostile or mistaken file from stalling a load."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, fields

from bot.infra.config import ConfigError


@dataclass(frozen=True)
class ReadLimits:
    """Caps on what one load reads; far above what staff write (the whole real folder is ~200 KB)."""

    max_file_bytes: int = 1_000_000  # per file: the largest real FAQ file is ~28 KB
    max_nodes: int = 100_000  # YAML values per file (the largest real file has ~450)
    max_depth: int = 32  # nesting levels per YAML file (staff files use 3)
    max_entries: int = 5_000  # FAQ entries in the whole folder (the real one has ~100)

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> ReadLimits:
        """The caps, each overridable by BOT_KNOWLEDGE_<NAME> (e.g. BOT_KNOWLEDGE_MAX_FILE_BYTES)."""
        values = {}
        for item in fields(cls):
            name = f"BOT_KNOWLEDGE_{item.name.upper()}"
            raw = (settings.get(name) or "").strip()
            if not raw:
                continue
            if not raw.isdigit() or int(raw) <= 0:
                raise ConfigError(f"{name} must be a positive whole number, not {raw!r}")
            values[item.name] = int(raw)
        return cls(**values)


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
