"""Daily counts of what the bot did, for the console's dashboard and the hits of each entry: one hash per Beijing
day (messages, each decision, follows and unfollows) and one of entry hits, written on the reply's pipeline."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from bot.core.effects import Target
from bot.core.router import Context
from bot.infra.store import Store
from bot.knowledge.articles import SHANGHAI

KEEP_SECONDS = 400 * 86400  # a little over a year of days
ASKED = ("text", "voice")  # the messages a follower types or speaks
COUNTED_EVENTS = ("subscribe", "unsubscribe")


def day_of(moment: float) -> str:
    """The Beijing day of a unix time, YYYYMMDD."""
    return datetime.fromtimestamp(moment, SHANGHAI).strftime("%Y%m%d")


def queue_stats(ctx: Context, target: Target, pipe: object) -> None:
    """Count the message in its day's hash (and the entry it answered), on the reply's pipeline; no round trip."""
    store = target.store
    day = day_of(target.now)
    key = store.keys.stats_day(day)
    message = ctx.message
    if message.type in ASKED:
        outcome = ctx.evidence.outcome
        pipe.hincrby(key, "messages", 1)  # type: ignore[attr-defined]
        pipe.hincrby(key, f"d:{outcome}", 1)  # type: ignore[attr-defined]
        if outcome in ("answer", "gap") and ctx.evidence.entry:
            hits = store.keys.stats_entries(day)
            pipe.hincrby(hits, ctx.evidence.entry, 1)  # type: ignore[attr-defined]
            pipe.expire(hits, KEEP_SECONDS)  # type: ignore[attr-defined]
    elif message.type == "event" and getattr(message, "event", "") in COUNTED_EVENTS:
        pipe.hincrby(key, f"e:{message.event}", 1)  # type: ignore[attr-defined]
    else:
        return
    pipe.expire(key, KEEP_SECONDS)  # type: ignore[attr-defined]


def last_days(days: int, now: float) -> list[str]:
    """The last `days` Beijing days, oldest first, today last."""
    today = datetime.fromtimestamp(now, SHANGHAI)
    return [(today - timedelta(days=n)).strftime("%Y%m%d") for n in range(days - 1, -1, -1)]


def daily_counts(store: Store, days: int, now: float) -> list[tuple[str, dict[str, int]]]:
    """(day, counts) for each of the last `days` days (empty counts for a day with nothing)."""
    names = last_days(days, now)
    pipe = store.redis.pipeline(transaction=False)
    for day in names:
        pipe.hgetall(store.keys.stats_day(day))
    return [(day, {k.decode(): int(v) for k, v in raw.items()}) for day, raw in zip(names, pipe.execute(), strict=True)]


def entry_hits(store: Store, days: int, now: float) -> Counter:
    """Entry id → times answered in the last `days` days."""
    pipe = store.redis.pipeline(transaction=False)
    for day in last_days(days, now):
        pipe.hgetall(store.keys.stats_entries(day))
    total: Counter = Counter()
    for raw in pipe.execute():
        total.update({k.decode(): int(v) for k, v in raw.items()})
    return total


def first_counted_day(counts: list[tuple[str, dict[str, int]]]) -> str | None:
    """The first day in `counts` with anything counted (counting starts when this version is deployed)."""
    return next((day for day, values in counts if values), None)
