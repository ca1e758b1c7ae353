"""knowledge/out_of_scope.yaml: examples of questions the bot does not answer, checked, and read by the matcher."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import yaml

from bot import PROJECT_ROOT
from bot.knowledge.loader import check_knowledge
from bot.matching.outside import general_outside
from bot.staff.ask import explain
from tests.constants import DATA
from tests.kbkit import FAQ, write_knowledge


def problems_of(folder: Path) -> list[tuple[str, str, str]]:
    _, problems = check_knowledge(folder)
    return [(f"{p.file}:{p.line}", p.severity, p.message) for p in problems]


def test_examples_reach_the_semantic_index(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path, faq={"main.yaml": FAQ})
    (folder / "out_of_scope.yaml").write_text("签证: [日本签证怎么办理, 办签证要多久]\n", encoding="utf-8")
    knowledge, problems = check_knowledge(folder)
    assert knowledge is not None and not [p for p in problems if p.severity == "error"]
    outside = knowledge.faq.index.semantic.outside_texts
    assert outside[-2:] == ("日本签证怎么办理", "办签证要多久")
    assert set(general_outside()) <= set(outside)  # the package's general examples come with every knowledge


def test_an_example_an_entry_answers_is_an_error_at_its_line(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path, faq={"main.yaml": FAQ})
    (folder / "out_of_scope.yaml").write_text("签证: [日本签证怎么办理]\n传真: [传真号码多少]\n", encoding="utf-8")
    found = problems_of(folder)
    assert any(where == "out_of_scope.yaml:2" and severity == "error" and "'contact-fax' answers it" in message
               and "knowledge/faq/main.yaml:" in message for where, severity, message in found), found


def test_a_malformed_file_is_reported(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path, faq={"main.yaml": FAQ})
    (folder / "out_of_scope.yaml").write_text("- 签证怎么办\n", encoding="utf-8")
    assert any("must be kinds, each with a list" in m for _, _, m in problems_of(folder))
    (folder / "out_of_scope.yaml").write_text("签证: 日本签证怎么办理\n", encoding="utf-8")
    assert any(w == "knowledge/out_of_scope.yaml:1" and "must be a list of questions" in m
               for w, _, m in problems_of(folder))


def plain(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", unicodedata.normalize("NFKC", str(text)).lower())


def test_no_example_copies_a_labelled_question() -> None:
    """The examples must not be the questions the calibration and the held-out sets score the bot on."""
    labelled = set()
    for path in DATA.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = data.get("questions", []) if isinstance(data, dict) else data or []
        for item in items:
            text = item if isinstance(item, str) else item.get("q") or item.get("text") or item.get("ask")
            if text:
                labelled.add(plain(text))
    own = yaml.safe_load((PROJECT_ROOT / "knowledge" / "out_of_scope.yaml").read_text(encoding="utf-8"))
    examples = [*general_outside(), *(q for questions in own.values() for q in questions)]
    assert [q for q in examples if plain(q) in labelled] == []


def test_a_near_domain_question_is_not_answered_with_an_entry_that_shares_a_word(real_knowledge) -> None:
    result = explain("去日本的签证怎么办理", real_knowledge)
    assert result["decision"] != "answer", result["entry"]
