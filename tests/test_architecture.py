"""The house plan holds: imports point one way down the layers, and none is hidden inside a function.

The layers are README's "Layout" floors. A package may import only from packages on lower floors; `bot` itself
(PROJECT_ROOT) is everyone's. An import inside a function or under `if TYPE_CHECKING` is how circles hide, so
project imports are refused there (a library imported late to keep start-up cheap, like jieba, is allowed).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot import PROJECT_ROOT

FLOORS = {
    "bot.infra": 0, "bot.matching": 0, "bot.devkit": 0,
    "bot.knowledge": 1,
    "bot.core": 2,
    "bot.followers": 3, "bot.wechat": 3,
    "bot.push": 4, "handlers": 4,
    "bot.app": 5,
    "bot.console": 6,
    "webhooks": 7,
    "bot.staff": 8,
}
SOURCES = sorted([*PROJECT_ROOT.glob("bot/**/*.py"), *PROJECT_ROOT.glob("handlers/*.py"), PROJECT_ROOT / "webhooks.py"])


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str | None:
    """The layer a module belongs to (None: not part of the project, or `bot` itself)."""
    return next((name for name in sorted(FLOORS, key=len, reverse=True)
                 if module == name or module.startswith(name + ".")), None)


def project_imports(tree: ast.AST) -> list[tuple[ast.stmt, str, bool]]:
    """(statement, module imported, whether at module level) for every import of the project's own code."""
    found = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = not top or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) or (
                isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test))
            if isinstance(child, ast.Import):
                found.extend((child, alias.name, top) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and not child.level:
                found.append((child, child.module, top))
            visit(child, top and not nested)

    visit(tree, True)
    return [(stmt, name, top) for stmt, name, top in found
            if name == "bot" or name.split(".")[0] in ("bot", "handlers", "webhooks")]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_imports_point_down_and_none_is_hidden(path: Path) -> None:
    here = layer_of(module_name(path))
    problems = []
    for stmt, name, top in project_imports(ast.parse(path.read_text(encoding="utf-8"))):
        there = layer_of(name)
        where = f"{path.relative_to(PROJECT_ROOT)}:{stmt.lineno} imports {name}"
        if not top:
            problems.append(f"{where} inside a function or TYPE_CHECKING block")
        if here is not None and there is not None and there != here and FLOORS[there] >= FLOORS[here]:
            problems.append(f"{where}: {here} (floor {FLOORS[here]}) may not import {there} (floor {FLOORS[there]})")
    assert not problems, "\n".join(problems)


def test_every_package_has_a_floor() -> None:
    packages = {module_name(p) for p in SOURCES if p.name == "__init__.py"} - {"bot"}
    assert {p for p in packages if layer_of(p) is None} == set()
