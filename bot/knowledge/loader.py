"""Read `knowledge/` into one immutable Knowledge object, or say file:line what is wrong."""
from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge.files import fingerprint, list_folder, relative, skipped_problems
from bot.knowledge.limits import ReadLimits, reading_with
from bot.knowledge.marked_yaml import read_needed
from bot.knowledge.problems import KnowledgeError, Problem

__all__ = ["Knowledge", "KnowledgeError", "Problem", "check_knowledge", "load_knowledge", "section"]


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


def load_texts(root: Path) -> tuple[dict[str, str], list[Problem]]:
    """replies.yaml: every fixed sentence the bot says."""
    path = root / "replies.yaml"
    rel = relative(root, path)
    if not path.exists() and not path.is_symlink():
        return {}, [Problem(rel, 1, "replies.yaml is missing")]
    data, problems = read_needed(root, path)
    if data is None:
        return {}, problems
    if not isinstance(data.value, dict):
        return {}, [Problem(rel, data.line, "replies.yaml must be a list of name: text lines")]
    texts = {key: str(value) for key, value in data.plain().items() if value is not None}
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


def check_knowledge(root: Path, *, only: Collection[str] | None = None,
                    limits: ReadLimits | None = None) -> tuple[Knowledge | None, list[Problem]]:
    """Load and validate everything (or the sections named in `only`, and replies.yaml); return the Knowledge
    (None when there are errors) and every problem."""
    from bot.knowledge import sections  # noqa: F401  (registers the built-in sections)

    root = Path(root)
    with reading_with(limits):
        listing = list_folder(root)
        before = fingerprint(root, listing)
        problems = skipped_problems(root, listing)
        texts, found = load_texts(root)
        problems.extend(found)
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
        version = fingerprint(root)
    problems = list(dict.fromkeys(problems))  # a skipped file is named once, however many readers met it
    if version != before:  # saved while being read: what was read may be half old, half new
        problems.append(Problem(root.name, 1, "the files changed while they were being checked: check again "
                                              "(检查期间文件有改动，请再检查一次)"))
    if any(p.severity == "error" for p in problems):
        return None, problems
    return Knowledge(version=version, texts=texts, root=root, extras=extras), problems


def load_knowledge(root: Path, *, only: Collection[str] | None = None, limits: ReadLimits | None = None) -> Knowledge:
    """Load and validate the folder (or only some sections); raise KnowledgeError listing every error."""
    knowledge, problems = check_knowledge(root, only=only, limits=limits)
    if knowledge is None:
        raise KnowledgeError([p for p in problems if p.severity == "error"])
    return knowledge


def unknown_name(kind: str, name: str, known: Iterable[str]) -> str:
    """'unknown topic 'jett'' with the closest known names, for a staff member who mistyped one."""
    close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else f"see {kind}s.yaml for the ids"
    return f"unknown {kind} '{name}' ({hint})"
