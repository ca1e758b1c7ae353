"""Honest gaps: which kind of fact a question asks for (a phone, an e-mail, a date, a fee…) and whether an
answer gives one. The words and patterns are data (`data/fact_kinds.yaml`, one line of explanation each).

The matcher finds the entry a question is about; this says whether that entry's answer holds what was asked.
所长的手机号是多少 is about the office's contact, whose answer has the switchboard and no mobile number: the bot
then says it does not have that information, and gives what it does know.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.matching.normalize import normalize, to_simplified

DATA = Path(__file__).with_name("data") / "fact_kinds.yaml"


@dataclass(frozen=True)
class FactKind:
    """One kind of fact: how a question asks for it and how an answer that gives it looks."""

    key: str
    name: str
    asks: re.Pattern[str]
    holds: tuple[re.Pattern[str], ...]
    instead: tuple[str, ...] = ()

    def asked_in(self, readable_question: str) -> bool:
        return self.asks.search(readable_question) is not None

    def held_by(self, readable_answer: str) -> bool:
        return any(p.search(readable_answer) for p in self.holds)


@dataclass(frozen=True)
class FactKinds:
    """Every kind, in the file's order (the first one missing is the one the reply names)."""

    kinds: tuple[FactKind, ...]

    def asked(self, question: str) -> list[FactKind]:
        """The kinds the question asks for (a kind another asked kind stands `instead` of is left out)."""
        # As written (Japanese and English forms) and as the matcher reads it (哪一年 → 哪年, fillers gone).
        text = f"{readable(question)}\n{normalize(question)}"
        found = [k for k in self.kinds if k.asked_in(text)]
        covered = {name for k in found for name in k.instead}
        return [k for k in found if k.key not in covered]

    def missing(self, question: str, answer: str) -> FactKind | None:
        """The first kind the question asks for that the answer does not give, or None."""
        asked = self.asked(question)
        if not asked:
            return None
        held = readable(answer)
        return next((k for k in asked if not k.held_by(held)), None)


def readable(text: str) -> str:
    """An answer as its patterns see it: NFKC, lower case, simplified, punctuation kept (e-mails, phone numbers)."""
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()


def _asks_pattern(words: list[str]) -> re.Pattern[str]:
    """One pattern for the asking words: CJK and kana words anywhere, Latin words whole."""
    parts = []
    for word in sorted({readable(w) for w in words}, key=len, reverse=True):
        escaped = re.escape(word).replace(r"\ ", r"\s+")
        parts.append(rf"\b{escaped}\b" if word.isascii() else escaped)
    return re.compile("|".join(parts))


def parse_fact_kinds(raw: dict) -> FactKinds:
    """FactKinds from the file's mapping (ValueError naming the kind when one is malformed)."""
    kinds = []
    for key, spec in (raw.get("kinds") or {}).items():
        try:
            kinds.append(FactKind(key=str(key), name=str(spec["name"]), asks=_asks_pattern(list(spec["asks"])),
                                  holds=tuple(re.compile(p) for p in spec["holds"]),
                                  instead=tuple(spec.get("instead") or ())))
        except (KeyError, TypeError, re.error) as exc:
            raise ValueError(f"fact kind {key!r} is malformed: {exc}") from exc
    return FactKinds(tuple(kinds))


@lru_cache(maxsize=1)
def fact_kinds() -> FactKinds:
    """The kinds shipped with the package (read once per process)."""
    return parse_fact_kinds(yaml.safe_load(DATA.read_text(encoding="utf-8")))
