"""The mass-send channel (群发) by topic tag: the daily quota, clientmsgid, and tags kept in step with topics."""
from __future__ import annotations

import logging

from bot.followers.subscriptions import topics_of
from bot.infra.privacy import hash_openid
from bot.knowledge.topics import Topics
from bot.push import runtime as rt_module
from bot.push.channels import call_with_retries, send_mass
from bot.wechat.api_errors import WeChatCallError

log = logging.getLogger(__name__)
CHANNEL = "mass"
RETRY_AFTER = 600  # seconds before a failed mass send is tried again


def send_mass_article(article_id: str) -> str:
    """RQ job: mass-send the article to its topic's tag, within today's quota; returns the article's status."""
    rt = rt_module.current()
    article = rt.article(article_id)
    state = rt.keys.push_state(article_id)
    if article is None:
        return "missing"
    if rt.redis.hget(state, "status") == b"sent":
        return "sent"
    if rt.blocked(CHANNEL):
        return "blocked"
    now = rt.clock()
    quota_key = rt.keys.mass_quota(rt_module.beijing_day(now))
    used = rt.redis.incr(quota_key)
    rt.redis.expire(quota_key, 3 * 86400)
    if used > rt.settings.mass_daily_quota:
        rt.redis.decr(quota_key)
        next_try = rt_module.next_beijing_midnight(now)
        rt.redis.hset(state, mapping={"status": "queued", "next_try": f"{next_try:.0f}",
                                      "note": f"daily mass quota ({rt.settings.mass_daily_quota}) used"})
        return "queued"
    try:
        tag_id = ensure_tags(rt).get(article.topics[0])
    except WeChatCallError as exc:  # WeChat did not answer the tag calls: nothing was sent
        rt.redis.decr(quota_key)
        return _later(rt, article_id, str(exc))
    if tag_id is None:
        rt.redis.decr(quota_key)
        rt.redis.hset(state, mapping={"status": "failed", "next_try": f"{now + RETRY_AFTER:.0f}",
                                      "note": f"no WeChat tag for topic {article.topics[0]}"})
        return "failed"
    rt.redis.hset(state, mapping={"status": "sending", "started_at": f"{now:.0f}"})
    outcome = send_mass(rt.client, article, tag_id, rt.settings.retry_delays)
    if outcome.kind == "later":  # clientmsgid makes the next try harmless even if this one went through
        rt.redis.decr(quota_key)
        return _later(rt, article_id, outcome.message)
    if outcome.kind == "sent":
        rt.note_delivered(CHANNEL)
        if outcome.errcode == 45065:
            rt.redis.decr(quota_key)  # an earlier call, whose answer was lost, made the send
        msg_id = (outcome.result or {}).get("msg_id", "")
        rt.redis.hset(state, mapping={"status": "sent", "msg_id": str(msg_id), "finished_at": f"{rt.clock():.0f}",
                                      "note": outcome.message})
        return "sent"
    if outcome.kind == "pause":
        rt.redis.set(quota_key, max(used, rt.settings.mass_daily_quota), keepttl=True)
        rt.pause(CHANNEL, f"45009 mass quota reached ({outcome.message})")
        rt.redis.hset(state, mapping={"status": "queued", "next_try": f"{rt_module.next_beijing_midnight(now):.0f}",
                                      "note": "WeChat says today's mass quota is used"})
        return "queued"
    rt.redis.decr(quota_key)
    if outcome.kind == "stop":
        rt.stop(CHANNEL, outcome.message)
        rt.redis.hset(state, mapping={"status": "due", "note": outcome.message})
        return "stopped"
    rt.redis.hset(state, mapping={"status": "failed", "next_try": f"{rt.clock() + RETRY_AFTER:.0f}",
                                  "note": f"{outcome.errcode} {outcome.message}"})
    return "failed"


def _later(rt: rt_module.Runtime, article_id: str, why: str) -> str:
    """WeChat did not take the mass send: the channel backs off and the article waits, not sent."""
    until = rt.back_off(CHANNEL, f"WeChat did not take the call ({why})")
    rt.redis.hset(rt.keys.push_state(article_id), mapping={"status": "due", "note": f"waiting for WeChat: {why}"})
    log.warning("mass channel paused until %s (Beijing): %s", rt_module.beijing_time(until), why)
    return "later"


def ensure_tags(rt: rt_module.Runtime) -> dict[str, int]:
    """Topic id → WeChat tag id, creating the tags topics.yaml names that WeChat does not have yet.

    The mapping is kept in Redis as topic → "id name", so a tag renamed in topics.yaml is looked up again.
    """
    topics = rt.knowledge.current.topics
    stored = {k.decode(): v.decode().split(" ", 1) for k, v in rt.redis.hgetall(rt.keys.tags).items()}
    wanted = {t.id: t.tag for t in topics.values() if t.tag} if isinstance(topics, Topics) else {}
    known = {topic: int(value[0]) for topic, value in stored.items()
             if topic in wanted and len(value) == 2 and value[1] == wanted[topic]}
    if len(known) == len(wanted):
        return known
    existing = {t["name"]: int(t["id"]) for t in rt.client.tag.get()}
    for topic_id, name in wanted.items():
        if name not in existing:
            outcome = call_with_retries(lambda n=name: rt.client.tag.create(n), rt.settings.retry_delays,
                                        idempotent=False)
            if outcome.kind != "sent":
                log.error("could not create the WeChat tag %r: %s %s", name, outcome.errcode, outcome.message)
                continue
            existing[name] = int(outcome.result["id"])
        known[topic_id] = existing[name]
    rt.redis.delete(rt.keys.tags)
    if known:
        rt.redis.hset(rt.keys.tags, mapping={k: f"{v} {wanted[k]}" for k, v in known.items()})
    return known


def sync_follower_tags(openid: str) -> None:
    """RQ job: give the follower exactly the tags of the topics they subscribed to."""
    rt = rt_module.current()
    try:
        _sync_tags(rt, openid)
    except WeChatCallError as exc:  # expected while WeChat is unreachable: the maintenance step tries again
        rt.redis.sadd(rt.keys.tag_resync, openid)
        rt.redis.expire(rt.keys.tag_resync, 7 * 86400)
        log.warning("tag sync of follower %s postponed: %s", hash_openid(openid), exc)


def _sync_tags(rt: rt_module.Runtime, openid: str) -> None:
    tags = ensure_tags(rt)
    wanted = {tags[t] for t in topics_of(rt.store, openid) if t in tags}
    ours = set(tags.values())
    have = set(rt.client.tag.get_user_tag(openid)) & ours
    for tag_id in sorted(wanted - have):
        rt.client.tag.tag_user(tag_id, openid)
    for tag_id in sorted(have - wanted):
        rt.client.tag.untag_user(tag_id, openid)
