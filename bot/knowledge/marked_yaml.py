"""The one YAML reader of the knowledge: values keep their line numbers (every message can say file:line), and a
file is read from the parser's events, so anchors/aliases (the "billion laughs" bomb), too many values and too deep
nesting are refused as they appear, before anything is built from them."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.knowledge.files import read_text, relative
from bot.knowledge.limits import active_limits
from bot.knowledge.problems import Problem

_NULL = "tag:yaml.org,2002:null"
_NULLS = {"", "~", "null", "Null", "NULL"}  # YAML 1.1's plain null words
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: 10x faster, same marks
NO_ALIASES = ("YAML anchors and aliases (& and *) are not allowed in knowledge files: write the text out in full "
              "(不能使用 & 和 * 引用，请直接写出内容)")


@dataclass(frozen=True)
class Marked:
    """A YAML value with the (1-based) line it starts on.

    Scalars stay text exactly as written (YAML's `yes`, `1.0` or `2019` are not turned into other types):
    staff write text, the bot reads text. Lists hold Marked items, mappings map str keys to Marked values.
    """

    value: object
    line: int

    @property
    def is_text(self) -> bool:
        return isinstance(self.value, str)

    def plain(self) -> object:
        """The value without line numbers: text, None, lists and dicts of those."""
        if isinstance(self.value, list):
            return [item.plain() for item in self.value]
        if isinstance(self.value, dict):
            return {key: item.plain() for key, item in self.value.items()}
        return self.value


class _Refused(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


@dataclass
class _Open:
    """A list or mapping whose end event has not come yet."""

    line: int
    items: list | dict
    key: tuple[str, int] | None = None  # a mapping's key waiting for its value
    bad_key: bool = False  # the pending key was not a plain word: drop its value


def read_marked(root: Path, path: Path) -> tuple[Marked | None, list[Problem]]:
    """Read one YAML file of the knowledge folder `root` into Marked values."""
    text, problems = read_text(root, path)
    if text is None:
        return None, problems
    return parse_marked(text, relative(root, path))


def read_needed(root: Path, path: Path) -> tuple[Marked | None, list[Problem]]:
    """read_marked for a file the bot needs: empty, skipped or unreadable is an error, and so is any error inside
    (the value is then None)."""
    data, problems = read_marked(root, path)
    if not any(p.severity == "error" for p in problems):
        if data is not None:
            return data, problems
        problems = [*problems, Problem(relative(root, path), 1, "the file is empty or cannot be read, and the bot "
                                                                "needs it (文件为空或无法读取)")]
    return None, problems


def parse_marked(text: str, rel: str, *, first_line: int = 1) -> tuple[Marked | None, list[Problem]]:
    """Parse YAML text (that starts on line `first_line` of its file); syntax errors and refused content become
    Problems with their line, and the value is None when the text is unusable."""
    problems: list[Problem] = []
    try:
        return _build(yaml.parse(text, Loader=_LOADER), rel, first_line, problems), problems
    except _Refused as refused:
        return None, [refused.problem]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        line = mark.line + first_line if mark else first_line
        return None, [Problem(rel, line, f"YAML syntax error: {what} (格式错误)")]


def _build(events, rel: str, first_line: int, problems: list[Problem]) -> Marked | None:
    limits = active_limits()
    stack: list[_Open] = []
    result: list[Marked] = []
    nodes = 0

    def line_of(event: yaml.Event) -> int:
        return event.start_mark.line + first_line

    def refuse(event: yaml.Event, message: str) -> _Refused:
        return _Refused(Problem(rel, line_of(event), message))

    def add(value: Marked) -> None:
        if not stack:
            result.append(value)
            return
        top = stack[-1]
        if isinstance(top.items, list):
            top.items.append(value)
        elif top.bad_key:
            top.bad_key = False
        elif top.key is None:  # a list or mapping used as a field name
            problems.append(Problem(rel, value.line, "a field name must be a plain word"))
            top.bad_key = True
        else:
            key, key_line = top.key
            top.key = None
            if key in top.items:
                problems.append(Problem(rel, key_line, f"the field '{key}' appears twice in this entry "
                                                       f"(first on line {top.items[key].line})"))
            else:
                top.items[key] = Marked(value.value, key_line)  # a field's line is where its name is written

    for event in events:
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise refuse(event, NO_ALIASES)
        if isinstance(event, yaml.DocumentStartEvent) and (result or nodes):
            raise refuse(event, "only one YAML document per file: remove the second '---' line (只能有一个 ---)")
        if not isinstance(event, yaml.NodeEvent | yaml.CollectionEndEvent):
            continue
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > limits.max_nodes:
                raise refuse(event, f"more than {limits.max_nodes:,} values in one file: split it into smaller "
                                    "files (内容太多，请拆分成几个文件)")
        if isinstance(event, yaml.ScalarEvent):
            top = stack[-1] if stack else None
            if top is not None and isinstance(top.items, dict) and top.key is None and not top.bad_key:
                top.key = (str(event.value), line_of(event))
                continue
            add(Marked(None if _is_null(event) else str(event.value), line_of(event)))
        elif isinstance(event, yaml.CollectionStartEvent):
            if len(stack) >= limits.max_depth:
                raise refuse(event, f"nested more than {limits.max_depth} levels deep (缩进层级太多)")
            stack.append(_Open(line_of(event), [] if isinstance(event, yaml.SequenceStartEvent) else {}))
        else:
            done = stack.pop()
            add(Marked(done.items, done.line))
    return result[0] if result else None


def _is_null(event: yaml.ScalarEvent) -> bool:
    if event.tag == _NULL:
        return True
    return event.tag in (None, "!") and bool(event.implicit[0]) and event.value in _NULLS
