"""What is wrong in a knowledge file, located for a staff member (file:line), and the error that carries it."""
from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a knowledge file, located for a staff member."""

    file: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class KnowledgeError(RuntimeError):
    """The knowledge folder cannot be loaded; `problems` says where and why, after an optional headline.

    A RuntimeError, because gunicorn prints a RuntimeError raised while loading the app as one sentence (no
    traceback) before it exits.
    """

    def __init__(self, problems: list[Problem], *, headline: str = "") -> None:
        listing = "\n".join(str(p) for p in problems)
        super().__init__(f"{headline}:\n{listing}" if headline else listing)
        self.problems = problems
        self.headline = headline


def unknown_name(kind: str, name: str, known: Iterable[str]) -> str:
    """'unknown topic 'jett'' with the closest known names, for a staff member who mistyped one."""
    close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else f"see {kind}s.yaml for the ids"
    return f"unknown {kind} '{name}' ({hint})"
