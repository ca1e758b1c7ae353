"""knowledge/conversation.yaml: the conversational glue staff word: small talk (greetings, thanks, farewells, 在吗,
好的, emoji) with its replies, asking for a person, saying an answer was not it, the 帮助 topics and the default
hot questions.

Phrasings are compared in one form (`talk_form`: NFKC, lower case, no spaces or punctuation, no trailing 啊/呀/呢),
and a message is small talk when it is made of phrasings only (「好的谢谢」, 「谢谢谢谢」), so a greeting in front of a
question (「你好，请问电话多少」) is not: the question is answered.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from bot.knowledge.marked_yaml import Marked, read_needed
from bot.knowledge.problems import Problem

# The kinds of small talk, strongest first: 「好的谢谢」 is thanks, 「你好在吗」 asks whether someone is there.
SMALLTALK_KINDS = ("thanks", "farewell", "presence", "greeting", "ack", "emoji")
# Request kinds (a phrasing list each, no replies: the bot acts on them).
REQUEST_KINDS = ("person", "not_it")
_DROP = re.compile(r"[\s\W_]+")
# Said at the end of a short message without changing it (「好的呀」); tried only when the whole form is not known.
_TRAILING = "啊呀呢哦吖啦嘛呗哈~"
# WeChat's own smileys arrive as text: [微笑], [Smile], /::), /:rose.
_WECHAT_SMILEY = re.compile(r"\[[^\[\]\s]{1,8}\]|/:[^\s/]{1,8}")
_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2028-\u202f\u205f-\u206f\ufeff\u00ad\u180e\u3164]+")


def talk_form(text: str) -> str:
    """How a message and a phrasing are compared: NFKC, lower case, without spaces, punctuation or symbols."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text).lower())


def is_blank(text: str) -> bool:
    """Nothing visible: empty, spaces, or zero-width characters only."""
    return not _INVISIBLE.sub("", text)


def is_emoji_only(text: str) -> bool:
    """Only emoji, symbols and WeChat smiley codes (「🙏」, 「👍👍！」, 「[微笑]」, 「/::)」), at least one of them."""
    without = _WECHAT_SMILEY.sub("", text)
    seen = without != text
    for ch in _INVISIBLE.sub("", without):
        category = unicodedata.category(ch)
        if category in ("So", "Sk", "Cs") or ch in "\u200d\ufe0f\u20e3" or category in ("Mn", "Me"):
            seen = seen or category in ("So", "Cs")
        elif not category.startswith("P"):
            return False
    return seen


@dataclass(frozen=True)
class SmallTalk:
    """One kind of small talk: the phrasings that say it (in talk form) and the replies to it."""

    kind: str
    phrasings: frozenset[str]
    replies: tuple[str, ...]


@dataclass(frozen=True)
class HelpTopic:
    """One numbered line of 帮助: its title and the entries it lists when picked."""

    title: str
    entries: tuple[str, ...]


@dataclass(frozen=True)
class Settings:
    """How long the bot remembers a list and a question's subject, and when it offers a person."""

    list_minutes: int = 5  # a number picks from the last list shown this many minutes ago at most
    subject_minutes: int = 5  # 「那传真呢」 leans on the previous question's subject for this long
    fallbacks_before_person: int = 2  # this many unanswered questions in a row: offer a person
    hot_count: int = 5  # how many hot questions 帮助 and the fallback show
    hot_min_answers: int = 20  # answers in the last 7 days before the counted list replaces the staff's


SETTING_RANGES = {"list_minutes": (1, 60), "subject_minutes": (1, 60), "fallbacks_before_person": (1, 10),
                  "hot_count": (0, 9), "hot_min_answers": (0, 100_000)}


