"""Long messages, clause by clause: a follower who writes several sentences usually asks one thing among
them, or several things. Each clause is matched like a message of its own; the one entry the clauses answer
is the reply, or a 您是想问 list of the entries they name, instead of a fallback for the whole.

Where a clause ends is data (`data/clauses.yaml`): punctuation and the connectives that start a new question.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).with_name("data") / "clauses.yaml"


@dataclass(frozen=True)
class Clauses:
    """How to cut a message: one pattern for every clause boundary."""

    boundary: re.Pattern[str]

    def split(self, text: str) -> list[str]:
        """The clauses of `text` that have words in them, in order."""
        parts = self.boundary.split(unicodedata.normalize("NFKC", text))
        return [p.strip() for p in parts if p and p.strip()]


def parse_clauses(raw: dict) -> Clauses:
    marks = unicodedata.normalize("NFKC", str(raw.get("marks") or ""))
    words = sorted((str(w) for w in raw.get("connectives") or ()), key=len, reverse=True)
    alternatives = [f"[{re.escape(marks)}]"] if marks else []
    alternatives += [re.escape(w) if not w.isascii() else rf"\b{re.escape(w)}\b" for w in words]
    return Clauses(re.compile("|".join(alternatives), re.IGNORECASE))


@lru_cache(maxsize=1)
def clauses() -> Clauses:
    """The boundaries shipped with the package (read once per process)."""
    return parse_clauses(yaml.safe_load(DATA.read_text(encoding="utf-8")) or {})
