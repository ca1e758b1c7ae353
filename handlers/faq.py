"""Fuzzy FAQ matching: a confident answer, a numbered 您是想问 list, or nothing (the fallback logs it)."""
from __future__ import annotations

from dataclasses import replace

from bot.core.replies import NewsReply, Reply, TextReply
from bot.core.router import Context
from bot.knowledge.faq import Faq, FaqEntry
from bot.knowledge.texts import Say
from bot.matching import DEFAULT_POLICY, Analysis, Decision, decide

MENU_POLICY = replace(DEFAULT_POLICY, short_tokens=0)
# Nobody types a question this long; a pasted article is cut here so matching stays cheap.
MAX_QUESTION_CHARS = 300


def faq_of(ctx: Context) -> Faq | None:
    """The FAQ of the knowledge version answering this message."""
    faq = ctx.knowledge.faq
    return faq if isinstance(faq, Faq) else None


def faq_for_question(ctx: Context) -> Faq | None:
    """The FAQ to match this message against, or None when there is no text to match (or no FAQ)."""
    if ctx.text is None or not ctx.text.strip():
        return None
    return faq_of(ctx)


def analysis_of(faq: Faq, text: str) -> Analysis:
    """The message as the matcher sees it (memoized per knowledge version)."""
    return faq.index.analyze(text.strip()[:MAX_QUESTION_CHARS])


def answer_reply(ctx: Context, entry: FaqEntry) -> Reply:
    """The entry's answer: text, or a news card when it has a link; `more` pages wait for 「更多」."""
    content = entry.answer
    if entry.more:
        ctx.session.set("more", list(entry.more))  # the engine splits a long first page and adds the hint
    else:
        ctx.session.pop("more")
    ctx.trace["entry"] = entry.id
    if entry.link is not None:
        return NewsReply(title=entry.link.title, description=content, url=entry.link.url, picurl=entry.link.picurl)
    return TextReply(content)


def suggestion_reply(ctx: Context, faq: Faq, entry_ids: list[str]) -> Reply:
    """A numbered list of standard questions, kept in the session so that "2" answers the second."""
    entries = [e for e in (faq.get(i) for i in entry_ids) if e is not None]
    ctx.session.set("choices", [e.id for e in entries])
    ctx.session.pop("more")
    lines = [ctx.knowledge.text(Say.suggest_intro)]
    lines += [f"{n}. {e.question}" for n, e in enumerate(entries, start=1)]
    lines.append(ctx.knowledge.text(Say.suggest_outro))
    return TextReply("\n".join(line for line in lines if line))


def record(ctx: Context, analysis: Analysis, decision: Decision) -> None:
    """The matcher's evidence in ctx.trace, for the logs, the fallback and `bot ask`."""
    ctx.trace.update(
        normalized=analysis.normalized,
        tokens=list(analysis.tokens),
        decision=decision.kind,
        rule=decision.rule,
        entry=decision.entry_id,
        score=round(decision.score, 4),
        suggestions=list(decision.choices),
        candidates=[{"id": c.entry_id, "question": c.question, "score": c.score, "phrasing": c.phrasing,
                     **({"notes": c.notes} if c.notes else {})}
                    for c in decision.candidates],
    )
    if analysis.repaired is not None:
        ctx.trace["repaired"] = analysis.repaired.normalized


def handle(ctx: Context) -> Reply | None:
    """Rank the entries for the message and act on the decision; None lets the fallback answer."""
    faq = faq_for_question(ctx)
    if faq is None:
        return None
    analysis = analysis_of(faq, ctx.text)
    if all(token.isdigit() for token in analysis.tokens):
        # A bare number ("1" after the list expired) means nothing by itself: no list of random entries.
        record(ctx, analysis, Decision("fallback", score=0.0))
        return None
    # A menu button's text was written by staff, not typed: the short-message guard is for followers' typing.
    policy = MENU_POLICY if ctx.message.type == "event" else DEFAULT_POLICY
    decision = decide(faq.index.rank(analysis), n_tokens=len(analysis.tokens), policy=policy,
                      unknown=faq.index.unknown_share(analysis))
    record(ctx, analysis, decision)
    unknown = faq.index.unknown_words(analysis)
    if unknown:
        ctx.trace["unknown"] = unknown
    entry = faq.get(decision.entry_id)
    if decision.kind == "answer" and entry is not None:
        return answer_reply(ctx, entry)
    if decision.kind == "suggest" and decision.choices:
        return suggestion_reply(ctx, faq, list(decision.choices))
    return None
