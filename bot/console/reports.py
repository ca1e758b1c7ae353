"""The console's report pages: the dashboard (charts drawn on the server) and the pushes (scheduled, due, sent)."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, render_template, request

from bot.app import build_push_runtime
from bot.console import charts
from bot.console.inbox import READERS
from bot.console.web import engine_of
from bot.followers.stats import daily_counts, entry_hits, first_counted_day
from bot.followers.unanswered import group_questions
from bot.push.runtime import Runtime
from bot.push.status import all_statuses, beijing, channel_notes
from bot.push.window import in_window_count

# The dashboard's answer groups: the decisions (Evidence.outcome) each one counts.
OUTCOMES = {"直接回答": ("answer", "gap"), "列出您是想问": ("suggest", "choice_invalid", "choice_no_list"),
            "没能回答": ("fallback",), "转人工": ("handoff",), "闲聊": ("smalltalk",),
            "命令和其他": ("command", "message", "event", "error", "none", "feedback")}
STATUS_WORDS = {"scheduled": "已安排", "due": "到时间了，等待发送", "sending": "正在发送", "sent": "已发送",
                "queued": "排队（明天继续）", "failed": "失败", "paused": "暂停", "stopped": "已停止",
                "expired": "已过期"}


def push_runtime() -> Runtime:
    """One push runtime per app (its own reads of topics and articles), made at the first visit."""
    runtime = current_app.extensions.get("clairbot.console.push")
    if runtime is None:
        engine = engine_of()
        runtime = build_push_runtime(engine.config, store=engine.store)
        current_app.extensions["clairbot.console.push"] = runtime
    return runtime


def register(bp: Blueprint) -> None:
    @bp.get("/dashboard")
    def dashboard() -> str:
        engine = engine_of()
        days = max(7, min(request.args.get("days", type=int) or 30, 120))
        now = time.time()
        rows = daily_counts(engine.store, days, now)
        names, counts = [d for d, _ in rows], [c for _, c in rows]
        knowledge = engine.knowledge.current
        hits = entry_hits(engine.store, days, now)
        faq = knowledge.faq
        top_entries = [(faq.get(e), n) for e, n in hits.most_common(10) if faq is not None and faq.get(e)]
        analyze = faq.index.analyze if faq is not None else None
        asked = READERS[0].read(engine.store, now - days * 86400)  # the questions that got the fallback
        top_unanswered = group_questions(asked, analyze)[:10]
        total = sum(c.get("messages", 0) for c in counts)
        return render_template(
            "console/dashboard.html", days=days, total=total, since=first_counted_day(rows),
            messages_svg=charts.messages_chart(names, counts),
            shares_svg=charts.shares_chart(names, counts, OUTCOMES),
            follows_svg=charts.follows_chart(names, counts),
            totals={label: sum(c.get(f"d:{n}", 0) for c in counts for n in group) for label, group in OUTCOMES.items()},
            top_entries=top_entries, top_unanswered=top_unanswered)

    @bp.get("/pushes")
    def pushes() -> str:
        runtime = push_runtime()
        statuses = all_statuses(runtime)
        topics = runtime.knowledge.current.topics
        subscribers = {t.id: int(runtime.redis.scard(runtime.keys.topic_subs(t.id))) for t in topics.ordered}
        return render_template("console/pushes.html", statuses=statuses, words=STATUS_WORDS, beijing=beijing,
                               channels=channel_notes(runtime), topics=topics, subscribers=subscribers,
                               reachable=in_window_count(runtime.store, now=runtime.clock()))
