"""Every numbered list the bot sends (您是想问, 帮助 topics, 订阅 topics, hot questions) and the follower's pick.

A list is one session record, `list` in `session:{openid}`: {"kind", "at" (unix time it was shown), "options": [{"text":
what typing the option says, "label": the line shown, "entries": FAQ entry ids it stands for}]}. The latest list
replaces the one before; it is live for the knowledge's `list_minutes`, and any number of picks may be made from it.

A follower picks with a number (1, ２, ③, 第二个, 选二) or by tapping the option, which WeChat sends as the option's
text (a `weixin://bizmsgmenu` link): either way the option is picked, and the message then reads as its text.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from bot.core.effects import Remember
from bot.core.session import Session

LIST_KEY = "list"
# WeChat cuts a passive text reply longer than this many UTF-8 bytes; a list is kept well under it (room for the
# XML around it and for the 「更多」 hint), falling back to plain numbered lines when links would not fit.
LIST_BYTES = 2048 - 200

_CHOICE = re.compile(r"^(?:第|选|选择|no\.?|#)?([0-9]{1,2}|[一二三四五六七八九十])(?:个|项|条|题|号|番)?$")
_NOISE = re.compile(r"[\s。.,，!！~～、:：)）(（\[\]【】]+")
_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def choice_number(text: str) -> int | None:
    """The number a follower picked ("2", "２", "②", "第2个", "选二"), or None for any other message."""
    word = _NOISE.sub("", unicodedata.normalize("NFKC", text).lower())
    match = _CHOICE.match(word)
    if not match:
        return None
    raw = match.group(1)
    return _CN[raw] if raw in _CN else int(raw)


@dataclass(frozen=True)
class Option:
    """One numbered line: what it says when picked or tapped, the line shown, the entries it stands for."""

    text: str
    label: str = ""
    entries: tuple[str, ...] = ()

    def record(self) -> dict[str, Any]:
        return {"text": self.text, "label": self.label, "entries": list(self.entries)}


@dataclass(frozen=True)
class Pick:
    """A message that picks from a list: the number, and the option (None: no live list, or out of its range)."""

    number: int | None
    option: Option | None = None
    count: int = 0  # how many options the live list has (0: there is none)
    kind: str = ""
    asked: str = ""  # the question the list was shown for (a 您是想问 list)


def offer(kind: str, options: list[Option], now: float, *, asked: str = "") -> Remember:
    """The session effect that makes `options` the follower's latest list (`asked`: the question it answers)."""
    return Remember(LIST_KEY, {"kind": kind, "at": round(now, 3), "asked": asked,
                               "options": [o.record() for o in options]})


def live_options(session: Session, now: float, minutes: int) -> tuple[str, list[Option]]:
    """(kind, options) of the latest list when it is still live, else ("", [])."""
    record = live_record(session, now, minutes)
    if record is None:
        return "", []
    try:
        options = [Option(str(o["text"]), str(o.get("label") or ""), tuple(str(e) for e in o.get("entries") or ()))
                   for o in record.get("options") or ()]
    except (TypeError, ValueError, KeyError, AttributeError):
        return "", []  # a record from another version of the bot: no list
    return str(record.get("kind") or ""), options


def live_record(session: Session, now: float, minutes: int) -> dict | None:
    """The latest list's session record while it is live."""
    record = session.get(LIST_KEY)
    if not isinstance(record, dict):
        return None
    try:
        return record if now - float(record.get("at", 0)) <= minutes * 60 else None
    except (TypeError, ValueError):
        return None


def read_pick(text: str | None, session: Session, now: float, minutes: int) -> Pick | None:
    """What the message picks: a number (in range, out of range, or with no list), a tapped option, or None."""
    if text is None:
        return None
    kind, options = live_options(session, now, minutes)
    asked = str((live_record(session, now, minutes) or {}).get("asked") or "")
    number = choice_number(text)
    if number is not None:
        if 1 <= number <= len(options):
            return Pick(number, options[number - 1], len(options), kind, asked)
        return Pick(number, None, len(options), kind, asked)
    said = text.strip()
    for index, option in enumerate(options, start=1):
        if said and said == option.text:
            return Pick(index, option, len(options), kind, asked)
    return None


def link(option: Option, number: int, *, content: str | None = None) -> str:
    """The option as a WeChat message-menu link: a tap sends `content` (the option's text) as the follower's message."""
    sent = quote(option.text if content is None else content, safe="")
    return f'<a href="weixin://bizmsgmenu?msgmenucontent={sent}&msgmenuid={number}">{option.label}</a>'


def render(lines_before: list[str], options: list[Option], lines_after: list[str], *, tappable: bool,
           per_line: int = 1, separator: str = "  ", headings: dict[int, str] | None = None) -> str:
    """The list as text: its options as tappable links when asked and when they fit, otherwise numbered lines.

    Links that would take the reply over LIST_BYTES send the option's number instead of its text; when even those
    do not fit, the plain lines are used, so a reply is never cut by WeChat in the middle of a link.
    """
    def build(cells: list[str]) -> str:
        rows = []
        for i in range(0, len(cells), per_line):
            if headings and i in headings:  # a line before the option at index i (one option per line)
                rows.append(headings[i])
            rows.append(separator.join(cells[i:i + per_line]))
        return "\n".join(line for line in [*lines_before, *rows, *lines_after] if line)

    plain = build([o.label for o in options])
    if not tappable:
        return plain
    for content in (None, "number"):
        linked = build([link(o, n, content=str(n) if content else None) for n, o in enumerate(options, start=1)])
        if len(linked.encode()) <= LIST_BYTES:
            return linked
    return plain


# What a handler fills a sentence's {placeholder} with to say "the list goes here" (render_in).
LIST_HERE = "\x00"


def render_in(sentence: str, options: list[Option], *, tappable: bool, per_line: int = 1,
              headings: dict[int, str] | None = None) -> str:
    """A sentence from replies.yaml filled with LIST_HERE where the list goes, rendered with the list in place."""
    before, _, after = sentence.partition(LIST_HERE)
    return render(before.split("\n"), options, after.split("\n"), tappable=tappable, per_line=per_line,
                  headings=headings)


def numbered(labels: list[str], start: int = 1) -> list[str]:
    """「1. …」, 「2. …」: the label of each option shown."""
    return [f"{n}. {label}" for n, label in enumerate(labels, start=start)]
