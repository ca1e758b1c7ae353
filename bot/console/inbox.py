"""The inbox (待处理): what followers asked that staff should act on, grouped, most frequent first.

Each kind of record comes from one reader: a function `(store, since) -> list[Asked]` in READERS: questions that
got the fallback, 您是想问 lists nobody picked from, answers followers said were not it (不对), requests for a
person. A group staff acted on is remembered by its grouping key, and a group the bot now
answers is left out (counted apart), so the inbox shows only what is still to do.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.console.explain import explain
from bot.followers.feedback import read_feedback
from bot.followers.handoffs import read_handoffs
from bot.followers.unanswered import Asked, Group, group_key, group_questions, read_fallbacks, read_unpicked
from bot.infra.store import Store
from bot.knowledge import Knowledge

Reader = Callable[[Store, float], list[Asked]]


@dataclass(frozen=True)
class Kind:
    """One kind of inbox record: its reader and how staff call it."""

    name: str
    label: str
    read: Reader
    # a group the bot now answers is done (a new phrasing or entry), except feedback: the bot answered it already,
    # and the follower said that answer was not it
    done_when_answered: bool = True


READERS: tuple[Kind, ...] = (
    Kind("unanswered", "没能回答", read_fallbacks),
    Kind("unpicked", "列出了选项但没人选", read_unpicked),
    Kind("feedback", "关注者说答得不对", read_feedback, done_when_answered=False),
    Kind("handoff", "要求转人工", read_handoffs),
)
ACTIONS = {"phrasing": "加为相似问法", "entry": "新建条目", "smalltalk": "闲聊，不用回答", "ignore": "忽略"}


@dataclass
class Item:
    """One group in the inbox, with what the bot says to it now."""

    kind: Kind
    group: Group
    explanation: dict = field(default_factory=dict)
    default_file: str = ""  # where a new entry for it would go
    suggested_id: str = ""

    @property
    def key(self) -> str:
        return self.group.key

    @property
    def candidates(self) -> list[dict]:
        return self.explanation.get("candidates", [])[:5]


@dataclass
class Inbox:
    items: list[Item]
    answered_now: int  # groups the bot answers since (a new phrasing or entry)
    handled: int  # groups staff already acted on
    days: int
    noise: int = 0  # groups with no word at all (digits, emoji, punctuation): not listed


def handled_keys(store: Store) -> dict[str, dict]:
    raw = store.redis.hgetall(store.keys.unanswered_handled)
    out = {}
    for key, value in raw.items():
        try:
            out[key.decode()] = json.loads(value)
        except ValueError:
            out[key.decode()] = {}
    return out


def mark_handled(store: Store, knowledge: Knowledge, texts: list[str], *, who: str, action: str,
                 entry: str = "") -> None:
    """Remember what staff did with these questions (all wordings of a group), so the inbox stops listing them."""
    analyze = knowledge.faq.index.analyze if knowledge.faq is not None else None
    record = json.dumps({"who": who, "action": action, "entry": entry, "t": round(time.time(), 3)},
                        ensure_ascii=False)
    keys = {group_key(t, analyze) for t in texts if t.strip()}
    if keys:
        store.redis.hset(store.keys.unanswered_handled, mapping=dict.fromkeys(keys, record))


def build_inbox(store: Store, knowledge: Knowledge, *, days: int = 30, limit: int = 50,
                now: float | None = None) -> Inbox:
    """The groups still to do, biggest first, each with the bot's explanation of its most frequent wording."""
    since = (now if now is not None else time.time()) - days * 86400
    analyze = knowledge.faq.index.analyze if knowledge.faq is not None else None
    handled = handled_keys(store)
    items: list[Item] = []
    answered = done = noise = 0
    for kind in READERS:
        for group in group_questions(kind.read(store, since), analyze):
            if group.key in handled or any(group_key(t, analyze) in handled for t in group.texts):
                done += 1
                continue
            if not any(ch.isalpha() for ch in group.example):
                noise += 1
                continue
            if len(items) >= limit:
                continue
            explanation = explain(group.example, knowledge)
            if explanation["decision"] == "answer" and kind.done_when_answered:
                answered += 1
                continue
            items.append(Item(kind=kind, group=group, explanation=explanation))
    items.sort(key=lambda item: (-item.group.count, -item.group.last))
    return Inbox(items=items, answered_now=answered, handled=done, days=days, noise=noise)


def find_group(store: Store, knowledge: Knowledge, key: str, *, days: int = 30) -> Group | None:
    """The group with this key among the records of the last `days` days (for an action on it)."""
    since = time.time() - days * 86400
    analyze = knowledge.faq.index.analyze if knowledge.faq is not None else None
    for kind in READERS:
        for group in group_questions(kind.read(store, since), analyze):
            if group.key == key:
                return group
    return None
