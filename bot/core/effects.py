"""What a handler returns: a Reply (or None, to let the next handler try) and the effects it asks for.

A handler never writes Redis itself. It says what should change (the session, the unanswered log, a
subscription, a follower forgotten) and the engine applies every effect in one place, on the pipeline that
stores the reply: one round trip for all of a message's writes. A handler that raises has its effects
dropped, so a half-done change is never kept.

The session effects are the core's own (`Remember`, `Forget`, `ClearSession`); the other kinds are defined
where their state lives (`bot.followers.effects`) and applied by the appliers that `bot.app` hands the engine.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from bot.core.replies import Reply
from bot.infra.store import Store


class Effect:
    """Something a handler asks the engine to change once the message is answered."""

    # Lasting state (a subscription, a record for staff) is written in one MULTI/EXEC with the reply; a counter
    # that may be lost sets this False and rides on a plain pipeline.
    lasting: ClassVar[bool] = True


@dataclass(frozen=True)
class Remember(Effect):
    """Keep `value` under `key` in the follower's session (a list to pick from, the pages of a long answer)."""

    key: str
    value: Any


@dataclass(frozen=True)
class Forget(Effect):
    """Drop `key` from the follower's session."""

    key: str


@dataclass(frozen=True)
class ClearSession(Effect):
    """Drop the follower's whole session (they unfollowed)."""


SESSION_EFFECTS = (Remember, Forget, ClearSession)


@dataclass(frozen=True)
class Outcome:
    """A handler's result: the reply (None: the next handler tries) and the effects to apply.

    The effects of a handler that passes are kept too: a 您是想问 list dropped by the choice handler stays
    dropped whoever answers the message.
    """

    reply: Reply | None = None
    effects: tuple[Effect, ...] = ()

    @property
    def answered(self) -> bool:
        return self.reply is not None


PASS = Outcome()


def answer(reply: Reply, *effects: Effect) -> Outcome:
    """The handler answers with `reply` and asks for `effects`."""
    return Outcome(reply, tuple(effects))


def passing(*effects: Effect) -> Outcome:
    """The handler does not answer, but asks for `effects` (kept whoever answers)."""
    return Outcome(None, tuple(effects)) if effects else PASS


@dataclass(frozen=True)
class Target:
    """Whom an effect is applied for: the follower, the store (its keys), the moment the message arrived."""

    openid: str
    store: Store
    now: float


# An applier queues an effect's Redis commands on the reply's pipeline; it may return a callback that gets
# the results of exactly the commands it queued (after the one round trip).
Applier = Callable[[Any, Target, Any], Callable[[list], None] | None]
