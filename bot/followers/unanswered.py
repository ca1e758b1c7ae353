"""The log of questions the bot could not answer, for staff to turn into new entries: written on the reply's
pipeline, read back in order, and grouped (the same and nearly the same questions counted together).

Redis: one capped stream, `{prefix}unanswered` (about 50,000 records). Fields: t (unix time), u (openid hash),
q (the follower's words, at most 500 characters), s (best score), and k, the kind of record: absent for a question
that got the fallback, `list` for a 您是想问 list shown for q (e: the entry ids listed, comma-separated), `pick` when
the follower then picked from the list shown for q.
"""
from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from bot.core.effects import Target
from bot.followers.effects import LogListed, LogPicked, LogUnanswered
from bot.infra.privacy import hash_openid
from bot.infra.store import Store
from bot.matching import Analysis, normalize

MAX_ENTRIES = 50_000
BATCH = 1000
# Two questions whose words are this similar (rapidfuzz token_sort_ratio, 0-100) are counted as one.
SAME_QUESTION = 75


def record(store: Store | None, *, openid: str, text: str, score: float = 0.0, now: float | None = None) -> None:
    """Append one unanswered question to the capped stream (no-op when Redis is down)."""
    if store is None or not text.strip():
        return
    store.safe(lambda r: _queue(r, store, openid, text, score, now if now is not None else time.time()), None)


def apply_log(effect: LogUnanswered, target: Target, pipe: Any) -> None:
    """Applier of LogUnanswered: the record rides on the reply's pipeline."""
    if effect.text.strip():
        _queue(pipe, target.store, target.openid, effect.text, effect.score, target.now)


def apply_listed(effect: LogListed, target: Target, pipe: Any) -> None:
    """Applier of LogListed: a list shown, on the reply's pipeline."""
    if effect.text.strip():
        _queue(pipe, target.store, target.openid, effect.text, 0.0, target.now,
               {"k": "list", "e": ",".join(effect.entries)})


def apply_picked(effect: LogPicked, target: Target, pipe: Any) -> None:
    """Applier of LogPicked: a pick from the list shown for the question."""
    if effect.text.strip():
        _queue(pipe, target.store, target.openid, effect.text, 0.0, target.now, {"k": "pick"})


def _queue(r: Any, store: Store, openid: str, text: str, score: float, now: float,
           extra: dict[str, str] | None = None) -> None:
    fields = {"t": f"{now:.3f}", "u": hash_openid(openid), "q": text.strip()[:500], "s": f"{score:.3f}",
              **(extra or {})}
    r.xadd(store.keys.unanswered, fields, maxlen=MAX_ENTRIES, approximate=True)


@dataclass(frozen=True)
class Asked:
    """One logged unanswered question."""

    when: float
    asker: str
    text: str
    score: float
    kind: str = ""  # "" a question that got the fallback; list: a 您是想问 list shown; pick: a pick from it
    entries: tuple[str, ...] = ()  # the entries a list showed


@dataclass
class Group:
    """Similar questions counted together."""

    key: str
    example: str = ""
    count: int = 0
    last: float = 0.0
    best_score: float = 0.0
    askers_seen: set[str] = field(default_factory=set)
    texts: Counter = field(default_factory=Counter)

    @property
    def askers(self) -> int:
        return len(self.askers_seen)

    @property
    def variants(self) -> list[str]:
        """Other wordings in the group, most frequent first."""
        return [t for t, _ in self.texts.most_common() if t != self.example]

    def add(self, asked: Asked) -> None:
        self.count += 1
        self.last = max(self.last, asked.when)
        self.best_score = max(self.best_score, asked.score)
        self.askers_seen.add(asked.asker)
        self.texts[asked.text] += 1
        self.example = self.texts.most_common(1)[0][0]


