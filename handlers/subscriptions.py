"""Subscription commands: 订阅 / 订阅 旅游 / 订阅 2 / 退订 长野 / 退订 全部 / 我的订阅 (and menu clicks saying them)."""
from __future__ import annotations

import re
import unicodedata

from bot.core.effects import PASS, Effect, Outcome, answer
from bot.core.lists import LIST_HERE, Option, offer, render_in
from bot.core.replies import TextReply
from bot.core.router import Context
from bot.followers.effects import Subscribe, Unsubscribe
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


def handle(ctx: Context) -> Outcome:
    """Answer a subscription command; anything else goes on down the chain."""
    topics = ctx.knowledge.topics
    if ctx.text is None or not isinstance(topics, Topics) or not len(topics):
        return PASS
    text = TRIM.sub("", unicodedata.normalize("NFKC", ctx.text).strip())
    plan = parse(text, topics)
    if plan is None:
        return PASS
    ctx.evidence.handler = "subscriptions"
    ctx.evidence.decided("command")
    ctx.evidence.subscription = plan[0]
    if ctx.topics is None:  # Redis could not be read: nothing is known of the follower's topics
        return answer(TextReply(ctx.knowledge.text(Say.subscriptions_unavailable)))
    if plan[0] == "list":
        return topic_list(ctx, topics, ctx.topics)
    said, effects = run(ctx, topics, ctx.topics, *plan)
    return answer(TextReply(said), *effects)


def topic_list(ctx: Context, topics: Topics, mine: frozenset[str]) -> Outcome:
    """订阅 alone: the numbered topics, the follower's latest list (「2」 subscribes to the second)."""
    options = [Option(f"订阅 {t.name}", f"{t.number}. {t.name}{' ✓' if t.id in mine else ''}") for t in topics.ordered]
    text = render_in(ctx.knowledge.text(Say.subscribe_list, topics=LIST_HERE), options,
                     tappable=ctx.config.tappable_lists, per_line=PER_LINE)
    return answer(TextReply(text), offer("topics", options, ctx.now))


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


def run(ctx: Context, topics: Topics, mine: frozenset[str], action: str, named: list[Topic],
        unknown: list[str]) -> tuple[str, list[Effect]]:
    """The confirmation (worded from replies.yaml) and the change, given the follower's topics `mine`."""
    k = ctx.knowledge
    if action == "mine" or action == "unsubscribe-hint":
        have = [t for t in topics.ordered if t.id in mine]
        if not have:
            return k.text(Say.subscriptions_none), []
        if action == "unsubscribe-hint":
            return k.text(Say.unsubscribe_hint, names=names(have)), []
        return k.text(Say.my_subscriptions, topics="\n".join(f"· {t.name}（{t.description}）" for t in have)), []
    if action == "unsubscribe-all":
        if not mine:
            return k.text(Say.subscriptions_none), []
        gone = [t for t in topics.ordered if t.id in mine]
        # Topics the knowledge no longer has go too: nothing of the follower's stays behind.
        said = k.text(Say.unsubscribe_all_done, names=names(gone)) if gone else k.text(Say.subscriptions_none)
        return said, [Unsubscribe(tuple(sorted(mine)))]
    lines, effects = [], []
    if named and action == "subscribe":
        added = [t for t in named if t.id not in mine]
        already = [t for t in named if t.id in mine]
        if added:
            effects.append(Subscribe(tuple(t.id for t in added)))
            lines.append(k.text(Say.subscribe_done, names=names(added)))
            if not mine:  # the 48-hour rule is said once, not on every subscription
                lines.append(k.text(Say.subscribe_first_note))
        if already:
            lines.append(k.text(Say.subscribe_already, names=names(already)))
    elif named:
        removed = [t for t in named if t.id in mine]
        absent = [t for t in named if t.id not in mine]
        if removed:
            effects.append(Unsubscribe(tuple(t.id for t in removed)))
            lines.append(k.text(Say.unsubscribe_done, names=names(removed)))
        if absent:
            lines.append(k.text(Say.unsubscribe_not_subscribed, names=names(absent)))
    lines.extend(k.text(Say.subscribe_unknown, word=word) for word in unknown)
    return "\n".join(lines), effects


def names(items: list[Topic]) -> str:
    return "、".join(t.name for t in items)
