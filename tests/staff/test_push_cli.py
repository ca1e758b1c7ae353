"""`bot push list|preview|run|resume` and `bot worker --burst` as staff use them: sentences, never tracebacks."""
from __future__ import annotations

import time

from tests import pushkit as kit

NEWS = "/cgi-bin/message/custom/send"


def follower_set(rt, fake, prefix: str, count: int, topic: str = "tourism") -> list[str]:
    people = kit.openids(prefix, count)
    fake.follow(*people, fresh=False)
    kit.subscribe(rt, people, topic)
    kit.wrote(rt, fake, *people)
    return people


def test_list_shows_each_article_with_status_and_counts(bot, rt, fake, push_knowledge):
    follower_set(rt, fake, "oLIST", 3)
    kit.write_article(push_knowledge, "done", topics=["tourism"])
    kit.write_article(push_knowledge, "later", topics=["jet"], publish_at="2099-01-01T09:00:00+08:00")
    assert bot("push", "run").exit_code == 0
    out = bot("push", "list").output
    done = next(line for line in out.splitlines() if line.startswith("done "))
    later = next(line for line in out.splitlines() if line.startswith("later "))
    assert "sent" in done and done.split()[-6:] == ["3", "3", "0", "0", "0", "0"]
    assert "scheduled" in later and "2099-01-01 09:00" in later
    assert "channel customer: ok" in out
    assert "followers who wrote in the last 48 hours (reachable now): 3" in out


def test_list_names_deliveries_left_in_flight_by_a_crash_but_not_claims_whose_call_never_left(bot, rt,
                                                                                               push_knowledge):
    kit.write_article(push_knowledge, "crashed", topics=["tourism"])
    long_ago = time.time() - 3600
    rt.redis.hset(rt.keys.push_ledger("crashed"), mapping={
        "oUNKNOWN00000000000000000000": f"i:{long_ago:.3f}:l",
        "oNEVERSENT000000000000000000": f"c:{long_ago:.3f}:l:0a1b2c3d",
        "oOLDCLAIM0000000000000000000": f"c:{long_ago:.3f}:s",  # written before claims were marked in flight
    })
    out = bot("push", "list", "--unknown").output
    assert "2 deliveries have an unknown outcome" in out and "oUNKNOWN00000000000000000000" in out
    assert "after sending the request" in out
    assert "oOLDCLAIM0000000000000000000" in out and "a worker stopped during the call" in out
    assert "oNEVERSENT000000000000000000" not in out and "1 owed again" in out


def test_preview_shows_the_card_and_the_mass_text(bot, rt, push_knowledge):
    kit.write_article(push_knowledge, "card", topics=["nagano"], title="长野的冬天", publish_at="2099-01-01T09:00")
    kit.write_article(push_knowledge, "broadcast", topics=["seminar"], channel="mass", body="研讨会回顾全文。",
                      publish_at="2099-01-01T09:00")
    kit.subscribe(rt, ["oPREVIEW0000000000000000000A"], "nagano")
    out = bot("push", "preview", "card").output
    assert "长野的冬天" in out and "摘要 card" in out and "http://www.clair.org.cn/" in out
    assert "长野 (nagano): 1 subscribers" in out and "2099-01-01 09:00" in out
    mass = bot("push", "preview", "broadcast").output
    assert "研讨会回顾全文。" in mass and "mass send" in mass


def test_preview_of_an_unknown_article_is_a_sentence(bot, push_knowledge):
    result = bot("push", "preview", "nope")
    assert result.exit_code == 1 and "no article 'nope'" in result.output and "Traceback" not in result.output


def test_run_with_nothing_due(bot, push_knowledge):
    result = bot("push", "run")
    assert result.exit_code == 0 and "Nothing is due" in result.output


def test_run_stopped_by_48001_exits_1_with_what_to_do_then_resume(bot, rt, fake, push_knowledge):
    people = follower_set(rt, fake, "oCLI48", 2)
    kit.write_article(push_knowledge, "blocked", topics=["tourism"])
    fake.inject(NEWS, 48001)
    result = bot("push", "run")
    assert result.exit_code == 1
    assert "48001" in result.output and "bot push resume" in result.output and "Traceback" not in result.output
    assert "STOPPED" in bot("push", "list").output
    assert "channel customer: resumed" in bot("push", "resume", "customer").output
    assert bot("push", "run").exit_code == 0
    assert all(len(fake.news_to(p)) == 1 for p in people)


def test_run_without_a_secret_says_what_is_missing(bot, monkeypatch):
    monkeypatch.delenv("WECHAT_APP_SECRET")
    result = bot("push", "run")
    assert result.exit_code == 1 and "WECHAT_APP_SECRET" in result.output


def test_worker_burst_takes_queued_jobs(bot, rt, fake, push_knowledge):
    from bot.push.queue import enqueue

    people = follower_set(rt, fake, "oBURST", 1)
    kit.write_article(push_knowledge, "queued", topics=["tourism"])
    rt.redis.rpush(rt.keys.pending(people[0]), "queued")
    rt.redis.hset(rt.keys.push_ledger("queued"), people[0], "p")
    enqueue(rt.store, "bot.push.pending.deliver_pending", people[0])
    assert bot("worker", "--burst").exit_code == 0
    assert len(fake.news_to(people[0])) == 1


def test_list_counts_a_follower_of_two_topics_once(bot, rt, fake, push_knowledge):
    both = follower_set(rt, fake, "oTWO", 2, "tourism")
    kit.subscribe(rt, both, "fukushima")
    follower_set(rt, fake, "oONE", 1, "fukushima")
    kit.write_article(push_knowledge, "two-topics", topics=["tourism", "fukushima"],
                      publish_at="2099-01-01T09:00:00+08:00")
    line = next(x for x in bot("push", "list").output.splitlines() if x.startswith("two-topics "))
    assert line.split()[-6] == "3"  # SUBS: three followers, not 2 + 3
    assert not any(k.startswith(rt.keys.temporary("").encode()) for k in rt.redis.scan_iter())


def test_unknown_deliveries_say_why_and_resend_warns_asks_then_sends_them_again(bot, rt, fake, push_knowledge):
    lost, fine = follower_set(rt, fake, "oRESEND", 2)
    fake.inject(NEWS, "drop", openid=lost)  # delivered, but the answer never came back
    kit.write_article(push_knowledge, "lost", topics=["tourism"])
    assert bot("push", "run").exit_code == 0
    listing = bot("push", "list", "--unknown").output
    assert lost in listing and "the connection closed before WeChat's answer arrived" in listing
    assert "worker stopped" not in listing

    refused = bot("push", "resend", "lost", "--unknown", input="n\n")
    assert refused.exit_code == 1 and "TWICE" in refused.output and "Resend them?" in refused.output
    assert "Traceback" not in refused.output
    assert bot("push", "run").exit_code == 0
    assert len(fake.news_to(lost)) == 1  # nothing resent without a yes

    agreed = bot("push", "resend", "lost", "--unknown", input="y\n")
    assert agreed.exit_code == 0 and "1 deliveries are owed again" in agreed.output
    assert bot("push", "run").exit_code == 0
    assert len(fake.news_to(lost)) == 2 and len(fake.news_to(fine)) == 1  # deliberately twice, the others once
    line = next(x for x in bot("push", "list").output.splitlines() if x.startswith("lost "))
    assert "sent" in line and line.split()[-6:] == ["2", "2", "0", "0", "0", "0"]
    again = bot("push", "resend", "lost", "--unknown", "--yes")
    assert again.exit_code == 1 and "no delivery of unknown outcome" in again.output
