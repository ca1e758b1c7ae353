"""Real worker processes: SIGKILL in the middle of a fan-out and a restart, and two workers at once."""
from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import replace

from bot.app import build_push_runtime
from bot.push.runtime import Runtime
from bot.push.scheduler import LISTEN_SECONDS, make_worker
from tests import pushkit as kit

NEWS = "/cgi-bin/message/custom/send"
wait_for, stop, received = kit.wait_for, kit.stop, kit.received


def setup_article(rt: Runtime, fake, push_knowledge, count: int) -> list[str]:
    people = kit.openids("oWORK", count)
    fake.follow(*people, fresh=False)
    kit.subscribe(rt, people, "tourism")
    kit.wrote(rt, fake, *people)
    kit.write_article(push_knowledge, "crash", topics=["tourism"])
    return people


def test_sigkill_mid_fanout_then_restart_sends_each_follower_once(rt, fake, push_knowledge, push_config, redis_url):
    people = setup_article(rt, fake, push_knowledge, 120)
    env = kit.cli_env(push_config.with_(push=replace(push_config.push, rate=40, lease_seconds=2)),
                  redis_url)
    worker = subprocess.Popen([*kit.BOT, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: fake.counts[NEWS] >= 35, what="the first deliveries")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        stop(worker)
    sent_before = fake.counts[NEWS]
    assert 35 <= sent_before < len(people), "the kill must land in the middle of the fan-out"

    again = subprocess.run([*kit.BOT, "push", "run"], env=env, capture_output=True, text=True, timeout=180)
    assert again.returncode == 0, again.stderr

    counts = received(fake, people)
    assert max(counts.values()) == 1  # nobody got it twice
    assert fake.counts[NEWS] == sum(counts.values())  # and no call went out twice
    ledger = {k.decode(): v.decode() for k, v in rt.redis.hgetall(rt.keys.push_ledger("crash")).items()}
    unknown = [p for p, v in ledger.items() if v.startswith("i:")]
    assert len(unknown) <= 1  # at most the one delivery in flight when the worker died
    assert not [p for p, v in ledger.items() if v.startswith("c:")]  # a claim whose call never left was taken over
    assert all(counts[p] == 1 for p in people if p not in unknown)
    assert all(ledger[p] == "s" for p in people if p not in unknown)
    listing = subprocess.run([*kit.BOT, "push", "list", "--unknown"], env=env, capture_output=True, text=True,
                             timeout=60)
    assert "crash" in listing.stdout and "sent" in listing.stdout
    for openid in unknown:
        assert openid in listing.stdout


def test_two_workers_at_once_send_each_follower_once(rt, fake, push_knowledge, push_config, redis_url):
    people = setup_article(rt, fake, push_knowledge, 150)
    env = kit.cli_env(push_config.with_(push=replace(push_config.push, rate=100, batch_size=5)),
                  redis_url)
    workers = [subprocess.Popen([*kit.BOT, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True) for _ in range(2)]
    try:
        wait_for(lambda: rt.redis.hget(rt.keys.push_state("crash"), "status") == b"sent", what="the fan-out")
    finally:
        for worker in workers:
            stop(worker)
    counts = received(fake, people)
    assert set(counts.values()) == {1}
    assert fake.counts[NEWS] == len(people)
    logs = [w.stderr.read() for w in workers]
    assert all("deliver_batch" in log for log in logs), "both workers took batches"


def test_a_push_runtime_loads_topics_and_articles_but_not_the_faq_index(config, store):
    """Workers need topics and articles; the FAQ matcher (jieba's dictionary, ~110 MB) stays out of them."""

    knowledge = build_push_runtime(config, store=store).knowledge.current
    assert knowledge.faq is None and knowledge.topics  # the FAQ and its matcher are not loaded
    assert knowledge.articles


def test_a_burst_run_listens_for_no_commands_and_a_long_run_looks_every_second(rt):
    burst = make_worker(rt)
    burst.work(burst=True, logging_level="WARNING")
    assert burst.pubsub_thread is None  # nothing to stop (and wait for) at its end
    worker = make_worker(rt)
    worker.subscribe()  # what a long-running worker does when it starts
    try:
        assert worker.pubsub_thread.sleep_time == LISTEN_SECONDS == 1.0
        channel = worker.pubsub_channel_name
        assert rt.redis.pubsub_numsub(channel) == [(channel.encode(), 1)]
    finally:
        worker.unsubscribe()  # ends within LISTEN_SECONDS: redis-py 8 waits for the listener thread here
    assert not worker.pubsub_thread.is_alive()
