"""Customer-service delivery against the fake WeChat API: window, count, pending, errors, exactly once."""
from __future__ import annotations

import threading

from bot.push.scheduler import run_due, unfinished
from bot.push.status import article_status
from bot.push.window import record_activity
from tests.constants import TOKEN
from tests.pushkit import ago, ledger_of, openids, subscribe, write_article, wrote

NEWS = "/cgi-bin/message/custom/send"


def test_inside_window_sent_outside_pending_unfollowed_dropped(rt, fake, push_knowledge):
    inside, outside, gone = openids("oIN", 1) + openids("oOUT", 1) + openids("oGONE", 1)
    fake.follow(inside, outside, gone, fresh=False)
    subscribe(rt, [inside, outside, gone], "tourism")
    wrote(rt, fake, inside, gone)
    fake.unfollow(gone)  # WeChat knows; our webhook missed the unsubscribe event
    write_article(push_knowledge, "spring", topics=["tourism"], title="春天的福岛")

    assert run_due(rt) == []

    assert fake.news_to(inside) == ["春天的福岛"]
    assert fake.news_to(outside) == []
    assert sorted(c.body["touser"] for c in fake.calls_to(NEWS)) == sorted([inside, gone])  # none for a shut window
    assert ledger_of(rt, "spring") == {inside: "s", outside: "p", gone: "x"}
    assert rt.redis.lrange(rt.keys.pending(outside), 0, -1) == [b"spring"]
    assert not rt.redis.sismember(rt.keys.topic_subs("tourism"), gone)  # 43004 dropped the subscriptions
    status = article_status(rt, rt.article("spring"))
    assert (status.status, status.counts["sent"], status.counts["pending"], status.counts["dropped"]) == \
        ("sent", 1, 1, 1)


def test_pending_delivered_oldest_first_within_the_count_when_the_follower_writes(rt, fake, push_knowledge, app):
    from bot.push.scheduler import work_burst
    from bot.staff.chat import WebhookClient

    [who] = openids("oPEND", 1)
    fake.follow(who, fresh=False)
    subscribe(rt, [who], "nagano")
    for day in range(7):
        write_article(push_knowledge, f"news-{day}", topics=["nagano"], publish_at=ago(10 - day),
                      title=f"第{day}篇")
    run_due(rt)
    assert fake.news_to(who) == []
    assert rt.redis.llen(rt.keys.pending(who)) == 7

    chat = WebhookClient(app, token=TOKEN, openid=who)
    fake.wrote(who)
    chat.say("你好")  # the webhook opens the window and queues the pending delivery
    work_burst(rt)
    assert fake.news_to(who) == [f"第{d}篇" for d in range(5)]  # 5 per window, oldest first

    fake.wrote(who)
    chat.say("还有吗")
    work_burst(rt)
    assert fake.news_to(who) == [f"第{d}篇" for d in range(7)]
    assert rt.redis.llen(rt.keys.pending(who)) == 0
    assert all(v == "s" for d in range(7) for v in ledger_of(rt, f"news-{d}").values())
    assert not any(c.errcode for c in fake.calls_to(NEWS))  # we never hit the count at WeChat


def test_click_opens_a_short_window_of_three(rt, fake, push_knowledge):
    [who] = openids("oCLICK", 1)
    fake.follow(who, fresh=False)
    subscribe(rt, [who], "events")
    fake.clicked(who)
    record_activity(rt.store, who, "action", now=rt.clock())
    for n in range(4):
        write_article(push_knowledge, f"event-{n}", topics=["events"], publish_at=ago(10 - n),
                      title=f"活动{n}")
    run_due(rt)
    assert fake.news_to(who) == ["活动0", "活动1", "活动2"]
    assert rt.redis.lrange(rt.keys.pending(who), 0, -1) == [b"event-3"]

    fake.advance(61)  # the minute is over: nothing more may go out
    write_article(push_knowledge, "event-late", topics=["events"])
    run_due(rt)
    assert len(fake.news_to(who)) == 3


def test_45015_and_45047_from_wechat_keep_the_article_pending(rt, fake, push_knowledge):
    shut, full = openids("oSHUT", 1) + openids("oFULL", 1)
    fake.follow(shut, full, fresh=False)
    subscribe(rt, [shut, full], "jet")
    wrote(rt, fake, full)
    record_activity(rt.store, shut, "message", now=rt.clock())  # we think the window is open, WeChat does not
    for _ in range(5):  # someone else (staff in the admin page) used the five messages
        fake.followers[full].long_sent += 1
    write_article(push_knowledge, "jet", topics=["jet"])
    run_due(rt)
    assert sorted(c.errcode for c in fake.calls_to(NEWS)) == [45015, 45047]
    assert ledger_of(rt, "jet") == {shut: "p", full: "p"}
    assert rt.redis.lrange(rt.keys.pending(full), 0, -1) == [b"jet"]
    assert rt.redis.hget(rt.keys.window(full), "ln") == b"5"  # no more calls until they write again
    assert rt.redis.hget(rt.keys.window(shut), "l") is None


