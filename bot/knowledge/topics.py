"""knowledge/topics.yaml: the topics followers subscribe to, each with names followers type and a WeChat tag."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.marked_yaml import read_needed
from bot.knowledge.problems import Problem

TOPIC_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
TAG_MAX_BYTES = 30  # WeChat: a tag name is at most 30 bytes
MAX_TAGS = 100  # WeChat: at most 100 tags per account
_PUNCT = re.compile(r"[\s「」『』“”\"'《》<>()（）【】\[\]。.!！?？~～]+")
_SUFFIXES = ("县", "縣", "県", "府", "市")


def normalize_topic_word(word: str) -> str:
    """How a typed topic word is compared: NFKC, lower case, no spaces or brackets."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", word)).lower()


@dataclass(frozen=True)
class Topic:
    """One subscribable topic."""

    id: str
    name: str
    number: int
    aliases: tuple[str, ...] = ()
    description: str = ""
    tag: str | None = None


@dataclass(frozen=True)
class Topics(Mapping[str, Topic]):
    """Topic id → Topic in file order (`ordered`), with a lookup from everything a follower may type."""

    ordered: tuple[Topic, ...]
    lookup: Mapping[str, str]

    def __getitem__(self, topic_id: str) -> Topic:
        for topic in self.ordered:
            if topic.id == topic_id:
                return topic
        raise KeyError(topic_id)

    def __iter__(self) -> Iterator[str]:
        return (t.id for t in self.ordered)

    def __len__(self) -> int:
        return len(self.ordered)

    def resolve(self, word: str) -> Topic | None:
        """The topic a follower means by `word`: its number in the list, id, name or an alias."""
        key = normalize_topic_word(word)
        if not key:
            return None
        if key.isdigit():
            number = int(key)
            return self.ordered[number - 1] if 1 <= number <= len(self.ordered) else None
        topic_id = self.lookup.get(key)
        if topic_id is None and len(key) > 2 and key.endswith(_SUFFIXES):
            topic_id = self.lookup.get(key[:-1])
        return self.get(topic_id) if topic_id else None


NO_TOPICS = Topics((), {})


def load_topics(root: Path) -> tuple[Topics | None, list[Problem]]:
    """Read and check topics.yaml."""
    path = root / "topics.yaml"
    rel = f"{root.name}/topics.yaml"
    if not path.exists() and not path.is_symlink():
        return NO_TOPICS, [Problem(rel, 1, "topics.yaml is missing: followers cannot subscribe to anything",
                                        "warning")]
    marked, problems = read_needed(root, path)
    if marked is None:
        return None, problems
    if not isinstance(marked.value, list):
        return None, [Problem(rel, marked.line, "topics.yaml must be a list of topics (each starting with '- id:')")]
    items: list[Topic] = []
    lookup: dict[str, str] = {}
    tags: dict[str, str] = {}
    for item in marked.value:
        topic, found = _topic(item.plain(), len(items) + 1, rel, item.line)
        line = item.line
        problems.extend(found)
        if topic is None:
            continue
        if any(t.id == topic.id for t in items):
            problems.append(Problem(rel, line, f"the topic id '{topic.id}' is used twice"))
            continue
        for word in (topic.id, topic.name, *topic.aliases):
            key = normalize_topic_word(word)
            other = lookup.setdefault(key, topic.id)
            if other != topic.id:
                problems.append(Problem(rel, line, f"'{word}' names both '{other}' and '{topic.id}': "
                                                   "a follower typing it would get the wrong topic"))
        if topic.tag:
            other = tags.setdefault(topic.tag, topic.id)
            if other != topic.id:
                problems.append(Problem(rel, line, f"the tag '{topic.tag}' is used by '{other}' and '{topic.id}'"))
        items.append(topic)
    if len(tags) > MAX_TAGS:
        problems.append(Problem(rel, 1, f"{len(tags)} tags: WeChat allows at most {MAX_TAGS} per account"))
    return Topics(tuple(items), lookup), problems


def _topic(raw: object, number: int, rel: str, line: int) -> tuple[Topic | None, list[Problem]]:
    if not isinstance(raw, dict):
        return None, [Problem(rel, line, "each topic must be a block with id, name, aliases, description, tag")]
    problems: list[Problem] = []
    topic_id = str(raw.get("id") or "").strip()
    name = str(raw.get("name") or "").strip()
    if not TOPIC_ID.match(topic_id):
        problems.append(Problem(rel, line, f"topic id {topic_id!r} must be lowercase letters, digits and hyphens"))
    if not name:
        problems.append(Problem(rel, line, f"topic '{topic_id}' has no name (the Chinese name followers see)"))
    aliases = raw.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str | int) for a in aliases):
        problems.append(Problem(rel, line, f"aliases of '{topic_id}' must be a list like [长野县, 長野, nagano]"))
        aliases = []
    description = str(raw.get("description") or "").strip()
    if not description:
        problems.append(Problem(rel, line, f"topic '{topic_id}' has no description", "warning"))
    tag = str(raw.get("tag") or "").strip() or None
    if tag and len(tag.encode()) > TAG_MAX_BYTES:
        problems.append(Problem(rel, line, f"tag '{tag}' is {len(tag.encode())} bytes: WeChat allows "
                                           f"{TAG_MAX_BYTES} (10 Chinese characters)"))
    unknown = sorted(set(raw) - {"id", "name", "aliases", "description", "tag"})
    if unknown:
        problems.append(Problem(rel, line, f"unknown field(s) {', '.join(map(str, unknown))} in '{topic_id}'",
                                "warning"))
    if any(p.severity == "error" for p in problems):
        return None, problems
    return Topic(id=topic_id, name=name, number=number, aliases=tuple(str(a) for a in aliases),
                 description=description, tag=tag), problems
