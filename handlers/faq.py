"""Fuzzy FAQ matching: a confident answer, a numbered 您是想问 list, or nothing (the fallback logs it)."""
from __future__ import annotations

from dataclasses import replace

from bot.core.effects import PASS, Forget, Outcome, Remember, answer
from bot.core.lists import Option, offer, render
from bot.core.replies import NewsReply, TextReply
from bot.core.router import Context
from bot.followers.effects import CountAnswer, LogListed
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
# Session: the answer just given (entry, the question, the other candidates), for a 「不对」 right after it.
ANSWERED = "answered"
OTHERS_KEPT = 3
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
    others = list(dict.fromkeys(c.entry_id for c in ctx.evidence.candidates if c.entry_id != entry.id))
    given = (Remember(ANSWERED, {"entry": entry.id, "question": ctx.text or "", "at": round(ctx.now, 3),
                                 "others": others[:OTHERS_KEPT]}), CountAnswer(entry.id))
    gap = missing_fact(ctx, entry)
    if gap is not None:
        ctx.evidence.gap, ctx.evidence.decision = gap.key, "gap"
        shown = f"{content}\n{entry.link.url}" if entry.link is not None else content
        return answer(TextReply(ctx.knowledge.text(Say.missing_fact, what=gap.name, answer=shown)), pages, *given)
    if entry.link is not None:
        return answer(NewsReply(title=entry.link.title, description=content, url=entry.link.url,
                                picurl=entry.link.picurl), pages, *given)
    return answer(TextReply(content), pages, *given)


def missing_fact(ctx: Context, entry: FaqEntry) -> FactKind | None:
    """The kind of fact the follower's words ask for that the entry's whole answer does not give (None: no gap).

    A menu button's text and a number picked from a list ask for nothing: they name the entry itself.
    """
    if ctx.text is None or ctx.message.type == "event" or ctx.evidence.rule == "choice":
        return None
    return fact_kinds().missing(ctx.text[:MAX_QUESTION_CHARS], "\n".join([entry.answer, *entry.more]))


def suggestion_reply(ctx: Context, faq: Faq, entry_ids: list[str], *, intro: str | None = None,
                     kind: str = "suggest") -> Outcome:
    """A numbered list of standard questions, the follower's latest list, so that "2" answers the second."""
    entries = [e for e in (faq.get(i) for i in entry_ids) if e is not None]
    options = [Option(e.question, f"{n}. {e.question}", (e.id,)) for n, e in enumerate(entries, start=1)]
    first = ctx.knowledge.text(Say.suggest_intro) if intro is None else intro
    text = render([first], options, [ctx.knowledge.text(Say.suggest_outro)], tappable=ctx.config.tappable_lists)
    if kind != "suggest" or ctx.text is None:
        return answer(TextReply(text), offer(kind, options, ctx.now), Forget("more"))
    # The matcher's own 您是想问 list: staff see the lists nobody picked from.
    return answer(TextReply(text), offer(kind, options, ctx.now, asked=ctx.text), Forget("more"),
                  LogListed(ctx.text, tuple(e.id for e in entries)))


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
    if decision.kind == "suggest" and decision.choices:
        listed = [e for e in (faq.get(i) for i in decision.choices) if e is not None]
        if listed and all(missing_fact(ctx, e) is not None for e in listed):
            # a list none of whose entries gives what was asked (a mobile number, a fee…): picking from it would
            # not get it either; say so plainly and give what the first one knows instead
            return answer_reply(ctx, listed[0])
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


def hot_entries(ctx: Context) -> list[str]:
    """The questions to offer as most asked: the most answered entries of the last 7 days once there have been
    enough answers (conversation.yaml's hot_min_answers), the staff's hot_questions list before that."""
    settings = ctx.knowledge.conversation.settings
    faq = faq_of(ctx)
    if faq is None or not settings.hot_count:
        return []
    if sum(ctx.hot.values()) >= max(settings.hot_min_answers, 1):
        ranked = sorted(ctx.hot, key=lambda entry_id: (-ctx.hot[entry_id], entry_id))
    else:
        ranked = list(ctx.knowledge.conversation.hot_questions)
    return [i for i in ranked if faq.get(i) is not None][:settings.hot_count]


def hot_options(ctx: Context, start: int = 1) -> list[Option]:
    """The hot questions as options numbered from `start`."""
    faq = faq_of(ctx)
    entries = [faq.get(i) for i in hot_entries(ctx)] if faq is not None else []
    return [Option(e.question, f"{n}. {e.question}", (e.id,)) for n, e in enumerate(entries, start=start) if e]
