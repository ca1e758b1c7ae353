"""Hot reload: a changed FAQ file is answered from at once; a broken one leaves the last good version serving."""
from __future__ import annotations

from pathlib import Path

from bot.knowledge import KnowledgeHolder
from bot.staff.ask import explain
from tests.kbkit import FAQ, write, write_knowledge


def test_a_changed_answer_and_a_new_phrasing_are_picked_up(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path)
    holder = KnowledgeHolder(folder, interval=0)
    before = holder.current
    assert explain("传真", before)["reply"] == "传真：+86-10-6513-8795"
    assert explain("贵所的fax是什么", before)["entry"] is None

    changed = FAQ.replace("传真：+86-10-6513-8795", "传真：+86-10-6513-0000").replace(
        "你们有传真吗,", "你们有传真吗, 贵所的fax是什么,")
    write(folder / "faq" / "main.yaml", changed)

    after = holder.current
    assert after.version != before.version
    assert explain("传真", after)["reply"] == "传真：+86-10-6513-0000"
    assert explain("贵所的fax是什么", after)["entry"] == "contact-fax"
    assert explain("传真", before)["reply"] == "传真：+86-10-6513-8795"  # the old version is untouched


def test_a_broken_file_keeps_the_last_good_version_and_says_where(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path)
    holder = KnowledgeHolder(folder, interval=0)
    good = holder.current

    write(folder / "faq" / "main.yaml", FAQ.replace("  answer: 传真：+86-10-6513-8795\n", "  answer:\n"))
    assert holder.current is good
    assert explain("传真", holder.current)["entry"] == "contact-fax"
    assert holder.last_error is not None
    assert "knowledge/faq/main.yaml:12: 'answer' must be a non-empty text" in str(holder.last_error)

    write(folder / "faq" / "main.yaml", FAQ.replace("传真：+86-10-6513-8795", "传真：已更新"))
    assert holder.current is not good
    assert holder.last_error is None
    assert explain("传真", holder.current)["reply"] == "传真：已更新"


def test_a_new_synonym_is_picked_up(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path)
    holder = KnowledgeHolder(folder, interval=0)
    assert explain("facsimile", holder.current)["entry"] is None
    write(folder / "synonyms.yaml", "JET项目: [JET, JET计划]\n传真: [facsimile]\n")
    assert explain("facsimile", holder.current)["entry"] == "contact-fax"


def test_background_mode_swaps_in_the_new_version_without_loading_inside_the_caller(tmp_path: Path) -> None:
    """Web processes: `current` never loads in the request; a thread swaps the new version in."""
    import time

    folder = write_knowledge(tmp_path)
    holder = KnowledgeHolder(folder, interval=0, background=True)
    before = holder.current
    write(folder / "faq" / "main.yaml", FAQ.replace("传真：+86-10-6513-8795", "传真：后台更新"))
    deadline = time.monotonic() + 30  # a bound on waiting, not a speed assertion
    while holder.current is before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert explain("传真", holder.current)["reply"] == "传真：后台更新"
