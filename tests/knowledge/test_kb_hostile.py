"""Hostile or mistaken knowledge files: alias bombs, huge files, too many values, pipes and links. Each is refused
(or skipped) with file:line, before it can block or bloat a load."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot import PROJECT_ROOT
from bot.knowledge.loader import check_knowledge, fingerprint
from tests.kbkit import FAQ, write, write_knowledge

BOT = [sys.executable, "-c", "from bot.staff.cli import main; main()"]


def bomb(levels: int, *, key: str = "lol") -> str:
    """Billion laughs: each level lists the one before nine times (9**levels strings once expanded)."""
    lines = [f'{key}0: &{key}0 ["ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha"]']
    for n in range(1, levels + 1):
        lines.append(f"{key}{n}: &{key}{n} [" + ", ".join([f"*{key}{n - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def errors_of(folder: Path, limits=None) -> list[str]:
    knowledge, problems = check_knowledge(folder, **({"limits": limits} if limits else {}))
    found = [f"{p.file}:{p.line}: {p.message}" for p in problems if p.severity == "error"]
    assert knowledge is None and found, "the folder should not load"
    return found


def in_file(name: str, found: list[str]) -> list[str]:
    return [line for line in found if line.startswith(f"knowledge/{name}:")]


def replies_lines(folder: Path) -> int:
    return len((folder / "replies.yaml").read_text("utf-8").splitlines())


ANCHORS = "YAML anchors and aliases (& and *) are not allowed"


@pytest.mark.parametrize("where", ["replies.yaml", "faq", "synonyms.yaml", "topics.yaml", "menu.yaml", "article"])
def test_an_alias_bomb_is_refused_at_its_line_in_every_kind_of_file(tmp_path: Path, where: str) -> None:
    folder = write_knowledge(tmp_path)
    if where == "replies.yaml":
        first = replies_lines(folder) + 1
        with open(folder / "replies.yaml", "a", encoding="utf-8") as handle:
            handle.write(bomb(8))
        expected = f"knowledge/replies.yaml:{first}"
    elif where == "faq":
        write(folder / "faq" / "main.yaml", FAQ + "- id: lol\n  question: 哈哈\n  answer: ok\n  similar: &s [a, b]\n"
                                                  "  keywords: *s\n")
        expected = f"knowledge/faq/main.yaml:{len(FAQ.splitlines()) + 4}"
    elif where == "synonyms.yaml":
        write(folder / "synonyms.yaml", "JET项目: [JET, JET计划]\n" + bomb(8))
        expected = "knowledge/synonyms.yaml:2"
    elif where == "topics.yaml":
        write(folder / "topics.yaml", "- &t {id: tourism, name: 旅游, description: 景点}\n- *t\n")
        expected = "knowledge/topics.yaml:1"
    elif where == "menu.yaml":
        write(folder / "menu.yaml", "buttons:\n  - name: 关于\n    key: ABOUT\n    says: &x 你们是谁\n"
                                    "  - name: 电话\n    key: PHONE\n    says: *x\n")
        expected = "knowledge/menu.yaml:4"
    else:
        (folder / "articles").mkdir()
        write(folder / "articles" / "spring.md", "---\ntitle: &t 春天\nsummary: *t\nurl: https://example.com/\n"
                                                 "topics: [tourism]\npublish_at: 2030-03-01T09:00:00+08:00\n"
                                                 "---\n正文\n")
        expected = "knowledge/articles/spring.md:2"
    found = errors_of(folder)
    assert any(line.startswith(f"{expected}: {ANCHORS}") for line in found), found


def test_a_bomb_in_an_faq_file_is_refused_before_any_expansion(tmp_path: Path) -> None:
    """Six levels would expand to half a million strings; the reader stops at the first anchor instead."""
    folder = write_knowledge(tmp_path, faq={"main.yaml": FAQ, "bomb.yaml": "- id: x\n  question: y\n  answer: z\n"
                                            "  more: &m0 [a, a, a, a, a, a, a, a, a]\n" + "".join(
                                                f"- {{id: x{n}, question: q{n}, answer: a, more: &m{n} "
                                                f"[{', '.join([f'*m{n - 1}'] * 9)}]}}\n" for n in range(1, 7))})
    found = errors_of(folder)
    assert len(found) == 1 and found[0].startswith(f"knowledge/faq/bomb.yaml:4: {ANCHORS}"), found


def test_kb_check_on_a_bomb_returns_quickly_and_names_the_file_and_line(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path)
    first = replies_lines(folder) + 1
    with open(folder / "replies.yaml", "a", encoding="utf-8") as handle:
        handle.write(bomb(9))
    # A generous bound that only a hang (or an expansion to gigabytes) exceeds.
    done = subprocess.run([*BOT, "kb", "check", "--dir", str(folder)], capture_output=True, text=True, timeout=60,
                          cwd=PROJECT_ROOT)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"knowledge/replies.yaml:{first}: error: {ANCHORS}" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_a_file_over_the_size_cap_is_refused_with_a_sentence(tmp_path: Path) -> None:
    from bot.infra.knowledge_limits import ReadLimits

    folder = write_knowledge(tmp_path)
    cap = (folder / "replies.yaml").stat().st_size + 200  # every other file fits; the padded one does not
    padding = "# " + "很" * 400 + "\n"
    write(folder / "faq" / "main.yaml", padding * (cap // len(padding.encode()) + 1) + FAQ)
    size = (folder / "faq" / "main.yaml").stat().st_size
    assert (folder / "replies.yaml").stat().st_size < cap < size
    found = errors_of(folder, ReadLimits(max_file_bytes=cap))
    assert found == [f"knowledge/faq/main.yaml:1: the file is {size:,} bytes, more than the {cap:,} a knowledge "
                     "file may have: split it into smaller files (文件太大，请拆分成几个文件)"]


def test_the_default_size_cap_refuses_a_file_over_a_megabyte(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path)
    write(folder / "synonyms.yaml", "JET项目: [JET, JET计划]\n" + ("# " + "x" * 1000 + "\n") * 1100)
    found = errors_of(folder)
    assert len(found) == 1 and found[0].startswith("knowledge/synonyms.yaml:1: the file is 1,1")


def test_too_many_values_too_deep_and_too_many_entries_are_refused_at_their_line(tmp_path: Path) -> None:
    from bot.infra.knowledge_limits import ReadLimits

    folder = write_knowledge(tmp_path)
    write(folder / "synonyms.yaml", "JET项目: [JET, JET计划]\n电话:\n" + "".join(f"  - 电话{n}\n" for n in range(600)))
    # 7 values before the items (a mapping, two keys, two lists, two variants): the 494th item (line 496) is value 501
    assert in_file("synonyms.yaml", errors_of(folder, ReadLimits(max_nodes=500))) == [
        "knowledge/synonyms.yaml:496: more than 500 values in one file: split it into smaller files "
        "(内容太多，请拆分成几个文件)"]

    write(folder / "synonyms.yaml", "JET项目: [JET, JET计划]\n电话: [[[[[[[[phone]]]]]]]]\n")
    assert errors_of(folder, ReadLimits(max_depth=5)) == [
        "knowledge/synonyms.yaml:2: nested more than 5 levels deep (缩进层级太多)"]

    write(folder / "synonyms.yaml", "JET项目: [JET, JET计划]\n")
    found = errors_of(folder, ReadLimits(max_entries=4))
    assert found == ["knowledge/faq/main.yaml:31: more than 4 FAQ entries in the folder: this one and those after it "
                     "are not loaded (条目太多)"]


def test_caps_come_from_the_environment_and_a_bad_one_is_a_sentence(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path)
    env = {**os.environ, "BOT_KNOWLEDGE_MAX_FILE_BYTES": "500"}
    done = subprocess.run([*BOT, "kb", "check", "--dir", str(folder)], capture_output=True, text=True, timeout=120,
                          cwd=PROJECT_ROOT, env=env)
    assert done.returncode == 1
    assert "knowledge/faq/main.yaml:1: error: the file is " in done.stdout and "more than the 500" in done.stdout
    env["BOT_KNOWLEDGE_MAX_FILE_BYTES"] = "lots"
    done = subprocess.run([*BOT, "kb", "check", "--dir", str(folder)], capture_output=True, text=True, timeout=120,
                          cwd=PROJECT_ROOT, env=env)
    assert done.returncode == 1
    assert "BOT_KNOWLEDGE_MAX_FILE_BYTES must be a positive whole number, not 'lots'" in done.stderr
    assert "Traceback" not in done.stderr


SKIPPED = "warning: skipped: not a regular file"


def non_regular_files(folder: Path, outside: Path) -> list[str]:
    """A pipe, a socket, a link to a pipe and a link to a file outside the folder, all in faq/."""
    faq = folder / "faq"
    os.mkfifo(faq / "pipe.yaml")
    os.symlink(faq / "pipe.yaml", faq / "to-pipe.yaml")
    outside.write_text(FAQ.replace("contact-", "outside-"), encoding="utf-8")
    os.symlink(outside, faq / "outside.yaml")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(faq / "sock.yaml"))
    return ["pipe.yaml", "to-pipe.yaml", "outside.yaml", "sock.yaml"]


def test_kb_check_skips_pipes_sockets_and_links_out_and_names_each(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path / "kb")
    names = non_regular_files(folder, tmp_path / "elsewhere.yaml")
    os.symlink(folder / "faq" / "main.yaml", folder / "faq" / "same.yml")  # a link inside the folder is read
    done = subprocess.run([*BOT, "kb", "check", "--dir", str(folder)], capture_output=True, text=True, timeout=60,
                          cwd=PROJECT_ROOT)
    lines = done.stdout.splitlines()
    for name in names:
        assert f"knowledge/faq/{name}:1: {SKIPPED} (a pipe, socket or device, or a link to one or to outside the " \
               "knowledge folder) (已跳过：不是普通文件)" in lines, done.stdout
    assert "knowledge/faq/same.yml:1: error: duplicate id 'contact-phone'" in done.stdout  # it was read
    assert "outside-phone" not in done.stdout


def test_the_version_and_a_reload_ignore_a_pipe(tmp_path: Path) -> None:
    from bot.knowledge import KnowledgeHolder

    folder = write_knowledge(tmp_path / "kb")
    before = fingerprint(folder)
    holder = KnowledgeHolder(folder, interval=0)
    non_regular_files(folder, tmp_path / "elsewhere.yaml")
    write(folder / "faq" / "main.yaml", FAQ.replace("传真：+86-10-6513-8795", "传真：新号码"))
    result: list = []
    worker = threading.Thread(target=lambda: result.append(holder.current), daemon=True)
    worker.start()
    worker.join(60)  # a reload stuck on the pipe never comes back
    assert result, "the reload hung on a pipe"
    assert holder.last_error is None
    assert result[0].version != before
    assert result[0].faq.get("contact-fax").answer == "传真：新号码"
    write(folder / "faq" / "main.yaml", FAQ)
    assert fingerprint(folder) == before  # the pipe, the socket and the links are not part of the version
