"""Nothing grows without bound: ledgers and pending lists expire once an article can no longer be delivered,
the worker trims what is left, queued jobs expire, and tag syncs wait behind fan-outs on their own queue."""
from __future__ import annotations

import subprocess
import time

from bot.push.followers import request_tag_sync
from bot.push.maintenance import maintain
from bot.push.queue import enqueue, maintenance_queue, push_queue
from bot.push.scheduler import run_due
from bot.push.status import article_status
from tests import pushkit as kit

DAY = 86400
NEWS = "/cgi-bin/message/custom/send"


def inside_and_outside(rt, fake, prefix: str, topic: str = "tourism") -> tuple[str, str]:
    inside, outside = kit.openids(prefix, 2)
    fake.follow(inside, outside, fresh=False)
    kit.subscribe(rt, [inside, outside], topic)
    kit.wrote(rt, fake, inside)  # the other never wrote: their copy waits in their pending list
    return inside, outside


def test_the_ledger_and_pending_list_expire_when_the_article_can_no_longer_be_delivered(rt, fake, push_knowledge):
    _, outside = inside_and_outside(rt, fake, "oTTL")
    kit.write_article(push_knowledge, "ttl", topics=["tourism"], publish_at=kit.ago(1))
    assert run_due(rt) == []
    last_chance = rt.article("ttl").publish_at.timestamp() + 14 * DAY  # PUSH_PENDING_MAX_DAYS
    for key in (rt.keys.push_ledger("ttl"), rt.keys.pending(outside)):
        expires_in = rt.redis.ttl(key)
        assert last_chance - time.time() + DAY < expires_in <= last_chance - time.time() + 2 * DAY + 5
    assert rt.redis.ttl(rt.keys.push_state("ttl")) == -1  # the counters stay

    rt.redis.delete(rt.keys.push_ledger("ttl"))  # as Redis does when the ledger expires
    counts = article_status(rt, rt.article("ttl")).counts
    assert (counts["sent"], counts["pending"], counts["claimed"]) == (1, 1, 0)


def test_maintenance_settles_expired_and_withdrawn_pending_articles_and_trims_the_active_set(rt, fake,
                                                                                             push_knowledge):
    _, outside = inside_and_outside(rt, fake, "oOLD")
    kit.write_article(push_knowledge, "old", topics=["tourism"], publish_at=kit.ago(2))
    kit.write_article(push_knowledge, "withdrawn", topics=["tourism"], publish_at=kit.ago(1))
    run_due(rt)
    assert rt.redis.lrange(rt.keys.pending(outside), 0, -1) == [b"old", b"withdrawn"]
    (push_knowledge / "articles" / "withdrawn.md").unlink()
    rt.redis.zadd(rt.keys.active, {"oSILENT000000000000000000000": rt.clock() - 3 * DAY})

    first = maintain(rt)
    assert rt.redis.lrange(rt.keys.pending(outside), 0, -1) == [b"old"]  # still deliverable
    assert rt.redis.hget(rt.keys.push_ledger("withdrawn"), outside) == b"w"

    fake.advance(15 * DAY)  # past PUSH_PENDING_MAX_DAYS: the follower never came back
    report = maintain(rt)

    assert rt.redis.llen(rt.keys.pending(outside)) == 0
    assert rt.redis.hget(rt.keys.push_ledger("old"), outside) == b"e"
    counts = article_status(rt, rt.article("old")).counts
    assert (counts["pending"], counts["expired"], counts["sent"]) == (0, 1, 1)
    assert rt.redis.zscore(rt.keys.active, "oSILENT000000000000000000000") is None
    assert (first["pending_lists_trimmed"], report["pending_expired"], first["inactive_trimmed"]) == (1, 1, 1)
    assert maintain(rt)["pending_expired"] == 0  # nothing left to do the second time


def test_queued_jobs_expire_if_no_worker_takes_them(rt):
    enqueue(rt.store, "bot.push.pending.deliver_pending", "oJOB000000000000000000000000")
    request_tag_sync(rt.store, "oJOB000000000000000000000000")
    jobs = push_queue(rt.store).get_job_ids() + maintenance_queue(rt.store).get_job_ids()
    assert len(jobs) == 2
    assert all(0 < rt.redis.ttl(f"rq:job:{job}") <= 7 * DAY for job in jobs)


def test_the_worker_sends_articles_before_tag_syncs_and_runs_maintenance(rt, fake, push_knowledge, push_config,
                                                                        redis_url):
    people = kit.openids("oFIRST", 20)
    fake.follow(*people, fresh=False)
    kit.subscribe(rt, people, "tourism")
    kit.wrote(rt, fake, *people)
    for openid in people:  # a burst of subscription changes, queued before the article is due
        request_tag_sync(rt.store, openid)
    kit.write_article(push_knowledge, "first", topics=["tourism"])
    rt.redis.zadd(rt.keys.active, {"oSILENT000000000000000000000": time.time() - 3 * DAY})

    run = subprocess.run([*kit.BOT, "worker", "--burst"], env=kit.cli_env(push_config, redis_url),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    paths = [c.path for c in fake.calls if not c.path.endswith("token")]
    news = [i for i, p in enumerate(paths) if p == NEWS]
    tags = [i for i, p in enumerate(paths) if p.startswith("/cgi-bin/tags/")]
    assert len(news) == 20 and len(tags) >= 20
    assert max(news) < min(tags)  # every delivery went out before the first tag call
    assert rt.redis.zscore(rt.keys.active, "oSILENT000000000000000000000") is None  # maintenance ran
