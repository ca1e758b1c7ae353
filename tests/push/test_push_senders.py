"""Several sender threads in one worker (PUSH_SENDERS): each follower once, the same stops, pauses and limits."""
from __future__ import annotations

import dataclasses
import threading
import time
from collections import Counter

import pytest

from bot.push.scheduler import run_due
from bot.push.status import article_status
from tests.pushkit import ledger_of, readers, write_article

NEWS = "/cgi-bin/message/custom/send"


@pytest.fixture
def senders(rt):
    """The test's runtime with four sender threads per batch, and the names of the threads that sent."""
    rt.settings = dataclasses.replace(rt.settings, senders=4)
    return rt


def test_every_follower_once_and_the_article_sent(senders, fake, push_knowledge):
    rt = senders
    people = readers(rt, fake, "oSEND", 95)
    threads: set[str] = set()
    send_news = rt.client.message.send_articles

    def recording(*args, **kwargs):
        threads.add(threading.current_thread().name)
        return send_news(*args, **kwargs)

    rt.client.message.send_articles = recording
    write_article(push_knowledge, "crowd", topics=["tourism"])
    assert run_due(rt) == []
    assert sorted(c.body["touser"] for c in fake.calls_to(NEWS)) == sorted(people)
    assert ledger_of(rt, "crowd") == {p: "s" for p in people}
    status = article_status(rt, rt.article("crowd"))
    assert (status.status, status.counts["sent"], status.counts["claimed"]) == ("sent", 95, 0)
    assert len(threads) > 1  # the batch really was shared


def test_a_stop_answer_stops_every_sender_and_a_resume_sends_the_rest_once(senders, fake, push_knowledge):
    rt = senders
    people = readers(rt, fake, "oHALT", 10)  # one batch (PUSH_BATCH_SIZE=10)
    fake.inject(NEWS, 48001)
    write_article(push_knowledge, "halt", topics=["tourism"])
    [(_, reason)] = run_due(rt)
    assert "48001" in reason
    assert len(fake.calls_to(NEWS)) <= 4  # at most the calls already on their way when the first answer came
    assert article_status(rt, rt.article("halt")).status != "sent"
    assert rt.resume("customer")
    assert run_due(rt) == []
    assert Counter(p for p in people for _ in fake.news_to(p)) == {p: 1 for p in people}


def test_an_outage_pauses_every_sender_and_nothing_is_lost(senders, fake, push_knowledge):
    rt = senders
    people = readers(rt, fake, "oDARK", 10)
    port = int(fake.url.rsplit(":", 1)[1])
    fake.stop()
    write_article(push_knowledge, "dark", topics=["tourism"])
    [(_, reason)] = run_due(rt)
    assert reason.startswith("paused until")
    assert ledger_of(rt, "dark") == {}  # every claim released: still owed to everyone
    fake.start(port=port)
    fake.advance(16)
    assert run_due(rt) == []
    assert all(fake.news_to(p) == ["标题 dark"] for p in people)
    assert len(fake.calls_to(NEWS)) == 10


def test_a_lost_answer_is_unknown_and_never_resent_by_another_sender(senders, fake, push_knowledge):
    rt = senders
    people = readers(rt, fake, "oGONE", 12)
    fake.inject(NEWS, "drop", openid=people[5])
    write_article(push_knowledge, "gone", topics=["tourism"])
    run_due(rt)
    fake.advance(5)
    rt.redis.hset(rt.keys.push_state("gone"), "status", "sending")  # as if a crash left it unfinished
    run_due(rt)
    assert Counter(c.body["touser"] for c in fake.calls_to(NEWS)) == {p: 1 for p in people}
    assert [u.openid for u in article_status(rt, rt.article("gone")).unknown] == [people[5]]


def test_the_send_rate_holds_for_all_senders_together(senders, fake, push_knowledge):
    rt = senders
    rt.settings = dataclasses.replace(rt.settings, rate=4)
    people = readers(rt, fake, "oRATE", 10)
    stamps: list[int] = []
    send_news = rt.client.message.send_articles

    def stamped(*args, **kwargs):
        stamps.append(int(time.time()))
        return send_news(*args, **kwargs)

    rt.client.message.send_articles = stamped
    write_article(push_knowledge, "paced", topics=["tourism"])
    assert run_due(rt) == []
    assert len(stamps) == 10 and max(Counter(stamps).values()) <= 4
    assert all(len(fake.news_to(p)) == 1 for p in people)
