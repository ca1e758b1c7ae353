"""WeChat unreachable, refusing or losing answers: nothing is lost, nothing reported sent, nothing sent twice."""
from __future__ import annotations

from bot.push.channels import send_news
from bot.push.scheduler import run_due
from bot.push.status import article_status
from bot.wechat.api import make_client
from tests.constants import TOKEN
from tests.pushkit import ledger_of, openids, readers, subscribe, write_article

NEWS = "/cgi-bin/message/custom/send"
SENDALL = "/cgi-bin/message/mass/sendall"


def pause_seconds(rt, channel: str = "customer") -> float:
    until = rt.redis.get(rt.keys.channel_pause(channel)).split(b" ", 1)[0]
    return float(until) - rt.clock()


def test_an_article_due_while_wechat_is_unreachable_stays_owed_and_goes_out_once_it_is_back(rt, fake,
                                                                                            push_knowledge):
    people = readers(rt, fake, "oDOWN", 3)
    port = int(fake.url.rsplit(":", 1)[1])
    fake.stop()  # nothing listens on the port: connection refused, for the token and for the message
    write_article(push_knowledge, "outage", topics=["tourism"], title="停电")

    [(article, reason)] = run_due(rt)
    assert article.id == "outage" and reason.startswith("paused until") and "connection refused" in reason
    status = article_status(rt, article)
    assert status.status == "paused" and status.counts["failed"] == 0 and status.counts["sent"] == 0
    assert ledger_of(rt, "outage") == {}  # released: still owed to everyone
    assert 0 < pause_seconds(rt) <= 16

    fake.start(port=port)  # WeChat is back; the pause has yet to run out
    assert [a.id for a, _ in run_due(rt)] == ["outage"]
    assert not any(fake.news_to(p) for p in people)

    fake.advance(16)  # the pause is over (the runtime shares the fake's clock)
    assert run_due(rt) == []
    assert all(fake.news_to(p) == ["停电"] for p in people)
    assert len(fake.calls_to(NEWS)) == 3
    assert article_status(rt, article).status == "sent"
    assert set(ledger_of(rt, "outage").values()) == {"s"}


def test_outages_in_a_row_pause_longer_and_a_delivery_resets_the_back_off(rt, fake, push_knowledge):
    readers(rt, fake, "oAGAIN", 1)
    write_article(push_knowledge, "again", topics=["tourism"])
    port = int(fake.url.rsplit(":", 1)[1])
    fake.stop()
    run_due(rt)
    first = pause_seconds(rt)
    fake.advance(first + 1)
    run_due(rt)
    second = pause_seconds(rt)
    assert 0 < first <= 16 < second <= 61  # 15 s, then 60 s (PUSH_OUTAGE_DELAYS), to the second
    fake.start(port=port)
    fake.advance(second + 1)
    assert run_due(rt) == []
    assert not rt.redis.exists(rt.keys.channel_outages("customer"))


def test_http_500_without_a_wechat_answer_was_not_processed_and_is_sent_later(rt, fake, push_knowledge):
    [who] = readers(rt, fake, "o500", 1)
    fake.inject(NEWS, "http:500", times=10)  # more than the quick retries
    write_article(push_knowledge, "five-hundred", topics=["tourism"])
    [(_, reason)] = run_due(rt)
    assert "HTTP 500" in reason
    assert fake.news_to(who) == [] and ledger_of(rt, "five-hundred") == {}
    assert article_status(rt, rt.article("five-hundred")).unknown == []

    fake.injected.clear()  # the front answers normally again
    fake.advance(16)
    assert run_due(rt) == []
    assert len(fake.news_to(who)) == 1 and ledger_of(rt, "five-hundred") == {who: "s"}


def test_a_gateway_timeout_after_the_request_left_is_unknown_with_its_reason_and_not_resent(rt, fake,
                                                                                            push_knowledge):
    lost, fine = readers(rt, fake, "oGATE", 2)
    fake.inject(NEWS, "http:504+", openid=lost)  # WeChat delivered it; the gateway lost the answer
    write_article(push_knowledge, "gateway", topics=["tourism"])
    assert run_due(rt) == []
    rt.redis.hset(rt.keys.push_state("gateway"), "status", "sending")  # as if a crash left it unfinished
    fake.advance(5)
    run_due(rt)
    assert len(fake.news_to(lost)) == 1 and len(fake.news_to(fine)) == 1
    assert len([c for c in fake.calls_to(NEWS) if c.body["touser"] == lost]) == 1
    status = article_status(rt, rt.article("gateway"))
    assert [(u.openid, u.reason) for u in status.unknown] == [(lost, "http504")]
    assert status.counts["unknown"] == 1 and status.unknown_count == 1


