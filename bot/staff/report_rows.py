"""The rows of `bot report unanswered`: one per group of similar questions, list nobody picked from, or entry
followers said was not it; printed, and written as CSV on request."""
from __future__ import annotations

import csv
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import click

from bot.knowledge import Knowledge
from bot.staff.conversation_records import Record, answered_now
from bot.staff.unanswered_report import Group

COLUMNS = ("section", "count", "askers", "last_asked", "best_score", "question", "answered_now", "entries",
           "variants")


def _time(moment: float) -> str:
    return datetime.fromtimestamp(moment).strftime("%Y-%m-%d %H:%M")


def report_rows(groups: list[Group], lists: list[Group], said_not_it: list[Record],
                knowledge: Knowledge | None) -> list[dict]:
    """Every row of the report, sections in order: unanswered, list, not_it."""
    rows = []
    for section, part in (("unanswered", groups), ("list", lists)):
        for group in part:
            rows.append({"section": section, "count": group.count, "askers": group.askers,
                         "last_asked": _time(group.last), "best_score": f"{group.best_score:.2f}",
                         "question": group.example, "answered_now": answered_now(group.example, knowledge),
                         "entries": "", "variants": group.variants})
    by_entry: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for record in said_not_it:
        by_entry[(record["e"], record["q"])].append(record)
    for (entry, question), records in sorted(by_entry.items(), key=lambda item: -len(item[1])):
        now = answered_now(question, knowledge)
        rows.append({"section": "not_it", "count": len(records), "askers": len({r["u"] for r in records}),
                     "last_asked": _time(max(r.when for r in records)), "best_score": "", "question": question,
                     "answered_now": now if now != entry else "", "entries": entry, "variants": []})
    return rows


def write_csv(path: Path, rows: list[dict]) -> None:
    """The rows as CSV with a header (UTF-8 with a BOM, so Excel shows the Chinese); a write failure is a sentence."""
    try:
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            for row in rows:
                writer.writerow({**row, "variants": " | ".join(row["variants"])})
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from exc
