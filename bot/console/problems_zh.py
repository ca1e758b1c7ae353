"""`bot kb check`'s problems in Chinese for the console, from the table in data/problems_zh.yaml."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

from bot.knowledge import Problem

TABLE = Path(__file__).parent / "data" / "problems_zh.yaml"
SEVERITY = {"error": "错误", "warning": "提醒"}


@cache
def _rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    rows = yaml.safe_load(TABLE.read_text(encoding="utf-8")) or []
    return tuple((re.compile(row["pattern"]), row["zh"]) for row in rows)


def in_chinese(message: str) -> str:
    """The message in Chinese when the table knows it, else as it is."""
    for pattern, zh in _rules():
        found = pattern.search(message)
        if found:
            return zh.format(**{k: v or "" for k, v in found.groupdict().items()})
    return message


def located(problem: Problem) -> str:
    """'knowledge/faq/jet.yaml:12: 错误：…' for a staff member."""
    return f"{problem.file}:{problem.line}: {SEVERITY.get(problem.severity, problem.severity)}：" \
           f"{in_chinese(problem.message)}"
