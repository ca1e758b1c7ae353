"""knowledge/out_of_scope.yaml: examples of questions the bot does not answer, by kind, checked line by line.

They are not answers: the matcher's calibrated decision reads how near a message is to the nearest of them
(bot/matching/features.py), so a message that is about a visa or a recipe is not answered with an entry that
merely shares a word with it. An example that is also a phrasing of an FAQ entry contradicts it: an error.
"""
from __future__ import annotations

from pathlib import Path

from bot.knowledge.faq_entries import Phrase
from bot.knowledge.files import relative
from bot.knowledge.marked_yaml import read_marked
from bot.knowledge.problems import Problem

FILE = "out_of_scope.yaml"


def load_outside(root: Path) -> tuple[tuple[Phrase, ...], list[Problem]]:
    """The examples (each with its line); the file is optional."""
    path = root / FILE
    if not path.exists() and not path.is_symlink():
        return (), []
    rel = relative(root, path)
    data, problems = read_marked(root, path)
    if data is None or data.value is None:
        return (), problems
    if not isinstance(data.value, dict):
        return (), [*problems, Problem(rel, data.line, "out_of_scope.yaml must be kinds, each with a list of "
                                                        "questions: `签证: [日本签证怎么办, 办签证去哪里]`")]
    found: list[Phrase] = []
    seen: dict[str, int] = {}
    for kind, marked in data.value.items():
        if not isinstance(marked.value, list):
            problems.append(Problem(rel, marked.line, f"'{kind}' must be a list of questions: [问法1, 问法2]"))
            continue
        for item in marked.value:
            text = str(item.value).strip() if item.is_text else ""
            if not text:
                problems.append(Problem(rel, item.line, f"every question of '{kind}' must be a non-empty text"))
                continue
            if text in seen:
                problems.append(Problem(rel, item.line, f"'{text}' is listed twice (also line {seen[text]})",
                                        "warning"))
                continue
            seen[text] = item.line
            found.append(Phrase(text, item.line))
    return tuple(found), problems
