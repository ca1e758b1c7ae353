"""All Q&A out as CSV or Excel for proofreading, and back in: rows read, checked and compared with the files as a
diff before anything is written."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

from bot.knowledge import Knowledge
from bot.knowledge.faq_entries import FaqEntry

COLUMNS = ("id", "question", "similar", "answer", "topics", "file")
HEADINGS = {"id": "编号 id", "question": "问题 question", "similar": "相似问法 similar（每行一个）",
            "answer": "答案 answer", "topics": "话题 topics（逗号分隔）", "file": "文件 file"}
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024


class UploadError(ValueError):
    """The uploaded file cannot be read as a Q&A table (a sentence in Chinese)."""


def rows_of(knowledge: Knowledge) -> list[dict[str, str]]:
    faq = knowledge.faq
    entries: Iterable[FaqEntry] = faq.entries.values() if faq is not None else ()
    return [{"id": e.id, "question": e.question, "similar": "\n".join(p.text for p in e.similar),
             "answer": e.answer, "topics": ", ".join(e.topics), "file": e.file} for e in entries]


def to_csv(knowledge: Knowledge) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([HEADINGS[c] for c in COLUMNS])
    for row in rows_of(knowledge):
        writer.writerow([_safe_cell(row[c]) for c in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM: Excel opens UTF-8 CSV as UTF-8


def to_xlsx(knowledge: Knowledge) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "问答"
    sheet.append([HEADINGS[c] for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows_of(knowledge):
        sheet.append([_safe_cell(row[c]) for c in COLUMNS])
    for letter, width in zip("ABCDEF", (24, 36, 40, 60, 16, 28), strict=True):
        sheet.column_dimensions[letter].width = width
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _safe_cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (=, +, -, @ first)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _unsafe_cell(text: str) -> str:
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text


def read_upload(name: str, data: bytes) -> list[dict[str, str]]:
    """The rows of an uploaded .csv or .xlsx, by column, as text; UploadError when it is not such a table."""
    if len(data) > MAX_BYTES:
        raise UploadError(f"文件太大（超过 {MAX_BYTES // 1024 // 1024} MB）")
    lower = name.lower()
    if lower.endswith(".xlsx"):
        table = _xlsx_rows(data)
    elif lower.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UploadError("CSV 文件不是 UTF-8 编码：请在 Excel 里“另存为 CSV UTF-8”") from None
        table = list(csv.reader(io.StringIO(text)))
    else:
        raise UploadError("只能导入导出的 .csv 或 .xlsx 文件")
    if not table:
        raise UploadError("文件是空的")
    columns = [_column(h) for h in table[0]]
    if "id" not in columns:
        raise UploadError("第一行要有列名（编号 id、问题 question、相似问法 similar、答案 answer、话题 topics）："
                           "请用导出的文件修改后再导入")
    if len(table) - 1 > MAX_ROWS:
        raise UploadError(f"行数太多（超过 {MAX_ROWS} 行）")
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        row = {c: _unsafe_cell(str(v if v is not None else "").strip()) for c, v in zip(columns, cells, strict=False)
               if c}
        if not any(row.values()):
            continue
        row["_row"] = str(number)
        rows.append(row)
    return rows


def _xlsx_rows(data: bytes) -> list[list[object]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise UploadError("不是有效的 Excel (.xlsx) 文件") from None
    sheet = book.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _column(heading: object) -> str:
    text = str(heading or "").strip().lower()
    for column in COLUMNS:
        if text == column or text.endswith(" " + column) or column in text.split():
            return column
        if HEADINGS[column].lower() == text:
            return column
    return ""


@dataclass
class EntryDiff:
    """What an import changes in one entry (field → (before, after)), or a new entry."""

    id: str
    file: str
    row: str
    new: bool = False
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class ImportPlan:
    changes: list[EntryDiff]
    unchanged: int
    problems: list[str]  # rows refused before any check (no id, no file for a new entry…)
    missing: list[str]  # ids in the knowledge but not in the file: kept as they are


def split_list(text: str, *, topics: bool = False) -> list[str]:
    if topics:
        parts = text.replace("，", ",").replace("、", ",").replace("\n", ",").split(",")
    else:
        parts = text.splitlines()
    return [p.strip() for p in parts if p.strip()]


def plan_import(knowledge: Knowledge, rows: list[dict[str, str]], *, default_file: str) -> ImportPlan:
    """Compare the rows with the entries: the fields each changes, the new entries, the refused rows."""
    faq = knowledge.faq
    entries = faq.entries if faq is not None else {}
    changes: list[EntryDiff] = []
    problems: list[str] = []
    seen: set[str] = set()
    unchanged = 0
    for row in rows:
        entry_id = row.get("id", "")
        where = f"第 {row['_row']} 行"
        if not entry_id:
            problems.append(f"{where}：没有编号（id），这一行没有导入")
            continue
        if entry_id in seen:
            problems.append(f"{where}：编号 {entry_id} 在文件里出现了两次，这一行没有导入")
            continue
        seen.add(entry_id)
        entry = entries.get(entry_id)
        if entry is None:
            diff = EntryDiff(id=entry_id, file=row.get("file") or default_file, row=row["_row"], new=True)
            for name in ("question", "similar", "answer", "topics"):
                if row.get(name):
                    diff.fields[name] = ("", row[name])
            changes.append(diff)
            continue
        current = {"question": entry.question, "similar": "\n".join(p.text for p in entry.similar),
                   "answer": entry.answer, "topics": ", ".join(entry.topics)}
        diff = EntryDiff(id=entry_id, file=entry.file, row=row["_row"])
        for name, before in current.items():
            if name not in row:
                continue
            after = row[name]
            same = (split_list(after, topics=name == "topics") == split_list(before, topics=name == "topics")
                    if name in ("similar", "topics") else after.strip() == before.strip())
            if not same:
                diff.fields[name] = (before, after)
        if diff.fields:
            changes.append(diff)
        else:
            unchanged += 1
    missing = [i for i in entries if i not in seen]
    return ImportPlan(changes=changes, unchanged=unchanged, problems=problems, missing=missing)
