"""Mass send by topic tag: tags synced, daily quota, clientmsgid idempotency, 45009."""
from __future__ import annotations

from dataclasses import replace

from bot.followers import subscriptions
from bot.push.followers import request_tag_sync
from bot.push.mass import ensure_tags
from bot.push.scheduler import run_due, work_burst
from bot.push.status import article_status
from tests.pushkit import openids, write_article

SENDALL = "/cgi-bin/message/mass/sendall"


def subscribe_via_commands(rt, fake, people: list[str], topic: str) -> None:
    """Subscribe as the chat command does (the change, then the tag sync it queues), then let a worker sync."""
    fake.follow(*people, fresh=False)
    for openid in people:
        subscriptions.subscribe(rt.store, openid, [topic])
        request_tag_sync(rt.store, openid)
    work_burst(rt)


def test_tags_are_created_from_topics_and_followers_tagged(rt, fake):
    people = openids("oTAG", 3)
    subscribe_via_commands(rt, fake, people, "seminar")
    tags = ensure_tags(rt)
    assert fake.tags[tags["seminar"]] == "研讨会"
    assert set(fake.tags.values()) >= {"旅游", "长野县", "JET项目"}
    assert all(fake.followers[p].tags == {tags["seminar"]} for p in people)

    subscriptions.unsubscribe(rt.store, people[0], ["seminar"])
    request_tag_sync(rt.store, people[0])
    work_burst(rt)
    assert fake.followers[people[0]].tags == set()
    creates = len(fake.calls_to("/cgi-bin/tags/create"))
    ensure_tags(rt)
    assert len(fake.calls_to("/cgi-bin/tags/create")) == creates  # known tags are not created again


def test_mass_send_reaches_the_tag_once_and_the_second_waits_for_tomorrow(rt, fake, push_knowledge):
    people = openids("oMASS", 4)
    subscribe_via_commands(rt, fake, people, "seminar")
    write_article(push_knowledge, "seminar-a", topics=["seminar"], channel="mass", body="第十八届研讨会回顾。")
    write_article(push_knowledge, "seminar-b", topics=["seminar"], channel="mass", body="另一篇。")

    left = run_due(rt)
    [call] = fake.calls_to(SENDALL)
    assert call.body["clientmsgid"] in ("seminar-a", "seminar-b")
    assert call.body["filter"]["is_to_all"] is False
    assert all(len(fake.received[p]) == 1 for p in people)
    [(waiting, reason)] = left
    assert "quota" in reason
    assert article_status(rt, waiting).status == "queued"

    fake.advance(86400)
    assert run_due(rt) == []
    assert sorted(c.body["clientmsgid"] for c in fake.calls_to(SENDALL) if c.errcode == 0) == ["seminar-a",
                                                                                                "seminar-b"]
    assert all(len(fake.received[p]) == 2 for p in people)


def test_a_resend_after_a_lost_answer_is_refused_by_clientmsgid(rt, fake, push_knowledge):
    people = openids("oIDEM", 2)
    subscribe_via_commands(rt, fake, people, "seminar")
    fake.mass_quota = 5
    rt.settings = replace(rt.settings, mass_daily_quota=5)  # PUSH_MASS_DAILY_QUOTA=5 (a service account)
    write_article(push_knowledge, "seminar", topics=["seminar"], channel="mass")
    fake.inject(SENDALL, "drop")  # the send happened, the answer was lost
    run_due(rt)
    assert [c.errcode for c in fake.calls_to(SENDALL)] == ["drop", 45065]
    assert article_status(rt, rt.article("seminar")).status == "sent"
    assert all(len(fake.received[p]) == 1 for p in people)


def test_45009_pauses_the_mass_channel(rt, fake, push_knowledge):
    subscribe_via_commands(rt, fake, openids("oMQ", 1), "seminar")
    fake.mass_sent[fake.day()] = 1  # staff already made today's mass send in the admin page
    write_article(push_knowledge, "seminar", topics=["seminar"], channel="mass")
    [(_, reason)] = run_due(rt)
    assert reason.startswith("paused until") and "45009" in reason
    fake.advance(86400)
    assert run_due(rt) == []
    assert article_status(rt, rt.article("seminar")).status == "sent"


def test_a_tag_renamed_in_topics_yaml_is_created_and_used(rt, fake, push_knowledge):
    before = ensure_tags(rt)["seminar"]
    topics = push_knowledge / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8").replace("tag: 研讨会", "tag: 研讨会推送"), encoding="utf-8")
    after = ensure_tags(rt)["seminar"]
    assert after != before and fake.tags[after] == "研讨会推送"
