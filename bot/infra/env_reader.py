"""Reading settings out of environment variables: every mistake becomes a sentence for staff, all of them at once."""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TypeVar

_T = TypeVar("_T")


class ConfigError(Exception):
    """A setting is missing or malformed (any setting: there is no other error type); the message says which and
    how to fix it, in words for staff."""


class EnvReader:
    """The variables of one environment, read one at a time; a malformed value is noted and its default used, so
    that one look at the environment names every mistake instead of the first."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def text(self, name: str) -> str:
        """The variable's value without surrounding blanks ("" when unset)."""
        return (self.env.get(name) or "").strip()

    def problem(self, sentence: str) -> None:
        """Note a mistake, in words a staff member understands."""
        self.problems.append(sentence)

    def whole(self, name: str, default: int, *, minimum: int = 1, what: str = "a positive whole number") -> int:
        """A whole number of at least `minimum`; `what` says what to write ("PUSH_BATCH_SIZE must be {what}")."""
        raw = self.text(name)
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            return self._bad(name, raw, what, default)
        return value

    def number(self, name: str, default: float, *, minimum: float = 0, what: str) -> float:
        """A finite number (decimals allowed) of at least `minimum`."""
        raw = self.text(name)
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < minimum:
            return self._bad(name, raw, what, default)
        return value

    def seconds(self, name: str, default: tuple[float, ...], *, what: str) -> tuple[float, ...]:
        """Durations in seconds separated by commas (e.g. 1,2,4,8), none negative."""
        raw = self.text(name)
        if not raw:
            return default
        try:
            values = tuple(float(part) for part in raw.split(","))
        except ValueError:
            values = (math.nan,)
        if not all(math.isfinite(v) and v >= 0 for v in values):
            return self._bad(name, raw, what, default)
        return values

    def check(self) -> None:
        """Raise one ConfigError listing every mistake noted so far, one sentence a line."""
        if self.problems:
            lines = (p if p.endswith((".", "…")) else p + "." for p in self.problems)
            raise ConfigError("The configuration is not usable:\n" + "\n".join(f"  - {line}" for line in lines))

    def _bad(self, name: str, raw: str, what: str, default: _T) -> _T:
        self.problem(f"{name} must be {what}, not {raw!r}")
        return default
