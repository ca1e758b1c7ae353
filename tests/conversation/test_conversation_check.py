"""`bot kb check` on knowledge/conversation.yaml: each mistake named at its file:line."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.loader import check_knowledge
from tests.kbkit import write_knowledge

GOOD = """\
smalltalk:
  greeting:
    phrasings: [你好, hello]
    replies: [您好！]
  thanks:
    phrasings: [谢谢]
    replies: [不客气！]
requests:
  person:
    phrasings: [人工]
help_topics:
  - title: 联系方式
    entries: [contact-phone, contact-fax]
hot_questions: [jet-about]
"""


def problems_of(tmp_path: Path, text: str) -> list[tuple[str, str, str]]:
    _, problems = check_knowledge(write_knowledge(tmp_path, conversation=text))
    return [(f"{p.file}:{p.line}", p.severity, p.message) for p in problems]


def test_a_good_file_loads_clean(tmp_path: Path) -> None:
    knowledge, problems = check_knowledge(write_knowledge(tmp_path, conversation=GOOD))
    assert problems == []
    assert knowledge is not None
    assert knowledge.conversation.smalltalk_kind("Hello!") == "greeting"
    assert knowledge.conversation.help_topics[0].entries == ("contact-phone", "contact-fax")


@pytest.mark.parametrize(("what", "text", "where", "severity", "words"), [
    ("unknown kind", GOOD.replace("  thanks:", "  thank:"), "knowledge/conversation.yaml:5", "error",
     "unknown small talk kind 'thank'"),
    ("no replies", GOOD.replace("    replies: [不客气！]\n", ""), "knowledge/conversation.yaml:5", "error",
     "'thanks' needs replies"),
    ("no phrasings", GOOD.replace("    phrasings: [谢谢]\n", ""), "knowledge/conversation.yaml:5", "error",
     "'thanks' needs phrasings"),
    ("one phrasing two kinds", GOOD.replace("[谢谢]", "[谢谢, Hello]"), "knowledge/conversation.yaml:6", "error",
     "also a phrasing of 'greeting'"),
    ("unknown request", GOOD.replace("  person:", "  persn:"), "knowledge/conversation.yaml:9", "error",
     "unknown request 'persn'"),
    ("unknown entry in help", GOOD.replace("contact-fax]", "contact-fx]"), "knowledge/conversation.yaml:13",
     "error", "no FAQ entry has the id 'contact-fx'"),
    ("help without entries", GOOD.replace("    entries: [contact-phone, contact-fax]\n", ""),
     "knowledge/conversation.yaml:12", "error", "needs entries"),
    ("unknown hot question", GOOD.replace("[jet-about]", "[jet-abut]"), "knowledge/conversation.yaml:14", "error",
     "no FAQ entry has the id 'jet-abut'"),
    ("unknown section", GOOD + "smaltalk: {}\n", "knowledge/conversation.yaml:15", "warning",
     "unknown section 'smaltalk'"),
    ("yaml syntax", GOOD.replace("[您好！]", "[您好！"), "knowledge/conversation.yaml:5", "error",
     "YAML syntax error"),
])
def test_each_mistake_is_named_at_its_line(tmp_path: Path, what: str, text: str, where: str, severity: str,
                                          words: str) -> None:
    found = problems_of(tmp_path, text)
    assert any(w == where and s == severity and words in m for w, s, m in found), (what, found)


SUBJECTS = """\
attributes:
  fax: [传真, fax]
  phone: [电话]
markers: [那, 呢]
subjects:
  beijing:
    words: [北京]
    attributes: {fax: contact-fax, phone: contact-phone}
  jet:
    words: [JET]
    entry: jet-about
"""


def subject_problems(tmp_path: Path, text: str) -> list[tuple[str, str, str]]:
    root = write_knowledge(tmp_path)
    (root / "subjects.yaml").write_text(text, encoding="utf-8")
    _, problems = check_knowledge(root)
    return [(f"{p.file}:{p.line}", p.severity, p.message) for p in problems]


def test_good_subjects_load_clean(tmp_path: Path) -> None:
    root = write_knowledge(tmp_path)
    (root / "subjects.yaml").write_text(SUBJECTS, encoding="utf-8")
    knowledge, problems = check_knowledge(root)
    assert problems == [] and knowledge is not None
    reading = knowledge.subjects.read("那传真呢")
    assert (reading.subject, reading.attribute, reading.short) == (None, "fax", True)


@pytest.mark.parametrize(("text", "where", "words"), [
    (SUBJECTS.replace("fax: contact-fax", "fax: contact-fx"), "knowledge/subjects.yaml:8",
     "no FAQ entry has the id 'contact-fx'"),
    (SUBJECTS.replace("entry: jet-about", "entry: jet-abut"), "knowledge/subjects.yaml:11",
     "no FAQ entry has the id 'jet-abut'"),
    (SUBJECTS.replace("phone: contact-phone}", "mail: contact-phone}"), "knowledge/subjects.yaml:8",
     "unknown attribute 'mail'"),
    (SUBJECTS.replace("words: [JET]", "words: [北京]"), "knowledge/subjects.yaml:9",
     "names both 'subject beijing'"),
    (SUBJECTS.replace("    entry: jet-about\n", ""), "knowledge/subjects.yaml:9", "needs an 'entry' or 'attributes'"),
    (SUBJECTS.replace("    words: [JET]\n", ""), "knowledge/subjects.yaml:9", "needs words"),
    (SUBJECTS.replace("  jet:", "  JET Programme:"), "knowledge/subjects.yaml:9", "must be lowercase"),
])
def test_each_subject_mistake_is_named_at_its_line(tmp_path: Path, text: str, where: str, words: str) -> None:
    found = subject_problems(tmp_path, text)
    assert any(w == where and s == "error" and words in m for w, s, m in found), found
