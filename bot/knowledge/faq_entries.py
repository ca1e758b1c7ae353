"""One FAQ file → FaqEntry objects, every field checked and every problem located at its line."""
from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

from bot.knowledge.marked_yaml import Marked
from bot.knowledge.problems import Problem, unknown_name

ANSWER_MAX = 600  # characters: more does not fit a phone screen; use `more` pages
ANSWER_WARN = 300
QUESTION_WARN = 60
MIN_SIMILAR = 5
FIELDS = ("id", "question", "similar", "keywords", "answer", "answer_ja", "answer_en", "more", "link", "topics",
          "source")
# The answer in the asker's language, when staff wrote one (bot/matching/language.py tells the language).
TRANSLATIONS = {"answer_ja": "ja", "answer_en": "en"}
_KANA = re.compile(r"[\u3040-\u30ff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_NUMBER = re.compile(r"\d+")
LINK_FIELDS = ("title", "url", "picurl")
SOURCES = ("brochure", "general")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Link:
    """An answer shown as a news card."""

    title: str
    url: str
    picurl: str = ""


@dataclass(frozen=True)
class Phrase:
    """A text with its line, for messages about it later."""

    text: str
    line: int


@dataclass(frozen=True)
class FaqEntry:
    """One question the bot can answer, as staff wrote it."""

    id: str
    question: str
    similar: tuple[Phrase, ...]
    keywords: tuple[Phrase, ...]
    answer: str
    more: tuple[str, ...] = ()
    link: Link | None = None
    topics: tuple[str, ...] = ()
    source: str = ""
    file: str = ""
    line: int = 0
    question_line: int = 0
    translations: tuple[tuple[str, str], ...] = ()  # (language, answer): answer_ja → ("ja", …)

    def answer_in(self, language: str) -> str:
        """The answer in `language` when the entry has one, else the Chinese answer."""
        return dict(self.translations).get(language, self.answer)


class EntryReader:
    """Reads the entries of one file, collecting problems instead of stopping at the first."""

    def __init__(self, rel: str, topics: Mapping[str, object] | None) -> None:
        self.rel = rel
        self.topics = topics
        self.problems: list[Problem] = []

    def problem(self, line: int, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.rel, line, message, severity))

    def read_file(self, data: Marked | None) -> list[FaqEntry]:
        """All valid entries of the file (invalid ones are reported and left out)."""
        if data is None or data.value is None:
            self.problem(1, "the file is empty: write a list of entries starting with '- id: ...'", "warning")
            return []
        if not isinstance(data.value, list):
            self.problem(data.line, "an FAQ file must be a list of entries, each starting with '- id: ...'")
            return []
        entries = []
        for item in data.value:
            entry = self.read_entry(item)
            if entry is not None:
                entries.append(entry)
        return entries

    def read_entry(self, item: Marked) -> FaqEntry | None:
        """One entry, or None when it is unusable."""
        if not isinstance(item.value, dict):
            self.problem(item.line, "an entry must be a set of fields (id:, question:, answer: ...)")
            return None
        fields: dict[str, Marked] = item.value
        self.check_field_names(fields, FIELDS, "field")
        entry_id = self.text(fields, "id", item.line)
        if entry_id is not None and not _ID.match(entry_id):
            self.problem(fields["id"].line, f"id '{entry_id}' must be lowercase letters, digits and hyphens")
            entry_id = None
        question = self.text(fields, "question", item.line)
        answer = self.text(fields, "answer", item.line)
        if question and len(question) > QUESTION_WARN:
            self.problem(fields["question"].line, f"the question has {len(question)} characters; a short one "
                                                  f"reads better in a 您是想问 list", "warning")
        if answer is not None:
            self.check_length(answer, fields["answer"].line, "the answer")
        similar = self.phrases(fields, "similar")
        if "similar" in fields and len(similar) < MIN_SIMILAR:
            self.problem(fields["similar"].line, f"only {len(similar)} similar phrasings; {MIN_SIMILAR} or more "
                                                 "help followers find this entry", "warning")
        elif "similar" not in fields:
            self.problem(item.line, "no similar phrasings: add `similar:` with how followers really ask", "warning")
        more = tuple(p.text for p in self.phrases(fields, "more"))
        for page in self.phrases(fields, "more"):
            self.check_length(page.text, page.line, "a page of `more`")
        topics = tuple(p.text for p in self.phrases(fields, "topics"))
        self.check_topics(fields, topics)
        source = self.check_source(fields)
        link = self.read_link(fields.get("link"))
        translations = self.read_translations(fields, "\n".join([answer or "", *more]))
        if entry_id is None or question is None or answer is None:
            return None
        return FaqEntry(id=entry_id, question=question, similar=similar, keywords=self.phrases(fields, "keywords"),
                        answer=answer, more=more, link=link, topics=topics, source=source, file=self.rel,
                        line=item.line, question_line=fields["question"].line, translations=translations)

    def read_translations(self, fields: dict[str, Marked], chinese: str) -> tuple[tuple[str, str], ...]:
        """answer_ja / answer_en: optional, non-empty, in their language, and saying no number the Chinese answer
        does not say (a translation carries the brochure's facts, it never adds one)."""
        found = []
        for name, language in TRANSLATIONS.items():
            if name not in fields:
                continue
            text = self.text(fields, name, fields[name].line)
            if text is None:
                continue
            line = fields[name].line
            self.check_length(text, line, f"'{name}'")
            if language == "ja" and not _KANA.search(text):
                self.problem(line, f"'{name}' has no kana: write the Japanese answer here (日语答案)")
                continue
            if language == "en" and not _LATIN_WORD.search(text):
                self.problem(line, f"'{name}' has no English word: write the English answer here (英语答案)")
                continue
            added = sorted(set(_NUMBER.findall(text)) - set(_NUMBER.findall(chinese)), key=len, reverse=True)
            if added:
                self.problem(line, f"'{name}' says {', '.join(added)}, which the Chinese answer does not: a "
                                   "translation must say the same facts (翻译不能增加中文答案里没有的数字)")
                continue
            found.append((language, text))
        return tuple(found)

    def text(self, fields: dict[str, Marked], name: str, entry_line: int) -> str | None:
        """A required text field, stripped; reported when missing, empty or not text."""
        marked = fields.get(name)
        if marked is None:
            self.problem(entry_line, f"the entry has no '{name}'")
            return None
        if not marked.is_text or not str(marked.value).strip():
            self.problem(marked.line, f"'{name}' must be a non-empty text")
            return None
        return str(marked.value).strip()

    def phrases(self, fields: dict[str, Marked], name: str) -> tuple[Phrase, ...]:
        """An optional list of texts."""
        marked = fields.get(name)
        if marked is None or marked.value is None:
            return ()
        if not isinstance(marked.value, list):
            self.problem(marked.line, f"'{name}' must be a list: one '- text' per line, or [a, b, c]")
            return ()
        out = []
        for item in marked.value:
            if not item.is_text or not str(item.value).strip():
                self.problem(item.line, f"every item of '{name}' must be a non-empty text")
                continue
            out.append(Phrase(str(item.value).strip(), item.line))
        return tuple(out)

    def check_field_names(self, fields: dict[str, Marked], allowed: tuple[str, ...], what: str) -> None:
        """Report each unknown field name, with the closest allowed one (a typo such as 'similiar')."""
        for name, marked in fields.items():
            if name not in allowed:
                guess = difflib.get_close_matches(name, allowed, n=1)
                hint = f" (did you mean '{guess[0]}'?)" if guess else f" (fields: {', '.join(allowed)})"
                self.problem(marked.line, f"unknown {what} '{name}'{hint}")

    def check_length(self, text: str, line: int, what: str) -> None:
        if len(text) > ANSWER_MAX:
            self.problem(line, f"{what} has {len(text)} characters, more than {ANSWER_MAX}: shorten it or move "
                               "the rest into `more` pages (答案太长)")
        elif len(text) > ANSWER_WARN:
            self.problem(line, f"{what} has {len(text)} characters; aim for {ANSWER_WARN} or fewer on a phone "
                               "screen", "warning")

    def check_topics(self, fields: dict[str, Marked], topics: tuple[str, ...]) -> None:
        if self.topics is None or "topics" not in fields:
            return
        for item in fields["topics"].value if isinstance(fields["topics"].value, list) else ():
            if item.is_text and str(item.value).strip() not in self.topics:
                self.problem(item.line, unknown_name("topic", str(item.value).strip(), self.topics))

    def check_source(self, fields: dict[str, Marked]) -> str:
        marked = fields.get("source")
        if marked is None:
            return ""
        value = str(marked.value or "").strip()
        if value not in SOURCES:
            self.problem(marked.line, f"source should be {' or '.join(SOURCES)}, not '{value}'", "warning")
        return value

    def read_link(self, marked: Marked | None) -> Link | None:
        """The optional news card: a title and an http(s) address."""
        if marked is None or marked.value is None:
            return None
        if not isinstance(marked.value, dict):
            self.problem(marked.line, "'link' must have a title: and a url: on the lines below it")
            return None
        fields: dict[str, Marked] = marked.value
        self.check_field_names(fields, LINK_FIELDS, "link field")
        title = self.text(fields, "title", marked.line)
        url = self.text(fields, "url", marked.line)
        if url is not None and not _is_web_address(url):
            self.problem(fields["url"].line, f"the link url '{url}' must start with http:// or https://")
            url = None
        picurl = str(fields["picurl"].value or "").strip() if "picurl" in fields else ""
        if picurl and not _is_web_address(picurl):
            self.problem(fields["picurl"].line, f"the picture url '{picurl}' must start with http:// or https://")
            picurl = ""
        if title is None or url is None:
            return None
        return Link(title=title, url=url, picurl=picurl)


def _is_web_address(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc) and " " not in url
