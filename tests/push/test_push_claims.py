"""A claim whose call never left is delivered after all; one whose request left is unknown and never repeated.

The ledger tells apart `c:` (claimed, waiting for the send rate's budget: nothing has left) from `i:` (in flight:
only the HTTP request follows). A worker killed, or cut off from Redis, between the two leaves a `c:` claim that
the next claim of the delivery takes over once it is older than the lease; only `i:` and `?:` are unknown.
"""
from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import time

from bot.push.ledger import NO_LIMIT
from bot.push.pending import deliver_pending
from bot.push.runtime import Runtime
from bot.push.scheduler import run_due, tick, work_burst
from bot.push.status import article_status
from bot.push.throttle import Budget
from tests import pushkit as kit

NEWS = "/cgi-bin/message/custom/send"


def spend_the_budget(rt: Runtime, seconds: range, value: int = 10**6) -> None:
    """Another sender has used up the customer-service rate (shared in Redis) for these seconds."""
    pipe = rt.redis.pipeline()
    for second in seconds:
        pipe.set(rt.keys.throttle("customer", second), value, ex=600)
    pipe.execute()


def free_the_budget(rt: Runtime) -> None:
    rt.redis.delete(*rt.redis.keys(rt.keys.throttle("customer", 0)[:-1] + "*"))


def claims_waiting(rt: Runtime, article_id: str) -> list[str]:
    return [p for p, v in kit.ledger_of(rt, article_id).items() if v.startswith("c:")]


def in_window(rt: Runtime, fake, prefix: str, count: int, article_id: str) -> list[str]:
    people = kit.openids(prefix, count)
    fake.follow(*people, fresh=False)
    kit.subscribe(rt, people, "tourism")
    kit.wrote(rt, fake, *people)
    kit.write_article(rt.config.knowledge_dir, article_id, topics=["tourism"])
    return people


def window_count(rt: Runtime, openid: str) -> int:
    return int(rt.redis.hget(rt.keys.window(openid), "ln") or 0)


def bot_run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*kit.BOT, *args], env=env, capture_output=True, text=True, timeout=180)


