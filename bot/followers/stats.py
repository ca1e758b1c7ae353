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
# One more of ARGV[i + 1] in hash KEYS[i] for each i (a key may come more than once), and every hash keeps ARGV[1]
# seconds: the message's counts in one command on the reply's pipeline.
_COUNT = ("local kept = {} for i, key in ipairs(KEYS) do redis.call('hincrby', key, ARGV[i + 1], 1) "
          "if not kept[key] then kept[key] = true redis.call('expire', key, ARGV[1]) end end return 1")


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
        keys, fields = [key, key], ["messages", f"d:{outcome}"]
        if outcome in ("answer", "gap") and ctx.evidence.entry:
            keys.append(store.keys.stats_entries(day))
            fields.append(ctx.evidence.entry)
    elif message.type == "event" and getattr(message, "event", "") in COUNTED_EVENTS:
        keys, fields = [key], [f"e:{message.event}"]
    else:
        return
    pipe.eval(_COUNT, len(keys), *keys, KEEP_SECONDS, *fields)  # type: ignore[attr-defined]


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