def test_system_busy_is_retried_with_backoff_and_sent_once(rt, fake, push_knowledge):
    [who] = openids("oBUSY", 1)
    fake.follow(who, fresh=False)
    subscribe(rt, [who], "tourism")
    wrote(rt, fake, who)
    fake.inject(NEWS, -1, times=2)
    write_article(push_knowledge, "busy", topics=["tourism"])
    run_due(rt)
    assert [c.errcode for c in fake.calls_to(NEWS)] == [-1, -1, 0]
    assert len(fake.news_to(who)) == 1


def test_connection_refused_is_retried_until_wechat_answers(rt, fake, push_knowledge):
    [who] = openids("oNET", 1)
    fake.follow(who, fresh=False)
    subscribe(rt, [who], "tourism")
    wrote(rt, fake, who)
    rt.client.fetch_access_token()
    port = int(fake.url.rsplit(":", 1)[1])
    fake.stop()
    restart = threading.Timer(0.03, fake.start, kwargs={"port": port})
    restart.start()
    write_article(push_knowledge, "net", topics=["tourism"])
    run_due(rt)
    restart.join()
    assert len(fake.news_to(who)) == 1
    assert ledger_of(rt, "net") == {who: "s"}


def test_a_lost_answer_is_never_resent_and_is_listed(rt, fake, push_knowledge):
    lost, fine = openids("oLOST", 1) + openids("oFINE", 1)
    fake.follow(lost, fine, fresh=False)
    subscribe(rt, [lost, fine], "tourism")
    wrote(rt, fake, lost, fine)
    fake.inject(NEWS, "drop", openid=lost)  # WeChat delivered it, the answer never came back
    write_article(push_knowledge, "lost", topics=["tourism"])
    run_due(rt)
    fake.advance(5)
    rt.redis.hset(rt.keys.push_state("lost"), "status", "sending")  # as if a crash left it unfinished
    run_due(rt)  # a new generation scans again
    assert len(fake.news_to(lost)) == 1 and len(fake.news_to(fine)) == 1
    assert len([c for c in fake.calls_to(NEWS) if c.body["touser"] == lost]) == 1
    assert [u.openid for u in article_status(rt, rt.article("lost")).unknown] == [lost]


def test_daily_quota_pauses_the_channel_until_the_next_beijing_day(rt, fake, push_knowledge):
    people = openids("oQUOTA", 6)
    fake.follow(*people, fresh=False)
    subscribe(rt, people, "tourism")
    wrote(rt, fake, *people)
    fake.inject(NEWS, 45009, openid=people[3])
    write_article(push_knowledge, "quota", topics=["tourism"])
    left = run_due(rt)
    assert [a.id for a, _ in left] == ["quota"] and left[0][1].startswith("paused until")
    delivered = [p for p in people if fake.news_to(p)]
    assert people[3] not in delivered and len(delivered) < 6
    assert article_status(rt, rt.article("quota")).status == "paused"

    fake.advance(86400)  # tomorrow (the fake and the runtime share the clock)
    wrote(rt, fake, *people)
    assert run_due(rt) == []
    assert all(len(fake.news_to(p)) == 1 for p in people)


def test_api_unauthorised_stops_with_a_message_until_resumed(rt, fake, push_knowledge):
    people = openids("oSTOP", 3)
    fake.follow(*people, fresh=False)
    subscribe(rt, people, "tourism")
    wrote(rt, fake, *people)
    fake.inject(NEWS, 48001)
    write_article(push_knowledge, "stop", topics=["tourism"])
    [(_, reason)] = run_due(rt)
    assert "48001" in reason and "not authorised" in reason
    assert not any(fake.news_to(p) for p in people)
    assert rt.resume("customer")
    assert run_due(rt) == []
    assert all(len(fake.news_to(p)) == 1 for p in people)


def test_a_follower_of_two_topics_gets_the_article_once(rt, fake, push_knowledge):
    both = openids("oBOTH", 1)
    fake.follow(*both, fresh=False)
    subscribe(rt, both, "tourism")
    subscribe(rt, both, "fukushima")
    wrote(rt, fake, *both)
    write_article(push_knowledge, "fukushima", topics=["tourism", "fukushima"])
    run_due(rt)
    assert len(fake.news_to(both[0])) == 1


def test_many_subscribers_are_streamed_in_batches_each_once(rt, fake, push_knowledge):
    people = openids("oMANY", 95)
    fake.follow(*people, fresh=False)
    subscribe(rt, people, "events")
    wrote(rt, fake, *people)
    write_article(push_knowledge, "many", topics=["events"])
    assert unfinished(rt)
    run_due(rt)
    assert sorted(c.body["touser"] for c in fake.calls_to(NEWS)) == sorted(people)
    assert rt.redis.hget(rt.keys.push_state("many"), "batches") == b"10"  # PUSH_BATCH_SIZE=10
    assert unfinished(rt) == []


def test_future_articles_wait(rt, fake, push_knowledge):
    write_article(push_knowledge, "later", topics=["jet"], publish_at="2099-01-01T09:00:00+08:00")
    assert run_due(rt) == []
    assert article_status(rt, rt.article("later")).status == "scheduled"
    assert fake.calls_to(NEWS) == []
