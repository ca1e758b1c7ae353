"""Subscription commands: 订阅 / 订阅 旅游 / 订阅 2 / 退订 长野 / 退订 全部 / 我的订阅 (and menu clicks saying them)."""
from __future__ import annotations

import re
import unicodedata

import redis

from bot.core.replies import Reply, TextReply
from bot.core.router import Context
from bot.followers import subscriptions
from bot.knowledge.texts import Say
from bot.knowledge.topics import Topic, Topics

SUBSCRIBE = re.compile(r"^(?:订阅|訂閱|订购|subscribe|sub)(?P<sep>[\s:：]*)(?P<rest>.*)$", re.I | re.S)
UNSUBSCRIBE = re.compile(r"^(?:退订|退訂|取消订阅|取消訂閱|不要订阅|unsubscribe|unsub)(?P<sep>[\s:：]*)(?P<rest>.*)$",
                         re.I | re.S)
MINE = {"我的订阅", "我的訂閱", "订阅列表", "已订阅", "查看订阅", "我订阅了什么", "mysubscriptions", "mysubs"}
ALL_WORDS = {"全部", "所有", "全部主题", "所有主题", "全部订阅", "all"}
SPLIT = re.compile(r"[\s,，、;；/]+|和|及")
TRIM = re.compile(r"[\s。.!！~～]+$")
PER_LINE = 4


def handle(ctx: Context) -> Reply | None:
    """Answer a subscription command; anything else goes on down the chain."""
    topics = ctx.knowledge.topics
    if ctx.text is None or not isinstance(topics, Topics) or not len(topics):
        return None
    text = TRIM.sub("", unicodedata.normalize("NFKC", ctx.text).strip())
    plan = parse(text, topics)
    if plan is None:
        return None
    ctx.trace.update(handler="subscriptions", decision="command", subscription=plan[0])
    if ctx.store is None:
        return TextReply(ctx.knowledge.text(Say.subscriptions_unavailable))
    try:
        return TextReply(run(ctx, topics, *plan))
    except redis.RedisError:
        return TextReply(ctx.knowledge.text(Say.subscriptions_unavailable))


def parse(text: str, topics: Topics) -> tuple[str, list[Topic], list[str]] | None:
    """(action, topics named, words not understood), or None when the text is not a subscription command."""
    if text.replace(" ", "").lower() in MINE:
        return "mine", [], []
    for action, pattern in (("unsubscribe", UNSUBSCRIBE), ("subscribe", SUBSCRIBE)):
        match = pattern.match(text)
        if match is None:
            continue
        rest = match.group("rest").strip()
        if not rest:
            return ("list" if action == "subscribe" else "unsubscribe-hint"), [], []
        if action == "unsubscribe" and rest.lower() in ALL_WORDS:
            return "unsubscribe-all", [], []
        words = [w for w in SPLIT.split(rest) if w]
        found = [topics.resolve(w) for w in words]
        unknown = [w for w, t in zip(words, found, strict=True) if t is None]
        if unknown and not match.group("sep"):
            return None  # 「订阅号是什么」: a question that starts with the word, not a command
        named = list(dict.fromkeys(t for t in found if t is not None))
        return action, named, unknown
    return None


def run(ctx: Context, topics: Topics, action: str, named: list[Topic], unknown: list[str]) -> str:
    """Carry out the command and word the confirmation from replies.yaml."""
    k, store, openid = ctx.knowledge, ctx.store, ctx.openid
    if action == "list":
        mine = subscriptions.topics_of(store, openid)
        return k.text(Say.subscribe_list, topics=topic_grid(topics, mine))
    if action == "mine" or action == "unsubscribe-hint":
        mine = [t for t in topics.ordered if t.id in subscriptions.topics_of(store, openid)]
        if not mine:
            return k.text(Say.subscriptions_none)
        if action == "unsubscribe-hint":
            return k.text(Say.unsubscribe_hint, names=names(mine))
        return k.text(Say.my_subscriptions, topics="\n".join(f"· {t.name}（{t.description}）" for t in mine))
    if action == "unsubscribe-all":
        had = subscriptions.unsubscribe_all(store, openid)
        gone = [t for t in topics.ordered if t.id in had]
        return k.text(Say.unsubscribe_all_done, names=names(gone)) if gone else k.text(Say.subscriptions_none)
    lines = []
    if named and action == "subscribe":
        first = not subscriptions.topics_of(store, openid)
        added, already = subscriptions.subscribe(store, openid, [t.id for t in named])
        if added:
            lines.append(k.text(Say.subscribe_done, names=names([t for t in named if t.id in added])))
            if first:  # the 48-hour rule is said once, not on every subscription
                lines.append(k.text(Say.subscribe_first_note))
        if already:
            lines.append(k.text(Say.subscribe_already, names=names([t for t in named if t.id in already])))
    elif named:
        removed, absent = subscriptions.unsubscribe(store, openid, [t.id for t in named])
        if removed:
            lines.append(k.text(Say.unsubscribe_done, names=names([t for t in named if t.id in removed])))
        if absent:
            lines.append(k.text(Say.unsubscribe_not_subscribed, names=names([t for t in named if t.id in absent])))
    lines.extend(k.text(Say.subscribe_unknown, word=word) for word in unknown)
    return "\n".join(lines)


def names(items: list[Topic]) -> str:
    return "、".join(t.name for t in items)


def topic_grid(topics: Topics, mine: set[str]) -> str:
    """The numbered topics, a few to a line, subscribed ones ticked."""
    cells = [f"{t.number}. {t.name}{' ✓' if t.id in mine else ''}" for t in topics.ordered]
    return "\n".join("  ".join(cells[i:i + PER_LINE]) for i in range(0, len(cells), PER_LINE))
