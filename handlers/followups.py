"""Follow-ups that lean on the previous question: 「东京本部的地址是什么」 then 「那传真呢」 is Tokyo's fax,
「第5届研讨会在哪办的」 then 「主题是什么」 is the 5th edition's theme, 「福岛有什么好玩的」 then 「那富山呢」 is
Toyama's sights.

The subject and attribute of the last question that named a subject are kept in the session (`subject`: {"subject",
"attribute", "at"}) for conversation.yaml's subject_minutes. A short message that names only an attribute takes the
previous subject, one that names only a subject takes the previous attribute; a message that names its own subject
never inherits one, and a question about something else (naming neither) drops the previous subject.
"""
from __future__ import annotations

from bot.core.effects import PASS, Forget, Outcome, Remember, passing
from bot.core.router import Context
from bot.knowledge.subjects import Reading
from handlers.faq import answer_reply, faq_of

SUBJECT = "subject"


def previous_subject(ctx: Context) -> tuple[str, str] | None:
    """(subject id, attribute) of the previous question when it is recent enough, else None."""
    record = ctx.session.get(SUBJECT)
    if not isinstance(record, dict):
        return None
    try:
        recent = ctx.now - float(record.get("at") or 0) <= ctx.knowledge.conversation.settings.subject_minutes * 60
    except (TypeError, ValueError):
        return None
    subject = str(record.get("subject") or "")
    return (subject, str(record.get("attribute") or "")) if recent and subject else None


def handle(ctx: Context) -> Outcome:
    """Answer a follow-up from the previous question's subject; remember the subject a question names."""
    subjects = ctx.knowledge.subjects
    if ctx.text is None or not subjects.subjects or not ctx.text.strip():
        return PASS
    reading = subjects.read(ctx.text)
    before = previous_subject(ctx)
    if reading.subject is None and reading.attribute is None:
        if before is None or ctx.knowledge.conversation.smalltalk_kind(ctx.text) is not None:
            return PASS  # 「好的」 between a question and its follow-up keeps the subject
        return passing(Forget(SUBJECT))  # a question about something else
    if before is not None and reading.short and (reading.subject is None) != (reading.attribute is None):
        answered = follow_up(ctx, reading, before)
        if answered is not None:
            return answered
    if reading.subject is None:
        return PASS  # an attribute alone with nothing to lean on: the question handlers read it as it is
    return passing(remember(ctx, reading.subject, reading.attribute or ""))


def follow_up(ctx: Context, reading: Reading, before: tuple[str, str]) -> Outcome | None:
    """The answer for the subject and attribute the message and the previous question name together (None: the
    knowledge has no entry for that pair)."""
    subject_id = reading.subject or before[0]
    attribute = reading.attribute or before[1]
    subject = ctx.knowledge.subjects.subjects.get(subject_id)
    faq = faq_of(ctx)
    entry = faq.get(subject.entry_for(attribute)) if subject is not None and attribute and faq is not None else None
    if entry is None:
        return None
    ctx.evidence.decided("answer", rule="followup", score=1.0)
    ctx.evidence.subject = f"{subject_id}.{attribute}"
    answered = answer_reply(ctx, entry)
    return answered.__class__(answered.reply, (*answered.effects, remember(ctx, subject_id, attribute)))


def remember(ctx: Context, subject_id: str, attribute: str) -> Remember:
    return Remember(SUBJECT, {"subject": subject_id, "attribute": attribute, "at": round(ctx.now, 3)})
