"""Fuzzy FAQ matching: a confident answer, a numbered 您是想问 list, or nothing (the fallback logs it)."""
from __future__ import annotations

from dataclasses import replace

from bot.core.effects import PASS, Forget, Outcome, Remember, answer
from bot.core.replies import NewsReply, TextReply
from bot.core.router import Context
from bot.knowledge.faq import Faq, FaqEntry
from bot.knowledge.texts import Say
from bot.matching import DEFAULT_POLICY, Analysis, Decision, Policy, decide
from bot.matching.clauses import clauses
from bot.matching.fact_kinds import FactKind, fact_kinds
from bot.matching.language import asker_language
from bot.matching.matcher import match

MENU_POLICY = replace(DEFAULT_POLICY, short_tokens=0)
# A clause speaks for a long message only about an entry the whole message ranks among its best few: 怎么办 at the
# end of a question about a cat is near a seminar's phrasing, which the whole message ranks far down.
CLAUSE_PLAUSIBLE = 3
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


def answer_reply(ctx: Context, entry: FaqEntry) -> Outcome:
    """The entry's answer: text, or a news card when it has a link; `more` pages wait for 「更多」.

    When the follower asked for a kind of fact the answer does not give (a mobile number, a fee…), the reply
    says so first: an honest gap, never an answer about something else as if it were the one asked for.
    """
    # In the asker's language when the entry has an answer in it (answer_ja, answer_en), else Chinese.
    content = entry.answer_in(asker_language(ctx.text or "")) if ctx.evidence.rule != "choice" else entry.answer
    # The engine splits a long first page and adds the hint; pages left from an earlier answer are dropped.
    pages = Remember("more", list(entry.more)) if entry.more else Forget("more")
    ctx.evidence.entry = entry.id
    gap = missing_fact(ctx, entry)
    if gap is not None:
        ctx.evidence.gap, ctx.evidence.decision = gap.key, "gap"
        shown = f"{content}\n{entry.link.url}" if entry.link is not None else content
        return answer(TextReply(ctx.knowledge.text(Say.missing_fact, what=gap.name, answer=shown)), pages)
    if entry.link is not None:
        return answer(NewsReply(title=entry.link.title, description=content, url=entry.link.url,
                                picurl=entry.link.picurl), pages)
    return answer(TextReply(content), pages)


def missing_fact(ctx: Context, entry: FaqEntry) -> FactKind | None:
    """The kind of fact the follower's words ask for that the entry's whole answer does not give (None: no gap).

    A menu button's text and a number picked from a list ask for nothing: they name the entry itself.
    """
    if ctx.text is None or ctx.message.type == "event" or ctx.evidence.rule == "choice":
        return None
    return fact_kinds().missing(ctx.text[:MAX_QUESTION_CHARS], "\n".join([entry.answer, *entry.more]))


def suggestion_reply(ctx: Context, faq: Faq, entry_ids: list[str]) -> Outcome:
    """A numbered list of standard questions, kept in the session so that "2" answers the second."""
    entries = [e for e in (faq.get(i) for i in entry_ids) if e is not None]
    lines = [ctx.knowledge.text(Say.suggest_intro)]
    lines += [f"{n}. {e.question}" for n, e in enumerate(entries, start=1)]
    lines.append(ctx.knowledge.text(Say.suggest_outro))
    return answer(TextReply("\n".join(line for line in lines if line)),
                  Remember("choices", [e.id for e in entries]), Forget("more"))


