"""What `bot report` reads besides the unanswered stream: the feedback and handoff streams, and which logged
messages are real questions (not small talk, a number, emoji or a blank) for the current knowledge."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import click
import redis

from bot.core.lists import choice_number
from bot.infra.config import Config
from bot.infra.store import Store
from bot.knowledge import Knowledge
from bot.knowledge.conversation import is_blank, is_emoji_only
from bot.staff.ask import explain

BATCH = 1000


@dataclass(frozen=True)
class Record:
    """One stream record: when, and its text fields."""

    when: float
    fields: dict[str, str]

    def __getitem__(self, name: str) -> str:
        return self.fields.get(name, "")


def read_stream(config: Config, key_of, *, since: float, what: str) -> list[Record]:
    """Every record of a capped stream since `since`, oldest first; a Redis failure is a sentence."""
    try:
        store = Store.connect(config)
        return list(_records(store, key_of(store.keys), since))
    except (redis.RedisError, OSError) as exc:
        where = config.redis_url or f"the embedded Redis in {config.data_dir}"
        raise click.ClickException(f"cannot read the {what} from {where}: {exc}") from exc


def _records(store: Store, key: str, since: float) -> Iterator[Record]:
    start = f"{int(since * 1000)}-0"
    while True:
        batch = store.redis.xrange(key, min=start, max="+", count=BATCH)
        for stream_id, raw in batch:
            fields = {k.decode(): v.decode("utf-8", "replace") for k, v in raw.items()}
            try:
                when = float(fields.get("t", ""))
            except ValueError:
                when = int(stream_id.decode().split("-")[0]) / 1000
            if when >= since:
                yield Record(when, fields)
        if len(batch) < BATCH:
            return
        last_ms, last_seq = batch[-1][0].decode().split("-")
        start = f"{last_ms}-{int(last_seq) + 1}"


def real_question(text: str, knowledge: Knowledge | None) -> bool:
    """Whether a logged message is a question for staff: not blank, emoji, a number, small talk or a request."""
    if is_blank(text) or is_emoji_only(text) or choice_number(text) is not None:
        return False
    if knowledge is None:
        return True
    conversation = knowledge.conversation
    return conversation.smalltalk_kind(text) is None and conversation.request(text) is None


def answered_now(text: str, knowledge: Knowledge | None) -> str:
    """The entry the current knowledge answers `text` with on its own ("" when it does not)."""
    if knowledge is None or knowledge.faq is None:
        return ""
    result = explain(text, knowledge)
    return str(result.get("entry") or "") if result.get("decision") in ("answer", "gap") else ""
