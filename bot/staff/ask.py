"""`bot ask`: what the bot would answer to a text, and why, without WeChat or Redis."""
from __future__ import annotations

from typing import Any

from wechatpy.events import ClickEvent
from wechatpy.messages import TextMessage

from bot.app import handler_chain
from bot.core.evidence import decision_of
from bot.core.paging import paginate
from bot.core.replies import NO_REPLY, NewsReply, Reply, TextReply
from bot.core.router import Context, Router
from bot.core.session import Session
from bot.infra.config import Config
from bot.knowledge import Knowledge, Problem

ASK_OPENID = "o_bot_ask"


def reply_text(reply: Reply) -> str:
    """What the follower sees, as text."""
    if isinstance(reply, TextReply):
        return reply.content
    if isinstance(reply, NewsReply):
        return f"[图文] {reply.title}\n{reply.description}\n{reply.url}"
    return ""


def explain(text: str, knowledge: Knowledge, *, session: dict[str, Any] | None = None,
            menu_key: str | None = None) -> dict[str, Any]:
    """Run the real handler chain on a text message, or a menu click (no Redis); the reply with its evidence."""
    fields = {"FromUserName": ASK_OPENID, "ToUserName": "gh_bot_ask", "CreateTime": "0"}
    if menu_key is not None:
        message = ClickEvent({**fields, "MsgType": "event", "Event": "CLICK", "EventKey": menu_key})
        text = str(knowledge.menu.keys.get(menu_key, ""))
    else:
        message = TextMessage({**fields, "MsgType": "text", "Content": text, "MsgId": "1"})
    config = Config(token="botask", app_id="wxbotask", knowledge_dir=knowledge.root)
    ctx = Context(message=message, openid=ASK_OPENID, session=Session(ASK_OPENID, dict(session or {})),
                  knowledge=knowledge, store=None, config=config)
    reply = paginate(Router(handler_chain()).dispatch(ctx) or NO_REPLY, ctx)  # as the engine sends it
    trace = ctx.trace
    handler = str(trace.get("handler", ""))
    decision = decision_of(trace)
    result: dict[str, Any] = {
        "text": text,
        "reply": reply_text(reply),
        "reply_kind": type(reply).__name__,
        "handler": handler,
        "decision": decision,
        "rule": trace.get("rule"),
        "entry": trace.get("entry") if decision == "answer" else None,
        "suggestions": list(trace.get("suggestions") or []) if decision == "suggest" else [],
        "score": float(trace.get("score") or 0.0),
        "candidates": list(trace.get("candidates") or []),
        "normalized": trace.get("normalized"),
        "tokens": list(trace.get("tokens") or []),
        "knowledge_version": knowledge.version,
    }
    for optional in ("repaired", "unknown"):
        if optional in trace:
            result[optional] = trace[optional]
    if not result["candidates"]:
        result.update(_evidence(text, knowledge))
    return result


def _evidence(text: str, knowledge: Knowledge) -> dict[str, Any]:
    """Normalized text, tokens and candidates for messages answered before the fuzzy matcher ran."""
    from handlers.faq import analysis_of

    faq = knowledge.faq
    if faq is None or not text.strip():
        return {}
    analysis = analysis_of(faq, text)
    return {
        "normalized": analysis.normalized,
        "tokens": list(analysis.tokens),
        "candidates": [{"id": c.entry_id, "question": c.question, "score": c.score, "phrasing": c.phrasing,
                     **({"notes": c.notes} if c.notes else {})}
                       for c in faq.index.rank(analysis)],
    }


def menu_problems(knowledge: Knowledge) -> list[Problem]:
    """A menu button whose text the bot does not answer directly (a list or the fallback) is a warning."""
    keys = knowledge.menu.keys
    path = knowledge.root / "menu.yaml"
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    problems = []
    for key, says in keys.items():
        result = explain("", knowledge, menu_key=key)
        if result["decision"] in ("suggest", "fallback"):
            at = next((n for n, raw in enumerate(lines) if f"key: {key}" in raw), 0)
            line = next((n for n, raw in enumerate(lines[at:], start=at + 1) if "says:" in raw), at + 1)
            problems.append(Problem(f"{knowledge.root.name}/menu.yaml", line,
                                    f"the button {key} says '{says}', which the bot answers with "
                                    f"{'a 您是想问 list' if result['decision'] == 'suggest' else 'the fallback'}: "
                                    "use a phrasing of the entry it should open", "warning"))
    return problems
