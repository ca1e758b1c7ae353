"""How much a knowledge file may hold (the BOT_KNOWLEDGE_* variables); part of the configuration."""
from __future__ import annotations

from dataclasses import dataclass, fields

from bot.infra.env_reader import EnvReader


@dataclass(frozen=True)
class ReadLimits:
    """Caps on what one load reads; far above what staff write (the whole real folder is ~200 KB)."""

    max_file_bytes: int = 1_000_000  # per file: the largest real FAQ file is ~28 KB
    max_nodes: int = 100_000  # YAML values per file (the largest real file has ~450)
    max_depth: int = 32  # nesting levels per YAML file (staff files use 3)
    max_entries: int = 5_000  # FAQ entries in the whole folder (the real one has ~100)

    @classmethod
    def read(cls, reader: EnvReader) -> ReadLimits:
        """The caps, each overridable by BOT_KNOWLEDGE_<NAME> (e.g. BOT_KNOWLEDGE_MAX_FILE_BYTES)."""
        return cls(**{item.name: reader.whole(f"BOT_KNOWLEDGE_{item.name.upper()}", item.default)  # type: ignore[arg-type]
                      for item in fields(cls)})