def test_no_answer_in_time_is_unknown_never_retried(push_config, store, fake, rt, push_knowledge):
    [who] = openids("oSLOW", 1)
    fake.follow(who, fresh=False)
    fake.wrote(who)
    write_article(push_knowledge, "slow", topics=["tourism"])
    client = make_client(push_config, store, timeout=(3, 0.3))
    client.tag.get()  # the token first, so that only the message is slow
    fake.inject(NEWS, "slow:1.0")
    outcome = send_news(client, rt.article("slow"), who, (0.01, 0.01))
    assert (outcome.kind, outcome.reason) == ("unknown", "timeout")
    assert "access_token" not in outcome.message and "FAKETOKEN" not in outcome.message
    assert len(fake.calls_to(NEWS)) == 1 and len(fake.news_to(who)) == 1  # carried out once, not repeated


def test_thirty_stale_token_answers_cost_one_refresh_and_the_delivery_stays_owed(rt, fake, push_knowledge):
    readers(rt, fake, "oSTORM", 1)
    fake.inject(NEWS, 40001, times=30)
    write_article(push_knowledge, "storm", topics=["tourism"])
    [(_, reason)] = run_due(rt)
    assert reason.startswith("paused until")
    assert len(fake.calls_to("token")) <= 2  # the first token and one refresh, not 31
    assert ledger_of(rt, "storm") == {}


def test_mass_send_while_wechat_is_unreachable_waits_and_goes_out_once(rt, fake, push_knowledge):
    from bot.followers import subscriptions
    from bot.push.followers import request_tag_sync
    from bot.push.scheduler import work_burst

    people = openids("oMASSDOWN", 2)
    fake.follow(*people, fresh=False)
    for openid in people:
        subscriptions.subscribe(rt.store, openid, ["seminar"])
        request_tag_sync(rt.store, openid)
    work_burst(rt)  # tags synced while WeChat is up
    port = int(fake.url.rsplit(":", 1)[1])
    fake.stop()
    write_article(push_knowledge, "seminar", topics=["seminar"], channel="mass")
    [(article, reason)] = run_due(rt)
    assert reason.startswith("paused until") and "connection refused" in reason
    assert article_status(rt, article).status == "paused"
    assert rt.redis.get(rt.keys.mass_quota(fake.day())) in (None, b"0")  # the day's quota is not spent

    fake.start(port=port)
    fake.advance(16)
    assert run_due(rt) == []
    assert article_status(rt, article).status == "sent"
    assert [c.errcode for c in fake.calls_to(SENDALL)] == [0]
    assert all(len(fake.received[p]) == 1 for p in people)


def test_a_pending_delivery_cut_off_by_an_outage_goes_out_when_wechat_is_back(rt, fake, push_knowledge, app):
    from bot.push.scheduler import work_burst
    from bot.staff.chat import WebhookClient

    [who] = openids("oWAKE", 1)
    fake.follow(who, fresh=False)
    subscribe(rt, [who], "tourism")
    write_article(push_knowledge, "kept", topics=["tourism"], title="留着")
    assert run_due(rt) == [] and rt.redis.lrange(rt.keys.pending(who), 0, -1) == [b"kept"]

    port = int(fake.url.rsplit(":", 1)[1])
    fake.stop()
    fake.wrote(who)
    WebhookClient(app, token=TOKEN, openid=who).say("你好")  # opens the window, queues the pending delivery
    work_burst(rt)
    assert rt.redis.lrange(rt.keys.pending(who), 0, -1) == [b"kept"]  # still owed, first in line
    assert rt.redis.hget(rt.keys.push_ledger("kept"), who) == b"p"

    fake.start(port=port)
    fake.advance(16)
    run_due(rt)  # the scheduler wakes the interrupted delivery; nobody had to write again
    work_burst(rt)
    assert fake.news_to(who) == ["留着"]
    assert rt.redis.llen(rt.keys.pending(who)) == 0 and rt.redis.hget(rt.keys.push_ledger("kept"), who) == b"s"


def test_an_html_page_instead_of_wechats_answer_is_not_taken_for_a_delivery(rt, fake, push_knowledge):
    [who] = readers(rt, fake, "oHTML", 1)
    fake.inject(NEWS, "http:200", times=10)  # a captive portal or a wrong WECHAT_API_BASE_URL answers 200 + HTML
    write_article(push_knowledge, "html", topics=["tourism"])
    [(_, reason)] = run_due(rt)
    assert "HTML page" in reason and "WECHAT_API_BASE_URL" in reason
    assert ledger_of(rt, "html") == {} and article_status(rt, rt.article("html")).status == "paused"
    fake.injected.clear()
    fake.advance(16)
    assert run_due(rt) == [] and fake.news_to(who) != [] and ledger_of(rt, "html") == {who: "s"}


def test_an_outage_met_again_during_its_pause_is_the_same_outage(rt, fake):
    first = rt.back_off("customer", "connection refused")  # a batch meets the outage
    assert abs(rt.back_off("customer", "connection refused") - first) < 1  # the tag sync meets it too, still paused
    assert int(rt.redis.get(rt.keys.channel_outages("customer"))) == 1
    assert 0 < pause_seconds(rt) <= 16
    fake.advance(first - rt.clock() + 1)  # the pause ran out and WeChat is still down: the next in a row
    assert 16 < rt.back_off("customer", "connection refused") - rt.clock() <= 61
    assert int(rt.redis.get(rt.keys.channel_outages("customer"))) == 2