def handle(ctx: Context) -> Outcome:
    """Rank the entries for the message and act on the decision; passing lets the fallback answer."""
    faq = faq_for_question(ctx)
    if faq is None or ctx.text is None:
        return PASS
    analysis = analysis_of(faq, ctx.text)
    if all(token.isdigit() for token in analysis.tokens):
        # A bare number ("1" after the list expired) means nothing by itself: no list of random entries.
        ctx.evidence.matcher(analysis, Decision("fallback", score=0.0))
        return PASS
    # A menu button's text was written by staff, not typed: the short-message guard is for followers' typing.
    policy = MENU_POLICY if ctx.message.type == "event" else DEFAULT_POLICY
    calibrated = ctx.config.match_decision == "calibrated"
    decision = decision_for(faq, analysis, policy, staff_text=ctx.message.type == "event", calibrated=calibrated)
    ctx.evidence.matcher(analysis, decision)
    ctx.evidence.unknown = faq.index.unknown_words(analysis)
    entry = faq.get(decision.entry_id)
    if decision.kind == "answer" and entry is not None:
        return answer_reply(ctx, entry)
    named = clause_answers(faq, ctx.text, policy, decision, calibrated) if decision.kind != "answer" else []
    main = decision.candidates[0].entry_id if decision.candidates else None
    if named == [main] and faq.get(main) is not None:
        # one clause answers the entry the whole message ranks first: that is the message's subject
        ctx.evidence.decided("answer", rule="clause", score=decision.score)
        return answer_reply(ctx, faq.get(main))
    if named:
        # clauses name other entries (or several): the follower picks, the bot does not guess which one leads;
        # the whole message's best candidate comes first
        listed = list(dict.fromkeys([*([main] if main else []), *named]))[:policy.max_choices]
        ctx.evidence.decided("suggest", rule="clauses", score=decision.score, suggestions=listed)
        return suggestion_reply(ctx, faq, listed)
    if decision.kind == "suggest" and len(decision.choices) == 1:
        only = faq.get(decision.choices[0])
        if only is not None and missing_fact(ctx, only) is not None:
            # a list of one entry that lacks what was asked: say so plainly and give what it knows instead
            return answer_reply(ctx, only)
    if decision.kind == "suggest" and decision.choices:
        return suggestion_reply(ctx, faq, list(decision.choices))
    return PASS


def decision_for(faq: Faq, analysis: Analysis, policy: Policy, *, staff_text: bool, calibrated: bool) -> Decision:
    """What the matcher decides for one message (or one clause of it): the calibrated model, or the rules
    (BOT_MATCH_DECISION=rules)."""
    if calibrated:
        return match(faq.index, analysis, staff_text=staff_text)
    return decide(faq.index.rank(analysis), n_tokens=len(analysis.tokens), policy=policy,
                  unknown=faq.index.unknown_share(analysis))


def clause_answers(faq: Faq, text: str, policy: Policy, whole: Decision, calibrated: bool) -> list[str]:
    """The entries the clauses of a long message answer, each clause matched as a message of its own (in the
    order the follower asked; at most a list's length). Empty for a message of one clause.

    A clause's answer counts only when the whole message ranks that entry among its candidates too: a clause
    read out of its sentence (怎么办 at the end of a question about a cat) must not speak for the message.
    """
    parts = clauses().split(text[:MAX_QUESTION_CHARS])
    if len(parts) < 2:
        return []
    plausible = {c.entry_id for c in whole.candidates[:CLAUSE_PLAUSIBLE]}
    named: list[str] = []
    for part in parts:
        analysis = analysis_of(faq, part)
        if not analysis.meaningful or all(token.isdigit() for token in analysis.meaningful):
            continue  # a clause of question words only (怎么办, 是什么) names nothing by itself
        found = decision_for(faq, analysis, policy, staff_text=False, calibrated=calibrated)
        # The calibrated decision is unsure of a clause read out of its sentence more often than of a whole
        # question: the entry it would list first is what the clause names.
        listed_first = found.candidates[0] if calibrated and found.kind == "suggest" and found.candidates else None
        entry = found.entry_id if found.kind == "answer" else (
            listed_first.entry_id if listed_first is not None and found.choices[:1] == (listed_first.entry_id,)
            else None)
        if entry is not None and entry in plausible and entry not in named:
            named.append(entry)
    return named[:policy.max_choices]
