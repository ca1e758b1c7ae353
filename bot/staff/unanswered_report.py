"""Read the unanswered-questions stream and group similar questions, for `bot report unanswered`."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import click
import redis
from rapidfuzz import fuzz, process

from bot.infra.config import Config
from bot.infra.store import Store
from bot.matching import Analysis, normalize

BATCH = 1000
# Two questions whose words are this similar (rapidfuzz token_sort_ratio, 0-100) are counted as one.
SAME_QUESTION = 75


@dataclass(frozen=True)
class Asked:
    """One record of the unanswered stream: a question that got the fallback (kind ""), a 您是想问 list shown
    for it ("list", with the entries listed) or a pick from that list ("pick")."""

    when: float
    asker: str
    text: str
    score: float
    kind: str = ""
    entries: tuple[str, ...] = ()


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


def read_unanswered(config: Config, *, since: float) -> list[Asked]:
    """Every unanswered question logged since `since` (unix time), oldest first."""
    try:
        store = Store.connect(config)
        key = store.keys.unanswered
        start = f"{int(since * 1000)}-0"
        found: list[Asked] = []
        while True:
            batch = store.redis.xrange(key, min=start, max="+", count=BATCH)
            for stream_id, fields in batch:
                asked = _asked(stream_id, fields)
                if asked.when >= since:
                    found.append(asked)
            if len(batch) < BATCH:
                return found
            last_ms, last_seq = batch[-1][0].decode().split("-")
            start = f"{last_ms}-{int(last_seq) + 1}"
    except (redis.RedisError, OSError) as exc:
        where = config.redis_url or f"the embedded Redis in {config.data_dir}"
        raise click.ClickException(f"cannot read the unanswered questions from {where}: {exc}") from exc


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
    entries = tuple(e for e in get("e").split(",") if e)
    return Asked(when=when, asker=get("u"), text=get("q"), score=score, kind=get("k"), entries=entries)


def unpicked_lists(records: list[Asked]) -> list[Asked]:
    """The 您是想问 lists the follower picked nothing from (no pick by the same follower for the same question
    after it)."""
    picked: dict[tuple[str, str], float] = {}
    for asked in records:
        if asked.kind == "pick":
            key = (asked.asker, asked.text)
            picked[key] = max(picked.get(key, 0.0), asked.when)
    return [a for a in records if a.kind == "list" and picked.get((a.asker, a.text), -1.0) < a.when]


def group_questions(records: list[Asked], analyze: Callable[[str], Analysis] | None = None) -> list[Group]:
    """Group the same and nearly the same questions; the biggest groups first.

    With `analyze` (the knowledge's matcher) questions are compared by their meaningful words, so that
    「签证怎么办理」 and 「簽證如何辦理」 are one group; without it, by their normalized characters.
    """
    by_key: dict[str, list[Asked]] = defaultdict(list)
    for asked in records:
        by_key[_key(asked.text, analyze)].append(asked)
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


def _key(text: str, analyze: Callable[[str], Analysis] | None) -> str:
    if analyze is not None:
        analysis = analyze(text)
        words = analysis.meaningful or analysis.tokens
        if words:
            return " ".join(sorted(words))
    return normalize(text).replace(" ", "") or text.strip()
