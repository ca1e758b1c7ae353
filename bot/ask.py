"""`bot ask`: what the bot would answer to a text, and why, without WeChat or Redis."""
from __future__ import annotations

from typing import Any

from wechatpy.messages import TextMessage

from bot.config import Config
from bot.knowledge import Knowledge
from bot.replies import NO_REPLY, NewsReply, Reply, TextReply
from bot.router import Context, Router
from bot.session import Session

ASK_OPENID = "o_bot_ask"
DECISION_OF_HANDLER = {"fallback": "fallback", "commands": "command", "messages": "message", "events": "event"}


def reply_text(reply: Reply) -> str:
    """What the follower sees, as text."""
    if isinstance(reply, TextReply):
        return reply.content
    if isinstance(reply, NewsReply):
        return f"[图文] {reply.title}\n{reply.description}\n{reply.url}"
    return ""


def explain(text: str, knowledge: Knowledge, *, session: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the real handler chain on a text message (no Redis) and return the reply with its evidence."""
    from handlers import default_chain

    message = TextMessage({"MsgType": "text", "Content": text, "FromUserName": ASK_OPENID,
                           "ToUserName": "gh_bot_ask", "CreateTime": "0", "MsgId": "1"})
    config = Config(token="botask", app_id="wxbotask", knowledge_dir=knowledge.root)
    ctx = Context(message=message, openid=ASK_OPENID, session=Session(ASK_OPENID, dict(session or {})),
                  knowledge=knowledge, store=None, config=config)
    reply = Router(default_chain()).dispatch(ctx) or NO_REPLY
    trace = ctx.trace
    handler = str(trace.get("handler", ""))
    decision = trace.get("decision") or DECISION_OF_HANDLER.get(handler, handler)
    if handler == "fallback":
        decision = "fallback"
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
    if "repaired" in trace:
        result["repaired"] = trace["repaired"]
    if not result["candidates"]:
        result.update(_evidence(text, knowledge))
    return result


def _evidence(text: str, knowledge: Knowledge) -> dict[str, Any]:
    """Normalized text, tokens and candidates for messages answered before the fuzzy matcher ran."""
    from handlers.faq import analysis_of

    faq = knowledge.extras.get("faq")
    if faq is None or not text.strip():
        return {}
    analysis = analysis_of(faq, text)
    return {
        "normalized": analysis.normalized,
        "tokens": list(analysis.tokens),
        "candidates": [{"id": c.entry_id, "question": c.question, "score": c.score, "phrasing": c.phrasing}
                       for c in faq.index.rank(analysis)],
    }