def read_stream(store: Store, key: str, since: float,
                make: Callable[[bytes, dict[bytes, bytes]], Asked]) -> list[Asked]:
    """Every record of a stream since `since` (unix time), oldest first, each made into an Asked (raises redis
    errors)."""
    start = f"{int(since * 1000)}-0"
    found: list[Asked] = []
    while True:
        batch = store.redis.xrange(key, min=start, max="+", count=BATCH)
        for stream_id, fields in batch:
            asked = make(stream_id, fields)
            if asked.when >= since:
                found.append(asked)
        if len(batch) < BATCH:
            return found
        last_ms, last_seq = batch[-1][0].decode().split("-")
        start = f"{last_ms}-{int(last_seq) + 1}"


def read_since(store: Store, since: float) -> list[Asked]:
    """Every record of the unanswered log since `since` (unix time): questions, lists shown, picks."""
    return read_stream(store, store.keys.unanswered, since, _asked)


def read_fallbacks(store: Store, since: float) -> list[Asked]:
    """The questions that got the fallback since `since`."""
    return [a for a in read_since(store, since) if not a.kind]


def read_unpicked(store: Store, since: float) -> list[Asked]:
    """The 您是想问 lists shown since `since` that the follower picked nothing from."""
    return unpicked_lists(read_since(store, since))


def unpicked_lists(records: list[Asked]) -> list[Asked]:
    """The 您是想问 lists the follower picked nothing from (no pick by the same follower for the same question
    after it)."""
    picked: dict[tuple[str, str], float] = {}
    for asked in records:
        if asked.kind == "pick":
            key = (asked.asker, asked.text)
            picked[key] = max(picked.get(key, 0.0), asked.when)
    return [a for a in records if a.kind == "list" and picked.get((a.asker, a.text), -1.0) < a.when]


def field_text(fields: dict[bytes, bytes], name: str) -> str:
    return fields.get(name.encode(), b"").decode("utf-8", "replace")


def record_time(stream_id: bytes, fields: dict[bytes, bytes]) -> float:
    try:
        return float(field_text(fields, "t"))
    except ValueError:
        return int(stream_id.decode().split("-")[0]) / 1000


def _asked(stream_id: bytes, fields: dict[bytes, bytes]) -> Asked:
    def get(name: str) -> str:
        return fields.get(name.encode(), b"").decode("utf-8", "replace")

    try:
        when = float(get("t"))
    except ValueError:
        when = int(stream_id.decode().split("-")[0]) / 1000
    try:
        score = float(get("s"))
    except ValueError:
        score = 0.0
    return Asked(when=when, asker=get("u"), text=get("q"), score=score, kind=get("k"),
                 entries=tuple(e for e in get("e").split(",") if e))


def group_questions(records: list[Asked], analyze: Callable[[str], Analysis] | None = None) -> list[Group]:
    """Group the same and nearly the same questions; the biggest groups first.

    With `analyze` (the knowledge's matcher) questions are compared by their meaningful words, so that
    「签证怎么办理」 and 「簽證如何辦理」 are one group; without it, by their normalized characters.
    """
    by_key: dict[str, list[Asked]] = defaultdict(list)
    for asked in records:
        by_key[group_key(asked.text, analyze)].append(asked)
    groups: list[Group] = []
    keys: list[str] = []
    for key, asks in sorted(by_key.items(), key=lambda item: -len(item[1])):
        match = (process.extractOne(key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=SAME_QUESTION)
                 if keys else None)
        if match is None:
            groups.append(Group(key=key))
            keys.append(key)
            group = groups[-1]
        else:
            group = groups[match[2]]
        for asked in asks:
            group.add(asked)
    return sorted(groups, key=lambda g: (-g.count, -g.last))


def group_key(text: str, analyze: Callable[[str], Analysis] | None) -> str:
    if analyze is not None:
        analysis = analyze(text)
        words = analysis.meaningful or analysis.tokens
        if words:
            return " ".join(sorted(words))
    return normalize(text).replace(" ", "") or text.strip()
