"""Read `knowledge/` into one immutable Knowledge object, or say file:line what is wrong."""
from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a knowledge file, located for a staff member."""

    file: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge folder cannot be loaded; `problems` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


REQUIRED_TEXTS = ("welcome", "help", "fallback", "error", "voice_unrecognized", "media", "location",
                  "unknown", "more_hint", "no_more", "menu_unknown", "empty_text")


@dataclass(frozen=True)
class Knowledge:
    """One loaded, validated version of the knowledge folder."""

    version: str
    texts: Mapping[str, str]
    root: Path
    extras: Mapping[str, object] = field(default_factory=dict)

    def text(self, key: str, **values: object) -> str:
        """A user-visible sentence from replies.yaml, with {placeholders} filled."""
        raw = self.texts.get(key, "")
        return raw.format(**values).strip() if values else raw.strip()


def fingerprint(root: Path) -> str:
    """A short hash of every knowledge file's content: the knowledge version."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def read_yaml(path: Path, root: Path) -> tuple[object, list[Problem]]:
    """Parse one YAML file; a syntax error becomes a Problem with its line."""
    rel = str(path.relative_to(root.parent)) if root.parent in path.parents else str(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")), []
    except UnicodeDecodeError:
        return None, [Problem(rel, 1, "the file is not saved as UTF-8 (请用 UTF-8 编码保存)")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        what = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(rel, line, f"YAML syntax error: {what}")]


def load_texts(root: Path) -> tuple[dict[str, str], list[Problem]]:
    """replies.yaml: every fixed sentence the bot says."""
    path = root / "replies.yaml"
    rel = f"{root.name}/replies.yaml"
    if not path.exists():
        return {}, [Problem(rel, 1, "replies.yaml is missing")]
    data, problems = read_yaml(path, root)
    if problems:
        return {}, problems
    if not isinstance(data, dict):
        return {}, [Problem(rel, 1, "replies.yaml must be a list of name: text lines")]
    texts = {str(k): str(v) for k, v in data.items() if v is not None}
    for key in REQUIRED_TEXTS:
        if not texts.get(key, "").strip():
            problems.append(Problem(rel, 1, f"the text '{key}' is missing or empty"))
    return texts, problems


# A section reads one part of the folder. It gets what earlier sections loaded (to cross-check ids) and
# returns its value, stored in Knowledge.extras under its name, plus the problems it found.
SectionLoader = Callable[[Path, Mapping[str, object]], tuple[object, list[Problem]]]
SECTIONS: list[tuple[str, SectionLoader]] = []


def section(name: str) -> Callable[[SectionLoader], SectionLoader]:
    """Register a loader for one part of the knowledge folder (order of registration = load order)."""

    def register(fn: SectionLoader) -> SectionLoader:
        SECTIONS[:] = [(n, f) for n, f in SECTIONS if n != name] + [(name, fn)]
        return fn

    return register


def check_knowledge(root: Path, *, only: Collection[str] | None = None) -> tuple[Knowledge | None, list[Problem]]:
    """Load and validate everything (or the sections named in `only`, and replies.yaml); return the Knowledge
    (None when there are errors) and every problem."""
    from bot.knowledge import sections  # noqa: F401  (registers the built-in sections)

    root = Path(root)
    texts, problems = load_texts(root)
    extras: dict[str, object] = {}
    for name, loader in SECTIONS:
        if only is not None and name not in only:
            continue
        try:
            value, found = loader(root, extras)
        except Exception as exc:  # a bug in a section must not take the bot down: report it as a problem
            value, found = None, [Problem(root.name, 1, f"could not load {name}: {type(exc).__name__}: {exc}")]
        extras[name] = value
        problems.extend(found)
    if any(p.severity == "error" for p in problems):
        return None, problems
    return Knowledge(version=fingerprint(root), texts=texts, root=root, extras=extras), problems


def load_knowledge(root: Path, *, only: Collection[str] | None = None) -> Knowledge:
    """Load and validate the folder (or only some sections); raise KnowledgeError listing every error."""
    knowledge, problems = check_knowledge(root, only=only)
    if knowledge is None:
        raise KnowledgeError([p for p in problems if p.severity == "error"])
    return knowledge


def unknown_name(kind: str, name: str, known: Iterable[str]) -> str:
    """'unknown topic 'jett'' with the closest known names, for a staff member who mistyped one."""
    close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else f"see {kind}s.yaml for the ids"
    return f"unknown {kind} '{name}' ({hint})"
