"""knowledge/subjects.yaml: what a question can be about (the office, Tokyo HQ, a seminar edition, a prefecture),
the words naming each, and which entry answers each of its attributes, so that a follow-up that leaves out its
subject (「那传真呢」, 「主题是什么」) or its attribute (「第3届呢」, 「那富山呢」, 「What about Tokyo?」) can be read
against the previous question.

Words are compared in the small talk form (bot.knowledge.conversation.talk_form), longest first.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge.conversation import talk_form
from bot.knowledge.marked_yaml import Marked, read_needed
from bot.knowledge.problems import Problem

SUBJECT_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Subject:
    """One thing questions are about: its id, the entry for any attribute, or an entry per attribute."""

    id: str
    entry: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)

    def entry_for(self, attribute: str) -> str | None:
        """The entry that answers `attribute` of this subject (None: the knowledge does not say)."""
        return self.attributes.get(attribute) or self.entry or None


@dataclass(frozen=True)
class Reading:
    """What a message names: the subject and attribute (None when it names none) and whether it is a follow-up:
    nothing is left once its subject, attribute and follow-up markers are taken away."""

    subject: str | None
    attribute: str | None
    short: bool


@dataclass(frozen=True)
class Subjects:
    """The subjects, the attribute words and the follow-up markers of one knowledge version."""

    subjects: Mapping[str, Subject] = field(default_factory=dict)
    subject_words: tuple[tuple[str, str], ...] = ()  # (word form, subject id), longest first
    attribute_words: tuple[tuple[str, str], ...] = ()  # (word form, attribute), longest first
    markers: tuple[str, ...] = ()  # longest first

    def read(self, text: str) -> Reading:
        """The subject and attribute a message names, and whether it is a short follow-up."""
        rest = talk_form(text)
        subject, rest = _take(rest, self.subject_words)
        attribute, rest = _take(rest, self.attribute_words)
        for marker in self.markers:
            rest = rest.replace(marker, "")
        return Reading(subject, attribute, short=not rest and (subject is not None or attribute is not None))


def _take(form: str, words: tuple[tuple[str, str], ...]) -> tuple[str | None, str]:
    """The first (longest) word found in `form` and `form` without it."""
    for word, value in words:
        if word in form:
            return value, form.replace(word, "", 1)
    return None, form


NO_SUBJECTS = Subjects()


def load_subjects(root: Path, entry_ids: Collection[str] | None = None) -> tuple[Subjects | None, list[Problem]]:
    """Read and check subjects.yaml (the entry ids checked against the FAQ when it is loaded)."""
    path = root / "subjects.yaml"
    rel = f"{root.name}/subjects.yaml"
    if not path.exists() and not path.is_symlink():
        return NO_SUBJECTS, []
    marked, problems = read_needed(root, path)
    if marked is None:
        return None, problems
    if not isinstance(marked.value, dict):
        return None, [Problem(rel, marked.line, "subjects.yaml must have 'attributes:', 'markers:' and 'subjects:'")]
    sections = marked.value
    for name in sorted(set(sections) - {"attributes", "markers", "subjects"}):
        problems.append(Problem(rel, sections[name].line, f"unknown section '{name}'", "warning"))
    owners: dict[str, tuple[str, int]] = {}
    attribute_words = _attributes(sections.get("attributes"), rel, owners, problems)
    markers = _words(sections.get("markers"), rel, "markers", problems)
    subjects, subject_words = _subjects(sections.get("subjects"), rel, set(dict(attribute_words).values()),
                                        entry_ids, owners, problems)
    if any(p.severity == "error" for p in problems):
        return None, problems
    return Subjects(subjects=subjects, subject_words=_longest_first(subject_words),
                    attribute_words=_longest_first(attribute_words),
                    markers=tuple(sorted(set(markers), key=len, reverse=True))), problems


def _longest_first(pairs: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


def _words(value: Marked | None, rel: str, what: str, problems: list[Problem]) -> list[str]:
    if value is None:
        return []
    raw = value.plain()
    if not isinstance(raw, list) or not all(isinstance(w, str) for w in raw):
        problems.append(Problem(rel, value.line, f"'{what}' must be a list of words like [传真, fax]"))
        return []
    forms = [talk_form(w) for w in raw]
    if not all(forms):
        problems.append(Problem(rel, value.line, f"'{what}': a word has no letters in it"))
    return [f for f in forms if f]


def _claim(form: str, owner: str, line: int, rel: str, owners: dict[str, tuple[str, int]],
           problems: list[Problem]) -> bool:
    """Note that `form` names `owner`; a word naming two things is an error (it could not be read)."""
    other = owners.setdefault(form, (owner, line))
    if other[0] != owner:
        problems.append(Problem(rel, line, f"the word '{form}' names both '{other[0]}' (line {other[1]}) and "
                                           f"'{owner}': one word, one meaning"))
        return False
    return True


def _attributes(section: Marked | None, rel: str, owners: dict[str, tuple[str, int]],
                problems: list[Problem]) -> list[tuple[str, str]]:
    if section is None or not isinstance(section.value, dict):
        if section is not None:
            problems.append(Problem(rel, section.line, "'attributes:' must list name: [words] lines"))
        return []
    pairs = []
    for name, item in section.value.items():
        for form in _words(item, rel, f"attribute '{name}'", problems):
            if _claim(form, f"attribute {name}", item.line, rel, owners, problems):
                pairs.append((form, name))
    return pairs


def _subjects(section: Marked | None, rel: str, attributes: set[str], entry_ids: Collection[str] | None,
              owners: dict[str, tuple[str, int]], problems: list[Problem]) -> tuple[dict[str, Subject],
                                                                                   list[tuple[str, str]]]:
    if section is None or not isinstance(section.value, dict):
        if section is not None:
            problems.append(Problem(rel, section.line, "'subjects:' must list the subjects by id"))
        return {}, []
    subjects: dict[str, Subject] = {}
    words: list[tuple[str, str]] = []

    def known_entry(entry_id: str, line: int) -> bool:
        if entry_ids is not None and entry_id not in entry_ids:
            problems.append(Problem(rel, line, f"no FAQ entry has the id '{entry_id}'"))
            return False
        return True

    for subject_id, item in section.value.items():
        line = item.line
        if not SUBJECT_ID.match(subject_id):
            problems.append(Problem(rel, line, f"subject id '{subject_id}' must be lowercase letters, digits and "
                                               "hyphens"))
        fields = item.value if isinstance(item.value, dict) else {}
        for unknown in sorted(set(fields) - {"words", "entry", "attributes"}):
            problems.append(Problem(rel, fields[unknown].line, f"unknown field '{unknown}' in '{subject_id}'"))
        forms = _words(fields.get("words"), rel, f"words of '{subject_id}'", problems)
        if not forms:
            problems.append(Problem(rel, line, f"subject '{subject_id}' needs words: how followers name it"))
        entry = str(fields["entry"].plain() or "").strip() if "entry" in fields else ""
        if entry and not known_entry(entry, fields["entry"].line):
            entry = ""
        by_attribute: dict[str, str] = {}
        listed = fields.get("attributes")
        if listed is not None:
            raw = listed.plain()
            if not isinstance(raw, dict):
                problems.append(Problem(rel, listed.line, f"attributes of '{subject_id}' must be attribute: entry id"))
                raw = {}
            for attribute, entry_id in raw.items():
                if attribute not in attributes:
                    problems.append(Problem(rel, listed.line, f"'{subject_id}': unknown attribute '{attribute}' "
                                                              "(add its words under 'attributes:' first)"))
                elif isinstance(entry_id, str) and known_entry(entry_id, listed.line):
                    by_attribute[attribute] = entry_id
        if not entry and not by_attribute:
            problems.append(Problem(rel, line, f"subject '{subject_id}' needs an 'entry' or 'attributes'"))
            continue
        for form in forms:
            if _claim(form, f"subject {subject_id}", line, rel, owners, problems):
                words.append((form, subject_id))
        subjects[subject_id] = Subject(subject_id, entry, by_attribute)
    return subjects, words