def test_a_worker_killed_before_its_call_left_owes_it_and_the_restart_delivers_it_once(rt, fake, push_config,
                                                                                       redis_url):
    people = in_window(rt, fake, "oWAIT", 40, "wait")
    env = kit.cli_env(push_config.with_(push=dataclasses.replace(push_config.push, rate=20, lease_seconds=2)),
                      redis_url)
    worker = subprocess.Popen([*kit.BOT, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        kit.wait_for(lambda: fake.counts[NEWS] >= 5, what="the first deliveries")
        now = int(time.time())
        spend_the_budget(rt, range(now, now + 300))  # from now on the worker waits between claim and call
        kit.wait_for(lambda: claims_waiting(rt, "wait"), what="a claim waiting for the budget")
        time.sleep(0.5)
        waiting = claims_waiting(rt, "wait")
        sent_before = fake.counts[NEWS]
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        kit.stop(worker)
    assert len(waiting) == 1 and 5 <= sent_before < len(people), "the kill must land in the middle of the fan-out"
    (never_sent,) = waiting
    assert fake.counts[NEWS] == sent_before and fake.received.get(never_sent) is None  # its call never left
    assert "unknown outcome" not in bot_run(env, "push", "list", "--unknown").stdout
    free_the_budget(rt)

    again = bot_run(env, "push", "run")
    assert again.returncode == 0, again.stderr

    assert set(kit.received(fake, people).values()) == {1}  # every follower once, the one killed waiting too
    assert fake.counts[NEWS] == len(people)
    assert set(kit.ledger_of(rt, "wait").values()) == {"s"}
    assert window_count(rt, never_sent) == 1  # the dead claim's window slot was given back, not counted twice
    listing = bot_run(env, "push", "list", "--unknown").stdout
    assert "wait " in listing and "unknown outcome" not in listing and never_sent not in listing


def test_a_worker_killed_while_its_request_is_with_wechat_leaves_it_unknown_and_not_sent_again(rt, fake, push_config,
                                                                                              redis_url):
    people = in_window(rt, fake, "oFLIGHT", 30, "flight")
    caught = people[17]
    fake.inject(NEWS, "slow:8", openid=caught)  # WeChat carries the call out and answers 8 s later
    env = kit.cli_env(push_config.with_(push=dataclasses.replace(push_config.push, lease_seconds=2)), redis_url)
    worker = subprocess.Popen([*kit.BOT, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        kit.wait_for(lambda: fake.received.get(caught), what="the slow call")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        kit.stop(worker)
    assert kit.ledger_of(rt, "flight")[caught].startswith("i:")

    again = bot_run(env, "push", "run")
    assert again.returncode == 0, again.stderr

    assert set(kit.received(fake, people).values()) == {1}  # the caught one has its (only) copy from before
    assert fake.counts[NEWS] == len(people)
    ledger = kit.ledger_of(rt, "flight")
    assert ledger.pop(caught).startswith("i:") and set(ledger.values()) == {"s"}
    listing = bot_run(env, "push", "list", "--unknown").stdout
    assert "1 deliveries have an unknown outcome" in listing and caught in listing
    assert "a worker stopped after sending the request" in listing


def test_a_redis_error_between_claim_and_call_fails_the_job_and_a_later_generation_delivers_it(rt, fake,
                                                                                               push_knowledge):
    rt.settings = dataclasses.replace(rt.settings, rate=5)
    people = in_window(rt, fake, "oREDIS", 3, "broken")
    now = int(time.time())
    spend_the_budget(rt, range(now, now + 4))
    for second in range(now + 4, now + 60):  # a counter of the wrong type: the next budget check is a Redis error
        rt.redis.rpush(rt.keys.throttle("customer", second), "not a number")

    tick(rt)
    work_burst(rt)  # the batch claims its first follower, waits for the budget, and fails on the broken counter

    (stuck,) = claims_waiting(rt, "broken")
    assert fake.counts[NEWS] == 0 and len(kit.ledger_of(rt, "broken")) == 1
    assert article_status(rt, rt.article("broken")).status != "sent"  # owed deliveries: not reported sent
    free_the_budget(rt)

    assert run_due(rt) == []

    assert set(kit.received(fake, people).values()) == {1}
    assert set(kit.ledger_of(rt, "broken").values()) == {"s"} and window_count(rt, stuck) == 1
    status = article_status(rt, rt.article("broken"))
    assert status.status == "sent" and status.counts["sent"] == 3 and status.unknown == []


def test_a_dead_claim_is_taken_over_once_giving_back_its_window_slot_and_its_old_owner_may_not_call(rt, fake):
    (who,) = kit.openids("oTAKE", 1)
    kit.wrote(rt, fake, who)
    ledger, now, lease = rt.ledger(), rt.clock(), rt.settings.lease_seconds
    spent = Budget(rt.keys.throttle("customer", 1), limit=1, ttl=60, ends=0.0, interval=1)
    rt.redis.set(spent.key, 1)

    first = ledger.claim("take", who, now, budget=spent)
    assert (first.slot, first.state) == ("l", "c") and window_count(rt, who) == 1
    assert ledger.claim("take", who, now + lease / 2).slot == "busy"  # its worker may still be alive

    second = ledger.claim("take", who, now + lease + 1)
    assert second.send and second.in_flight and window_count(rt, who) == 1  # given back, then taken again
    assert ledger.launch(first, now + lease + 2, NO_LIMIT).state == "lost"  # the first worker woke up too late
    assert ledger.claim("take", who, now + 10 * lease).slot == "dup"  # an entry in flight is never taken over
    assert ledger.unresolved("take", older_than=now + 10 * lease)[0].openid == who

    (before,) = kit.openids("oOLDC", 1)  # a claim written before claims were marked in flight: it may have left
    kit.wrote(rt, fake, before)
    rt.redis.hset(rt.keys.push_ledger("take"), before, f"c:{now - 3600:.3f}:l")
    assert ledger.claim("take", before, now).slot == "dup"
    assert before in [u.openid for u in ledger.unresolved("take", older_than=now)]


def test_a_pending_delivery_whose_worker_died_before_the_call_is_sent_by_the_next_run(rt, fake, push_knowledge):
    (who,) = kit.openids("oPEND", 1)
    fake.follow(who, fresh=False)
    kit.subscribe(rt, [who], "tourism")
    kit.write_article(push_knowledge, "kept", topics=["tourism"])
    assert run_due(rt) == [] and kit.ledger_of(rt, "kept") == {who: "p"}  # outside the window: kept for later
    kit.wrote(rt, fake, who)
    spent = Budget(rt.keys.throttle("customer", 1), limit=1, ttl=60, ends=0.0, interval=1)
    rt.redis.set(spent.key, 1)
    claim = rt.ledger().claim_pending("kept", who, rt.clock(), budget=spent)  # and then its worker was killed
    assert claim.state == "c" and rt.redis.lrange(rt.keys.pending(who), 0, -1) == [b"kept"]
    assert article_status(rt, rt.article("kept")).unknown == []

    assert deliver_pending(who) == 0  # within the lease: its worker might still be alive
    fake.advance(rt.settings.lease_seconds + 1)
    assert deliver_pending(who) == 1

    assert fake.news_to(who) == ["标题 kept"] and kit.ledger_of(rt, "kept") == {who: "s"}
    assert rt.redis.llen(rt.keys.pending(who)) == 0 and window_count(rt, who) == 1
    counts = rt.ledger().counts("kept")
    assert (counts["sent"], counts["pending"], counts["claimed"]) == (1, 0, 0)
