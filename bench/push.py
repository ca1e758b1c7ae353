"""Push fan-out benchmark: real `bot worker` processes, Redis, and the fake WeChat API (no rate limit).

Prints deliveries per second with 1 and 2 workers at 100,000 subscribers, the CPU each delivery cost the workers,
the fake WeChat server and Redis, the peak RSS of a worker at 10,000 and at 100,000 subscribers (flat when
subscribers are streamed, not loaded), and Redis commands per delivery (INFO commandstats before and after).
Uses an embedded Redis unless --redis-url is given (never db 0).

    python bench/push.py                      # about 3-5 minutes on 2 cores
    python bench/push.py --subscribers 20000  # quicker
    python bench/push.py --senders 4          # PUSH_SENDERS=4: four calls on their way at once per worker
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.devkit.fake_wechat import FakeWeChat, Follower  # noqa: E402
from bot.infra.store import Keys, Store  # noqa: E402
from bot.knowledge.articles import SHANGHAI  # noqa: E402

APP_ID, SECRET, PREFIX = "wx2c2769f8efd9abc2", "benchsecret", "bench:"
NEWS = "/cgi-bin/message/custom/send"


def openid(i: int) -> str:
    return f"oBENCH{i:022d}"


def populate(client: redis.Redis, keys: Keys, fake: FakeWeChat, topic: str, count: int) -> None:
    """`count` subscribers of `topic`, each inside their 48-hour window, known to the fake as followers."""
    now = time.time()
    pipe = client.pipeline(transaction=False)
    for i in range(count):
        who = openid(i)
        pipe.sadd(keys.topic_subs(topic), who)
        pipe.hset(keys.window(who), mapping={"l": f"{now:.3f}", "ln": 0})
        fake.followers[who] = Follower(wrote_at=now)
        if i % 5000 == 4999:
            pipe.execute()
    pipe.execute()


def write_article(knowledge: Path, article_id: str, topic: str) -> None:
    when = (datetime.now(SHANGHAI) - timedelta(minutes=1)).isoformat(timespec="seconds")
    (knowledge / "articles" / f"{article_id}.md").write_text(
        f"---\ntitle: 基准测试 {article_id}\nsummary: 摘要\nurl: http://www.clair.org.cn/\ntopics: [{topic}]\n"
        f"publish_at: {when}\n---\n正文。\n", encoding="utf-8")


def command_count(client: redis.Redis) -> int:
    return sum(int(v["calls"]) for v in client.info("commandstats").values())


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def redis_cpu(client: redis.Redis) -> float:
    """CPU seconds the Redis server has used so far (INFO cpu)."""
    info = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def run(env: dict, client: redis.Redis, keys: Keys, fake: FakeWeChat, knowledge: Path, *, article_id: str,
        topic: str, workers: int, expected: int) -> dict:
    """Publish one article to `expected` subscribers with `workers` worker processes; measure."""
    fake.span.pop(NEWS, None)
    calls_before = fake.counts[NEWS]
    commands_before = command_count(client)
    fake_before, redis_before = time.process_time(), redis_cpu(client)  # the fake serves from this process
    write_article(knowledge, article_id, topic)
    started = time.time()
    procs = [subprocess.Popen([sys.executable, "-c", "from bot.staff.cli import main; main()", "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
    try:
        last_print = started
        while client.hget(keys.push_state(article_id), "status") != b"sent":
            time.sleep(0.25)
            if time.time() - last_print >= 15:
                done = fake.counts[NEWS] - calls_before
                print(f"    … {done:,}/{expected:,} delivered after {time.time() - started:.0f} s", flush=True)
                last_print = time.time()
            if time.time() - started > 900:
                raise SystemExit("the fan-out did not finish within 15 minutes")
        elapsed = time.time() - started
        rss = [peak_rss_kb(p.pid) for p in procs]
        worker_cpu = sum(cpu_seconds(p.pid) for p in procs)
        fake_cpu, server_cpu = time.process_time() - fake_before, redis_cpu(client) - redis_before
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    delivered = fake.counts[NEWS] - calls_before
    first, last = fake.span[NEWS]
    return {"delivered": delivered, "elapsed": elapsed, "rate": delivered / max(last - first, 1e-9),
            "rate_total": delivered / elapsed, "rss_mb": [r / 1024 for r in rss],
            "commands": (command_count(client) - commands_before) / max(delivered, 1),
            "cpu_us": {name: seconds / max(delivered, 1) * 1e6 for name, seconds in
                       (("worker", worker_cpu), ("fake", fake_cpu), ("redis", server_cpu))}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000, help="the smaller run for the memory comparison")
    parser.add_argument("--redis-url", default=None, help="a spare Redis database (it is flushed); never db 0")
    parser.add_argument("--senders", type=int, default=1, help="PUSH_SENDERS: calls a worker keeps going at once")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-push-"))
    knowledge = work / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge, ignore=shutil.ignore_patterns("faq", "articles"))
    (knowledge / "articles").mkdir()
    if args.redis_url:
        if args.redis_url.rstrip("/").endswith(("/0", ":6379")):
            raise SystemExit("refusing to flush Redis database 0: pass a spare database, e.g. redis://…/15")
        redis_url = args.redis_url
        embedded = None
    else:
        embedded = Store.embedded_at(work / "bench.rdb").embedded
        redis_url = f"unix://{embedded.socket_file}"
    client = redis.Redis.from_url(redis_url, socket_timeout=60)
    client.flushdb()
    client.config_set("save", "")  # no snapshots in the middle of the measurement
    keys = Keys(PREFIX)

    fake = FakeWeChat(appid=APP_ID, secret=SECRET, enforce=False, record=False)
    base_url = fake.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PUSH_", "WECHAT_", "REDIS_"))}
    env.update(WECHAT_TOKEN="benchtoken", WECHAT_APP_ID=APP_ID, WECHAT_APP_SECRET=SECRET, REDIS_URL=redis_url,
               REDIS_KEY_PREFIX=PREFIX, WECHAT_API_BASE_URL=base_url, KNOWLEDGE_DIR=str(knowledge),
               PUSH_RATE="0", PUSH_SCHEDULER_INTERVAL="0.2", PUSH_BATCH_SIZE="500", PUSH_SENDERS=str(args.senders),
               PYTHONPATH=str(ROOT))

    print(f"populating {args.subscribers:,} + {args.small:,} subscribers …", flush=True)
    populate(client, keys, fake, "tourism", args.subscribers)
    populate(client, keys, fake, "nagano", args.small)
    results = {}
    for name, topic, workers, count in (("small", "nagano", 1, args.small), ("one", "tourism", 1, args.subscribers),
                                        ("two", "tourism", 2, args.subscribers)):
        print(f"  {count:,} subscribers, {workers} worker(s) …", flush=True)
        results[name] = run(env, client, keys, fake, knowledge, article_id=f"bench-{name}", topic=topic,
                            workers=workers, expected=count)
    fake.stop()
    if embedded is not None:
        embedded.shutdown()

    one, two, small = results["one"], results["two"], results["small"]
    print()
    print(f"push fan-out through the fake WeChat API, no rate limit, batch 500, {args.senders} sender(s) per worker "
          f"({os.cpu_count()} cores)")
    print(f"  1 worker,  {args.subscribers:>7,} subscribers: {one['rate']:7.0f} deliveries/s "
          f"({one['delivered']:,} in {one['elapsed']:.1f} s from start)")
    print(f"  2 workers, {args.subscribers:>7,} subscribers: {two['rate']:7.0f} deliveries/s "
          f"({two['delivered']:,} in {two['elapsed']:.1f} s from start)")
    print(f"  peak RSS of a worker: {small['rss_mb'][0]:.1f} MB at {args.small:,} subscribers, "
          f"{one['rss_mb'][0]:.1f} MB at {args.subscribers:,} (2 workers: "
          f"{', '.join(f'{r:.1f}' for r in two['rss_mb'])} MB)")
    for label, result in (("1 worker ", one), ("2 workers", two)):
        print(f"  CPU per delivery, {label}: " + ", ".join(f"{name} {us:.0f} µs" for name, us in
                                                        result["cpu_us"].items())
              + " (the worker's includes its start-up; steadier than deliveries/s on a shared machine)")
    print(f"  Redis commands per delivery: {one['commands']:.2f} (1 worker), {two['commands']:.2f} (2 workers), "
          f"{small['commands']:.2f} ({args.small:,})")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
