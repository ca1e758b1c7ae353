"""Every sentence the code says is checked in replies.yaml: a deleted or broken line fails `bot kb check`."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot import PROJECT_ROOT
from bot.knowledge import load_knowledge
from bot.knowledge.loader import check_knowledge
from bot.knowledge.texts import ALL_TEXTS, Say
from tests.kbkit import write_knowledge


def replies_without(folder: Path, key: str) -> None:
    """Remove one `key: |` block from replies.yaml, as a staff member deleting it would."""
    path = folder / "replies.yaml"
    text = path.read_text("utf-8")
    cut = re.sub(rf"(?ms)^{key}:.*?(?=^\S|\Z)", "", text, count=1)
    assert cut != text
    path.write_text(cut, "utf-8")


def test_every_text_the_code_names_is_in_the_shipped_replies():
    knowledge = load_knowledge(PROJECT_ROOT / "knowledge")
    assert all(knowledge.text(which) for which in ALL_TEXTS if not which.placeholders)
    assert len(ALL_TEXTS) == len({t.key for t in ALL_TEXTS}) >= 28


def test_the_code_names_its_sentences_only_through_say():
    """No handler or engine module asks for a sentence by a bare string (which kb check could not see)."""
    sources = [*(PROJECT_ROOT / "handlers").glob("*.py"), *(PROJECT_ROOT / "bot").rglob("*.py")]
    bare = [f"{p.relative_to(PROJECT_ROOT)}: {m.group(0)}" for p in sources
            for m in re.finditer(r"\.text\(\s*['\"]", p.read_text("utf-8"))]
    assert bare == []


@pytest.mark.parametrize("which", [Say.subscriptions_unavailable, Say.choice_invalid, Say.suggest_outro,
                                   Say.unsubscribe_hint, Say.more_hint])
def test_a_missing_text_is_an_error_with_its_line(tmp_path, which):
    folder = write_knowledge(tmp_path)
    replies_without(folder, which.key)
    knowledge, problems = check_knowledge(folder)
    assert knowledge is None
    assert any(p.file == "knowledge/replies.yaml" and f"'{which.key}' is missing" in p.message for p in problems)


def test_a_placeholder_the_code_does_not_fill_is_an_error(tmp_path):
    folder = write_knowledge(tmp_path)
    path = folder / "replies.yaml"
    path.write_text(path.read_text("utf-8").replace("{count}", "{number}", 1), "utf-8")
    knowledge, problems = check_knowledge(folder)
    assert knowledge is None
    problem = next(p for p in problems if "choice_invalid" in p.message)
    assert "{number}" in problem.message and "{count}" in problem.message
    assert path.read_text("utf-8").splitlines()[problem.line - 1].startswith("choice_invalid:")


def test_an_unknown_text_is_a_warning(tmp_path):
    folder = write_knowledge(tmp_path)
    with (folder / "replies.yaml").open("a", encoding="utf-8") as f:
        f.write("welcom: 打错了名字\n")
    knowledge, problems = check_knowledge(folder)
    assert knowledge is not None
    assert [p.severity for p in problems if "'welcom'" in p.message] == ["warning"]


def test_kb_check_fails_on_a_missing_text(tmp_path):
    folder = write_knowledge(tmp_path)
    replies_without(folder, "subscribe_unknown")
    done = subprocess.run([str(Path(sys.executable).with_name("bot")), "kb", "check", "--dir", str(folder)],
                          capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "replies.yaml" in done.stdout + done.stderr and "subscribe_unknown" in done.stdout + done.stderr
