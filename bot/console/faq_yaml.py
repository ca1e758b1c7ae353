"""Changing one FAQ file's text with ruamel.yaml's round trip: comments, order, quoting and layout kept; only the
entry touched changes."""
from __future__ import annotations

import io
import re
from collections.abc import Iterable

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import LiteralScalarString

_BLOCK_START = re.compile(r"(?:^\s*-|:)\s+[|>][-+0-9]*\s*(?:#.*)?$")


class FaqFileError(ValueError):
    """The file cannot be changed this way (said in Chinese for staff)."""


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long answer
    yaml.indent(mapping=2, sequence=4, offset=2)  # the knowledge files' layout: "  similar:\n    - …"
    return yaml


def _root_dedent(text: str) -> str:
    """ruamel indents a top-level list like a nested one; the files start their entries at column 0. Every line
    moves back two columns except comment lines, which ruamel writes where they were (block text is moved: a `#`
    inside an answer is text, not a comment)."""
    out = []
    block_parent: int | None = None  # indent of the `key: |` line whose text follows
    for line in text.splitlines(True):
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if block_parent is not None:
            if not stripped.strip() or indent > block_parent:
                out.append(line[2:] if line.startswith("  ") else line)
                continue
            block_parent = None
        if stripped.startswith("#") or not line.startswith("  "):
            out.append(line)
            continue
        out.append(line[2:])
        if _BLOCK_START.search(line):
            block_parent = indent
    return "".join(out)


def load_entries(text: str) -> CommentedSeq:
    try:
        data = _yaml().load(text)
    except YAMLError as exc:
        raise FaqFileError(f"文件不是有效的 YAML，请先修好它：{exc}") from None
    if data is None:
        data = CommentedSeq()
    if not isinstance(data, CommentedSeq):
        raise FaqFileError("这个文件不是条目列表（每条以 '- id: ...' 开头）")
    return data


def dump_entries(data: CommentedSeq) -> str:
    out = io.StringIO()
    _yaml().dump(data, out, transform=_root_dedent)
    return out.getvalue()


def find_entry(data: CommentedSeq, entry_id: str) -> CommentedMap:
    for item in data:
        if isinstance(item, CommentedMap) and str(item.get("id", "")).strip() == entry_id:
            return item
    raise FaqFileError(f"文件里找不到条目 {entry_id}（可能刚被别人改过，请刷新页面）")


def add_similar(text: str, entry_id: str, phrasings: Iterable[str]) -> str:
    """The file's text with the phrasings appended to the entry's `similar:` list (created when missing)."""
    data = load_entries(text)
    entry = find_entry(data, entry_id)
    similar = entry.get("similar")
    if similar is None:
        similar = CommentedSeq()
        keys = list(entry.keys())
        entry.insert(keys.index("question") + 1 if "question" in keys else len(keys), "similar", similar)
    if not isinstance(similar, list):
        raise FaqFileError(f"条目 {entry_id} 的 similar 不是列表，请先在文件里改正")
    for phrase in phrasings:
        similar.append(phrase)
    return dump_entries(data)


def add_entry(text: str, fields: dict[str, object]) -> str:
    """The file's text with a new entry at its end (id, question, similar, answer, topics, in that order)."""
    data = load_entries(text)
    entry = CommentedMap()
    for name in ("id", "question", "similar", "keywords", "answer", "topics", "source"):
        value = fields.get(name)
        if value in (None, "", [], ()):
            continue
        if isinstance(value, list | tuple):
            seq = CommentedSeq(list(value))
            if name == "topics":
                seq.fa.set_flow_style()
            entry[name] = seq
        elif name == "answer" and "\n" in str(value):
            entry[name] = LiteralScalarString(str(value).rstrip("\n") + "\n")
        else:
            entry[name] = value
    data.append(entry)
    out = dump_entries(data)
    return _blank_line_before_last(out, str(fields["id"]))


def set_fields(text: str, entry_id: str, changes: dict[str, object]) -> str:
    """The file's text with some fields of one entry replaced (an import): question, similar, answer, topics."""
    data = load_entries(text)
    entry = find_entry(data, entry_id)
    for name, value in changes.items():
        if isinstance(value, list | tuple):
            old = entry.get(name)
            seq = CommentedSeq(list(value))
            if isinstance(old, CommentedSeq) and old.fa.flow_style():
                seq.fa.set_flow_style()
            if value:
                entry[name] = seq
            elif name in entry:
                del entry[name]
        elif name == "answer" and "\n" in str(value):
            entry[name] = LiteralScalarString(str(value).rstrip("\n") + "\n")
        else:
            entry[name] = value
    return dump_entries(data)


def _blank_line_before_last(text: str, entry_id: str) -> str:
    """Entries are separated by one blank line: give the appended one its own."""
    marker = f"\n- id: {entry_id}\n"
    at = text.rfind(marker)
    if at <= 0 or text[:at].endswith("\n"):
        return text
    return text[:at] + "\n" + text[at:]
