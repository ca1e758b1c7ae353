"""`bot kb check` material: every problem in a FAQ, synonyms or words file is reported at its file:line."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.loader import check_knowledge
from tests.kbkit import FAQ, write_knowledge

GOOD = """\
- id: contact-phone
  question: 电话是多少？
  similar: [电话多少, 你们电话, 联系电话是什么, 怎么打电话, 座机号码]
  answer: 电话 123
  source: brochure
"""


def problems_of(tmp_path: Path, **files) -> list[tuple[str, str, str]]:
    """(file:line, severity, message) for every problem found."""
    _, problems = check_knowledge(write_knowledge(tmp_path, **files))
    return [(f"{p.file}:{p.line}", p.severity, p.message) for p in problems]


def test_the_synthetic_knowledge_is_clean(tmp_path: Path) -> None:
    knowledge, problems = check_knowledge(write_knowledge(tmp_path))
    assert knowledge is not None
    assert problems == []
    assert len(knowledge.faq.entries) == 6


CASES = [
    # (what, faq files, expected file:line, severity, words in the message)
    ("yaml syntax", {"a.yaml": "- id: x\n  question: [unclosed\n  answer: y\n"},
     "knowledge/faq/a.yaml:3", "error", "YAML syntax error"),
    ("not a list", {"a.yaml": "id: x\nquestion: y\n"}, "knowledge/faq/a.yaml:1", "error", "must be a list"),
    ("no answer", {"a.yaml": "- id: x\n  question: y\n  similar: [a, b, c, d, e]\n"},
     "knowledge/faq/a.yaml:1", "error", "has no 'answer'"),
    ("empty answer", {"a.yaml": "- id: x\n  question: y\n  similar: [a, b, c, d, e]\n  answer: ''\n"},
     "knowledge/faq/a.yaml:4", "error", "'answer' must be a non-empty text"),
    ("bad id", {"a.yaml": GOOD.replace("contact-phone", "Contact Phone")},
     "knowledge/faq/a.yaml:1", "error", "lowercase letters, digits and hyphens"),
    ("misspelt field", {"a.yaml": GOOD.replace("  source: brochure", "  similiar: [x]")},
     "knowledge/faq/a.yaml:5", "error", "did you mean 'similar'"),
    ("field twice", {"a.yaml": GOOD + "  answer: again\n"}, "knowledge/faq/a.yaml:6", "error", "appears twice"),
    ("similar not a list",
     {"a.yaml": GOOD.replace("[电话多少, 你们电话, 联系电话是什么, 怎么打电话, 座机号码]", "电话多少")},
     "knowledge/faq/a.yaml:3", "error", "must be a list"),
    ("too few phrasings", {"a.yaml": GOOD.replace(", 怎么打电话, 座机号码", "")},
     "knowledge/faq/a.yaml:3", "warning", "only 3 similar phrasings"),
    ("long answer", {"a.yaml": GOOD.replace("电话 123", "很" * 601)},
     "knowledge/faq/a.yaml:4", "error", "more than 600"),
    ("longish answer", {"a.yaml": GOOD.replace("电话 123", "很" * 301)},
     "knowledge/faq/a.yaml:4", "warning", "aim for 300"),
    ("long more page", {"a.yaml": GOOD + "  more:\n    - 第二页\n    - " + "长" * 700 + "\n"},
     "knowledge/faq/a.yaml:8", "error", "a page of `more` has 700"),
    ("unknown topic", {"a.yaml": GOOD + "  topics: [tourism, sapporo]\n"},
     "knowledge/faq/a.yaml:6", "error", "unknown topic 'sapporo'"),
    ("mistyped topic", {"a.yaml": GOOD + "  topics: [tourism, turism]\n"},
     "knowledge/faq/a.yaml:6", "error", "unknown topic 'turism' (did you mean tourism?)"),
    ("bad link", {"a.yaml": GOOD + "  link:\n    title: 官网\n    url: www.clair.org.cn\n"},
     "knowledge/faq/a.yaml:8", "error", "must start with http:// or https://"),
    ("misspelt link field", {"a.yaml": GOOD + "  link:\n    title: 官网\n    ulr: http://a.cn/\n"},
     "knowledge/faq/a.yaml:8", "error", "unknown link field 'ulr' (did you mean 'url'?)"),
    ("bad picture", {"a.yaml": GOOD + "  link:\n    title: 官网\n    url: http://a.cn/\n    picurl: ftp://a.cn/p\n"},
     "knowledge/faq/a.yaml:9", "error", "picture url"),
    ("unknown source", {"a.yaml": GOOD.replace("brochure", "internet")},
     "knowledge/faq/a.yaml:5", "warning", "source should be brochure or general"),
    ("duplicate id", {"a.yaml": GOOD, "b.yaml": "\n\n" + GOOD.replace("电话", "传真")},
     "knowledge/faq/b.yaml:3", "error", "duplicate id 'contact-phone' (also knowledge/faq/a.yaml:1)"),
    ("same phrasing in two entries",
     {"a.yaml": GOOD, "b.yaml": GOOD.replace("contact-phone", "contact-all").replace("电话是多少？", "联系方式")
      .replace("座机号码", "电话多少？")},
     "knowledge/faq/b.yaml:3", "error",
     "'电话多少？' (a similar phrasing of 'contact-all') means the same as '电话多少'"),
    ("keyword in two entries",
     {"a.yaml": GOOD + "  keywords: [电话]\n",
      "b.yaml": GOOD.replace("contact-phone", "contact-all").replace("电话", "联系") + "  keywords: [电话]\n"},
     "knowledge/faq/b.yaml:6", "error", "a keyword of 'contact-all') means the same as '电话', a keyword"),
    ("empty file", {"a.yaml": "# nothing yet\n"}, "knowledge/faq/a.yaml:1", "warning", "the file is empty"),
    ("Japanese answer without kana", {"a.yaml": GOOD + "  answer_ja: 電話 123\n"}, "knowledge/faq/a.yaml:6", "error",
     "'answer_ja' has no kana"),
    ("English answer without English", {"a.yaml": GOOD + "  answer_en: 电话 123\n"}, "knowledge/faq/a.yaml:6",
     "error", "'answer_en' has no English word"),
    ("translation adds a number", {"a.yaml": GOOD + "  answer_en: Phone 123, or 456\n"}, "knowledge/faq/a.yaml:6",
     "error", "'answer_en' says 456, which the Chinese answer does not"),
    ("empty translation", {"a.yaml": GOOD + "  answer_ja: ''\n"}, "knowledge/faq/a.yaml:6", "error",
     "'answer_ja' must be a non-empty text"),
    ("translation misspelt", {"a.yaml": GOOD + "  answer_jp: 電話は123です\n"}, "knowledge/faq/a.yaml:6", "error",
     "did you mean 'answer_ja'"),
]


@pytest.mark.parametrize(("what", "faq", "where", "severity", "words"), CASES, ids=[c[0] for c in CASES])
def test_faq_problem_is_located(tmp_path: Path, what: str, faq: dict[str, str], where: str, severity: str,
                                words: str) -> None:
    found = problems_of(tmp_path, faq=faq)
    assert any(w == where and s == severity and words in m for w, s, m in found), found


def test_an_entry_with_errors_blocks_the_version_but_a_warning_does_not(tmp_path: Path) -> None:
    knowledge, _ = check_knowledge(write_knowledge(tmp_path, faq={"a.yaml": GOOD.replace("电话 123", "很" * 301)}))
    assert knowledge is not None
    knowledge, _ = check_knowledge(write_knowledge(tmp_path / "b", faq={"a.yaml": GOOD.replace("电话 123", "")}))
    assert knowledge is None


LEXICON_CASES = [
    ("variant twice", {"synonyms": "电话: [phone, tel]\n传真: [fax, tel]\n"},
     "knowledge/synonyms.yaml:2", "error", "'tel' is already a variant of '电话' (line 1)"),
    ("variants not a list", {"synonyms": "电话: phone\n"}, "knowledge/synonyms.yaml:1", "error", "must be a list"),
    ("chained synonym", {"synonyms": "电话: [座机]\n座机: [landline]\n"},
     "knowledge/synonyms.yaml:1", "error", "listed as a word of its own (line 2)"),
    ("synonyms syntax", {"synonyms": "电话: [phone\n传真: [fax]\n"},
     "knowledge/synonyms.yaml:2", "error", "YAML syntax error"),
    ("bad frequency", {"words": "JET项目 2000 n\n长野县 many ns\n"}, "knowledge/words.txt:2", "error",
     "'many' is not a frequency"),
    ("word with a space", {"words": "# comment\n\nSapporo Snow Festival 100 n\n"}, "knowledge/words.txt:3",
     "error", "cannot contain spaces"),
    ("word twice", {"words": "长野县\n長野縣 100\n"}, "knowledge/words.txt:2", "warning", "listed twice (also line 1)"),
]


@pytest.mark.parametrize(("what", "files", "where", "severity", "words"), LEXICON_CASES,
                         ids=[c[0] for c in LEXICON_CASES])
def test_lexicon_problem_is_located(tmp_path: Path, what: str, files: dict[str, str], where: str, severity: str,
                                    words: str) -> None:
    found = problems_of(tmp_path, faq={"main.yaml": FAQ}, **files)
    assert any(w == where and s == severity and words in m for w, s, m in found), found


def test_the_real_knowledge_has_no_errors(knowledge_dir: Path) -> None:
    knowledge, problems = check_knowledge(knowledge_dir)
    assert [str(p) for p in problems if p.severity == "error"] == []
    assert knowledge is not None and len(knowledge.faq.entries) >= 100


def test_translations_are_kept_by_language(tmp_path: Path) -> None:
    faq = GOOD + "  answer_ja: 電話は123です\n  answer_en: Phone 123\n"
    knowledge, problems = check_knowledge(write_knowledge(tmp_path, faq={"a.yaml": faq}))
    assert knowledge is not None and not [p for p in problems if p.severity == "error"]
    entry = knowledge.faq.get("contact-phone")
    assert (entry.answer_in("ja"), entry.answer_in("en"), entry.answer_in("zh")) == ("電話は123です", "Phone 123",
                                                                                   "电话 123")
