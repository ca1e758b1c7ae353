"""The console's few numbers, from data/console.yaml."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

FILE = Path(__file__).parent / "data" / "console.yaml"


@dataclass(frozen=True)
class Settings:
    near_duplicate: float
    inbox_days: int
    inbox_groups: int


@cache
def settings() -> Settings:
    raw = yaml.safe_load(FILE.read_text(encoding="utf-8")) or {}
    return Settings(near_duplicate=float(raw["near_duplicate"]), inbox_days=int(raw["inbox_days"]),
                    inbox_groups=int(raw["inbox_groups"]))
