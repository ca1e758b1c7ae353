"""Redis memory of pushes per follower: subscriptions, the sending window, one delivered and one pending article.

Builds the keys with the product's own code (subscribe, record_activity, the ledger's claim script) for N
followers and prints the growth of Redis's used_memory after each step, per follower and per 10,000. Uses an
embedded Redis unless --redis-url names a spare database (it is flushed; never db 0).

    python bench/push_memory.py                    # 10,000 followers, a few seconds
    python bench/push_memory.py --followers 50000
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.infra.push_settings import PushSettings  # noqa: E402
from bot.infra.store import Keys, Store  # noqa: E402
from bot.push.ledger import Ledger  # noqa: E402
from bot.push.window import record_activity  # noqa: E402

PREFIX = "bench:"


def openid(i: int) -> str:
    return f"oBENCH{i:022d}"


def used(client: redis.Redis) -> int:
    return int(client.info("memory")["used_memory"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--redis-url", default=None, help="a spare Redis database (it is flushed); never db 0")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-push-memory-"))
    embedded = None
    if args.redis_url:
        if args.redis_url.rstrip("/").endswith(("/0", ":6379")):
            raise SystemExit("refusing to flush Redis database 0: pass a spare database, e.g. redis://…/15")
        client = redis.Redis.from_url(args.redis_url, socket_timeout=60)
    else:
        embedded = Store.embedded_at(work / "bench.rdb").embedded
        client = redis.Redis(unix_socket_path=embedded.socket_file, socket_timeout=60)
    client.flushdb()
    store = Store(client, Keys(PREFIX))
    settings = PushSettings()
    ledger = Ledger(store, settings)
    people = [openid(i) for i in range(args.followers)]
    now = time.time()
    expire_at = int(now + 16 * 86400)
    steps: list[tuple[str, int]] = []
    before = used(client)

    def step(name: str) -> None:
        nonlocal before
        after = used(client)
        steps.append((name, after - before))
        before = after

    pipe = client.pipeline(transaction=False)
    for who in people:
        pipe.sadd(store.keys.topic_subs("tourism"), who)
        pipe.sadd(store.keys.user_topics(who), "tourism")
    pipe.execute()
    step("subscribed to a topic (topic set + follower's set)")
    for who in people:
        record_activity(store, who, "message", now=now, settings=settings)
    step("wrote within 48 h (window hash + active set)")
    for who in people:
        ledger.sent(ledger.claim("delivered", who, now, expire_at=expire_at))
    client.hset(store.keys.push_state("delivered"), "sent", len(people))
    step("one delivered article (ledger entry)")
    client.delete(*[store.keys.window(who) for who in people])  # their window closed: the next one waits
    step("(window closed again)")
    for who in people:
        ledger.claim("owed", who, now, expire_at=expire_at)
    step("one pending article (ledger entry + pending list)")

    total = sum(delta for name, delta in steps if not name.startswith("("))
    per = args.followers
    print(f"Redis memory of pushes, {per:,} followers (used_memory growth, Redis {client.info()['redis_version']})")
    rows = [(name, delta) for name, delta in steps if not name.startswith("(")]
    rows.append(("all of the above, per follower", total))
    for name, delta in rows:
        print(f"  {name:<52} {delta / per:7.1f} B/follower  {delta * 10_000 / per / 1e6:6.2f} MB per 10k")
    print(f"  ledger TTL: {client.ttl(store.keys.push_ledger('delivered')) / 86400:.1f} days; pending list TTL: "
          f"{client.ttl(store.keys.pending(people[0])) / 86400:.1f} days")
    if embedded is not None:
        embedded.shutdown()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
