"""The general questions no account answers (data/out_of_scope.yaml), beside each knowledge's own examples."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

GENERAL_FILE = Path(__file__).parent / "data" / "out_of_scope.yaml"


@lru_cache(maxsize=1)
def general_outside() -> tuple[str, ...]:
    """Every example of the package's file, in file order (kinds are for the people who read it)."""
    raw = yaml.safe_load(GENERAL_FILE.read_text(encoding="utf-8")) or {}
    return tuple(str(q).strip() for questions in raw.values() for q in questions if str(q).strip())