@dataclass(frozen=True)
class Conversation:
    """The small talk kinds, the request phrasings, the 帮助 topics and the default hot questions."""

    smalltalk: Mapping[str, SmallTalk] = field(default_factory=dict)
    requests: Mapping[str, frozenset[str]] = field(default_factory=dict)
    help_topics: tuple[HelpTopic, ...] = ()
    hot_questions: tuple[str, ...] = ()
    contact_entry: str = ""  # the FAQ entry whose answer is the office's contact card
    longest: int = 0
    settings: Settings = field(default_factory=lambda: Settings())

    def smalltalk_kind(self, text: str) -> str | None:
        """The kind of small talk the whole message is (the strongest of its parts), or None."""
        if is_emoji_only(text):
            return "emoji" if "emoji" in self.smalltalk else None
        form = talk_form(text)
        kinds = self._segment(form) or self._segment(form.rstrip(_TRAILING))
        if not kinds:
            return None
        return next(k for k in SMALLTALK_KINDS if k in kinds)

    def request(self, text: str) -> str | None:
        """`person` or `not_it` when the whole message is one of those phrasings."""
        form = talk_form(text)
        for kind, phrasings in self.requests.items():
            if form and (form in phrasings or form.rstrip(_TRAILING) in phrasings):
                return kind
        return None

    @cached_property
    def _phrasing_kinds(self) -> dict[str, str]:
        """Small-talk phrasing → its kind, built once per knowledge version (not once per message)."""
        return {p: talk.kind for talk in self.smalltalk.values() for p in talk.phrasings}

    def _segment(self, form: str) -> set[str] | None:
        """The kinds of the phrasings that make up `form` exactly (None: some of it is not small talk)."""
        if not form:
            return None
        lookup = self._phrasing_kinds
        best: list[set[str] | None] = [set()] + [None] * len(form)
        for end in range(1, len(form) + 1):
            for start in range(max(0, end - self.longest), end):
                kind = lookup.get(form[start:end])
                if kind is not None and best[start] is not None:
                    best[end] = {*best[start], kind}  # type: ignore[misc]
                    break
        return best[-1] or None


NO_CONVERSATION = Conversation()


def load_conversation(root: Path, entry_ids: Collection[str] | None = None) -> tuple[Conversation | None,
                                                                                     list[Problem]]:
    """Read and check conversation.yaml (entry ids of 帮助 and hot questions checked against the FAQ when loaded)."""
    path = root / "conversation.yaml"
    rel = f"{root.name}/conversation.yaml"
    if not path.exists() and not path.is_symlink():
        return NO_CONVERSATION, []  # like a missing menu.yaml: the bot simply has no small talk
    marked, problems = read_needed(root, path)
    if marked is None:
        return None, problems
    if not isinstance(marked.value, dict):
        return None, [Problem(rel, marked.line, "conversation.yaml must have sections like 'smalltalk:'")]
    sections = marked.value
    known = {"smalltalk", "requests", "help_topics", "hot_questions", "settings", "contact_entry"}
    for name in sorted(set(sections) - known):
        problems.append(Problem(rel, sections[name].line, f"unknown section '{name}' (known: "
                                                          f"{', '.join(sorted(known))})", "warning"))
    owner: dict[str, tuple[str, int]] = {}  # phrasing form → (kind, line), so one phrasing means one thing
    smalltalk = _smalltalk(sections.get("smalltalk"), rel, owner, problems)
    requests = _requests(sections.get("requests"), rel, owner, problems)
    help_topics = _help_topics(sections.get("help_topics"), rel, entry_ids, problems)
    hot = _entry_list(sections.get("hot_questions"), rel, "hot_questions", entry_ids, problems)
    settings = _settings(sections.get("settings"), rel, problems)
    contact = _entry_list(Marked([sections["contact_entry"]], sections["contact_entry"].line)
                          if "contact_entry" in sections else None, rel, "contact_entry", entry_ids, problems)
    longest = max((len(p) for t in smalltalk.values() for p in t.phrasings), default=0)
    if any(p.severity == "error" for p in problems):
        return None, problems
    return Conversation(smalltalk=smalltalk, requests=requests, help_topics=help_topics, hot_questions=hot,
                        contact_entry=contact[0] if contact else "", longest=longest, settings=settings), problems


def _phrasings(value: Marked | None, rel: str, kind: str, line: int, owner: dict[str, tuple[str, int]],
               problems: list[Problem]) -> frozenset[str]:
    raw = value.plain() if value is not None else None
    if not isinstance(raw, list) or not raw or not all(isinstance(p, str) for p in raw):
        problems.append(Problem(rel, value.line if value is not None else line,
                                f"'{kind}' needs phrasings: a list like [你好, hello, こんにちは]"))
        return frozenset()
    forms = set()
    for phrase in raw:
        form = talk_form(phrase)
        if not form:
            if kind != "emoji":  # the emoji kind may list a sticker's placeholder made of punctuation
                problems.append(Problem(rel, value.line, f"'{kind}': the phrasing {phrase!r} has no letters"))
            continue
        other = owner.setdefault(form, (kind, value.line))
        if other[0] != kind:
            problems.append(Problem(rel, value.line, f"the phrasing {phrase!r} of '{kind}' is also a phrasing of "
                                                     f"'{other[0]}' (line {other[1]}): one phrasing, one meaning"))
        forms.add(form)
    return frozenset(forms)


