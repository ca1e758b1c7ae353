"""The effects a handler asks for on a follower's lasting state: subscriptions, the unanswered log, an unfollow,
a request for a person, feedback on an answer.

They are applied on the reply's pipeline by the appliers in `bot.followers.subscriptions` and
`bot.followers.unanswered` (and, for what pushes keep about a follower, `bot.push.followers`), wired in `bot.app`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.core.effects import Effect


@dataclass(frozen=True)
class Subscribe(Effect):
    """Add the follower to these topics (ids the follower was not subscribed to when the message arrived)."""

    topic_ids: tuple[str, ...]


@dataclass(frozen=True)
class Unsubscribe(Effect):
    """Remove the follower from these topics (all of them: 退订 全部)."""

    topic_ids: tuple[str, ...]


@dataclass(frozen=True)
class ForgetFollower(Effect):
    """The follower unfollowed: forget their subscriptions (and what pushes keep about them)."""


@dataclass(frozen=True)
class LogUnanswered(Effect):
    """A question the bot could not answer, for the staff report."""

    text: str
    score: float = 0.0


@dataclass(frozen=True)
class LogListed(Effect):
    """A 您是想问 list was shown for the follower's `text` (the entries listed), for the staff report: a list
    nobody picks from is a question the knowledge did not quite answer."""

    text: str
    entries: tuple[str, ...]


@dataclass(frozen=True)
class LogPicked(Effect):
    """The follower picked from the 您是想问 list shown for `text`."""

    text: str


@dataclass(frozen=True)
class LogHandoff(Effect):
    """The follower asked for a person (`why`: asked) or was offered one after questions the bot could not answer
    (`why`: misses); `via` says what the bot did: transfer (WeChat's customer service) or contact (the card)."""

    why: str
    via: str
    text: str


@dataclass(frozen=True)
class LogFeedback(Effect):
    """The follower said the answer of `entry` to their `question` was not it (`said`: their words)."""

    entry: str
    question: str
    said: str


@dataclass(frozen=True)
class CountAnswer(Effect):
    """One more answer of `entry` today, for the hot questions (a count: losing one is harmless)."""

    entry: str
    lasting: ClassVar[bool] = False


@dataclass(frozen=True)
class Notify(Effect):
    """Send the follower `text` as a customer-service message once the reply is out (the reply cannot say it)."""

    text: str


def changes_subscriptions(effect: object) -> bool:
    """Whether `effect` changes which topics the follower has (their WeChat tags follow)."""
    return isinstance(effect, Subscribe | Unsubscribe) and bool(effect.topic_ids)
