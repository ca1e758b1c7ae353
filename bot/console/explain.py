"""What the bot would answer to a text, and why, without WeChat or Redis: `bot ask` and the console's 命中测试."""
from __future__ import annotations

from typing import Any

from wechatpy.events import ClickEvent
from wechatpy.messages import TextMessage

from bot.app import handler_chain
from bot.core.engine import context_for, run_chain
from bot.core.evidence import candidate_fields
from bot.core.replies import NewsReply, Reply, TextReply
from bot.core.router import Router
from bot.core.session import Session
from bot.infra.config import Config
from bot.knowledge import Knowledge
from bot.matching.model import decision_model
from handlers.faq import analysis_of

ASK_OPENID = "o_bot_ask"


def reply_text(reply: Reply) -> str:
    """What the follower sees, as text."""
    if isinstance(reply, TextReply):
        return reply.content
    if isinstance(reply, NewsReply):
        return f"[图文] {reply.title}\n{reply.description}\n{reply.url}"
    return ""


def explain(text: str, knowledge: Knowledge, *, session: dict[str, Any] | None = None,
            menu_key: str | None = None, topics: frozenset[str] = frozenset(),
            previous: str | None = None, decision: str | None = None) -> dict[str, Any]:
    """Run the real text step and handler chain on a text message or a menu click (no Redis); the reply with
    its evidence. The effects the handlers asked for are listed, not applied.

    With `previous`, that message is answered first and `text` then comes with the session it left (a follow-up
    such as 「那传真呢」 is read against it, a number picks from its list)."""
    base = Config(token="botask", app_id="wxbotask", knowledge_dir=knowledge.root)
    if decision is not None:  # else the deployment's default (BOT_MATCH_DECISION)
        base = base.with_(match_decision=decision)
    if previous is not None:
        config = base
        earlier = context_for(_text_message(previous), knowledge, config,
                              session=Session(ASK_OPENID, dict(session or {})), topics=topics)
        run_chain(Router(handler_chain()), earlier)
        session = dict(earlier.session.data)
    fields = {"FromUserName": ASK_OPENID, "ToUserName": "gh_bot_ask", "CreateTime": "0"}
    if menu_key is not None:
        message = ClickEvent({**fields, "MsgType": "event", "Event": "CLICK", "EventKey": menu_key})
    else:
        message = _text_message(text)
    config = base
    ctx = context_for(message, knowledge, config, session=Session(ASK_OPENID, dict(session or {})), topics=topics)
    handled = run_chain(Router(handler_chain()), ctx)  # as the engine runs it, pages and all
    evidence = ctx.evidence
    decision = evidence.outcome
    result: dict[str, Any] = {
        "text": ctx.text or "",
        "reply": reply_text(handled.reply),
        "reply_kind": type(handled.reply).__name__,
        "handler": evidence.handler,
        "decision": decision,
        "rule": evidence.rule,
        "entry": evidence.entry if decision == "answer" else None,
        "suggestions": list(evidence.suggestions) if decision == "suggest" else [],
        "score": float(evidence.score),
        "candidates": [candidate_fields(c) for c in evidence.candidates],
        "normalized": evidence.normalized,
        "tokens": list(evidence.tokens),
        "knowledge_version": knowledge.version,
        "effects": [effect_name(e) for e in handled.effects],
    }
    if evidence.repaired is not None:
        result["repaired"] = evidence.repaired
    if evidence.unknown:
        result["unknown"] = list(evidence.unknown)
    if evidence.model in ("semantic", "lexical"):
        bands = decision_model().for_rows(evidence.model == "semantic").bands
        result["model"] = evidence.model
        result["bands"] = {"answer": bands.answer, "suggest": bands.suggest, "member": bands.member}
    if previous is not None:
        result["previous"] = previous
    if evidence.subject is not None:
        result["subject"] = evidence.subject
    if evidence.gap is not None:
        result["gap"] = evidence.gap
        result["gap_entry"] = evidence.entry
    if not result["candidates"]:
        result.update(_evidence(result["text"], knowledge))
    return result


def _text_message(text: str) -> TextMessage:
    return TextMessage({"FromUserName": ASK_OPENID, "ToUserName": "gh_bot_ask", "CreateTime": "0",
                        "MsgType": "text", "Content": text, "MsgId": "1"})


def effect_name(effect: object) -> str:
    """An effect as staff read it: its kind and what it names (never a follower's words)."""
    kind = type(effect).__name__
    topic_ids = getattr(effect, "topic_ids", None)
    return f"{kind}({', '.join(topic_ids)})" if topic_ids else kind


def _evidence(text: str, knowledge: Knowledge) -> dict[str, Any]:
    """Normalized text, tokens and candidates for messages answered before the fuzzy matcher ran."""
    faq = knowledge.faq
    if faq is None or not text.strip():
        return {}
    analysis = analysis_of(faq, text)
    return {
        "normalized": analysis.normalized,
        "tokens": list(analysis.tokens),
        "candidates": [candidate_fields(c) for c in faq.index.rank(analysis)],
    }