def _smalltalk(section: Marked | None, rel: str, owner: dict[str, tuple[str, int]],
               problems: list[Problem]) -> dict[str, SmallTalk]:
    if section is None:
        return {}
    if not isinstance(section.value, dict):
        problems.append(Problem(rel, section.line, "'smalltalk:' must list kinds: greeting, thanks, farewell…"))
        return {}
    found: dict[str, SmallTalk] = {}
    for kind, item in section.value.items():
        if kind not in SMALLTALK_KINDS:
            problems.append(Problem(rel, item.line, f"unknown small talk kind '{kind}' (known: "
                                                    f"{', '.join(SMALLTALK_KINDS)})"))
            continue
        fields = item.value if isinstance(item.value, dict) else {}
        phrasings = _phrasings(fields.get("phrasings"), rel, kind, item.line, owner, problems)
        replies_raw = fields["replies"].plain() if "replies" in fields else None
        if not isinstance(replies_raw, list) or not replies_raw or not all(
                isinstance(r, str) and r.strip() for r in replies_raw):
            problems.append(Problem(rel, fields["replies"].line if "replies" in fields else item.line,
                                    f"'{kind}' needs replies: a list of one or more sentences to answer with"))
            continue
        found[kind] = SmallTalk(kind, phrasings, tuple(r.strip() for r in replies_raw))
    return found


def _requests(section: Marked | None, rel: str, owner: dict[str, tuple[str, int]],
              problems: list[Problem]) -> dict[str, frozenset[str]]:
    if section is None:
        return {}
    if not isinstance(section.value, dict):
        problems.append(Problem(rel, section.line, "'requests:' must list person: and not_it: phrasings"))
        return {}
    found = {}
    for kind, item in section.value.items():
        if kind not in REQUEST_KINDS:
            problems.append(Problem(rel, item.line, f"unknown request '{kind}' (known: {', '.join(REQUEST_KINDS)})"))
            continue
        fields = item.value if isinstance(item.value, dict) else {}
        found[kind] = _phrasings(fields.get("phrasings"), rel, kind, item.line, owner, problems)
    return found


def _entry_list(value: Marked | None, rel: str, what: str, entry_ids: Collection[str] | None,
                problems: list[Problem]) -> tuple[str, ...]:
    if value is None:
        return ()
    raw = value.plain()
    if not isinstance(raw, list) or not all(isinstance(i, str) for i in raw):
        problems.append(Problem(rel, value.line, f"'{what}' must be a list of FAQ entry ids like [jet-about]"))
        return ()
    if entry_ids is not None:
        for entry_id in raw:
            if entry_id not in entry_ids:
                problems.append(Problem(rel, value.line, f"'{what}': no FAQ entry has the id '{entry_id}'"))
    return tuple(dict.fromkeys(raw))


def _help_topics(section: Marked | None, rel: str, entry_ids: Collection[str] | None,
                 problems: list[Problem]) -> tuple[HelpTopic, ...]:
    if section is None:
        return ()
    if not isinstance(section.value, list):
        problems.append(Problem(rel, section.line, "'help_topics:' must be a list of '- title: … entries: […]'"))
        return ()
    topics = []
    for item in section.value:
        fields = item.value if isinstance(item.value, dict) else {}
        title = str(fields["title"].plain() or "").strip() if "title" in fields else ""
        if not title:
            problems.append(Problem(rel, item.line, "a help topic needs a title (the line followers see)"))
            continue
        entries = _entry_list(fields.get("entries"), rel, f"help topic '{title}'", entry_ids, problems)
        if not entries:
            problems.append(Problem(rel, item.line, f"help topic '{title}' needs entries: the questions it lists"))
            continue
        topics.append(HelpTopic(title, entries))
    return tuple(topics)


def _settings(section: Marked | None, rel: str, problems: list[Problem]) -> Settings:
    if section is None:
        return Settings()
    if not isinstance(section.value, dict):
        problems.append(Problem(rel, section.line, "'settings:' must list name: number lines"))
        return Settings()
    values: dict[str, int] = {}
    for name, item in section.value.items():
        if name not in SETTING_RANGES:
            problems.append(Problem(rel, item.line, f"unknown setting '{name}' (known: "
                                                    f"{', '.join(SETTING_RANGES)})"))
            continue
        low, high = SETTING_RANGES[name]
        raw = str(item.plain() or "").strip()
        if not raw.isdigit() or not low <= int(raw) <= high:
            problems.append(Problem(rel, item.line, f"'{name}' must be a whole number from {low} to {high}, "
                                                    f"not {raw!r}"))
            continue
        values[name] = int(raw)
    return Settings(**values)
