"""A follower's short-lived conversation state (pending choices, pages of a long answer) in Redis."""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from bot.core.effects import ClearSession, Effect, Forget, Remember
from bot.infra.store import Store

SESSION_TTL = 600
# Replace the whole hash (so removed keys disappear) and give it its TTL: one command on the reply's pipeline
# instead of DEL, HSET and EXPIRE. ARGV: the TTL, then field, value, field, value…
_SAVE = ("redis.call('del', KEYS[1]) "
         "if #ARGV > 1 then redis.call('hset', KEYS[1], unpack(ARGV, 2)) redis.call('expire', KEYS[1], ARGV[1]) end "
         "return 1")


class Session:
    """A small dict persisted as a Redis hash with a TTL; saved only when changed."""

    def __init__(self, openid: str, data: dict[str, Any] | None = None) -> None:
        self.openid = openid
        self.data: dict[str, Any] = data or {}
        self.dirty = False
        self.changed: set[str] = set()  # keys set or removed while handling this message

    @classmethod
    def from_hash(cls, openid: str, raw: dict[bytes, bytes]) -> Session:
        """The session from its Redis hash as read (a broken field is skipped, not fatal)."""
        data = {}
        for k, v in raw.items():
            try:
                data[k.decode()] = json.loads(v)
            except (ValueError, UnicodeDecodeError):
                continue
        return cls(openid, data)

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.dirty = True
        self.changed.add(key)

    def pop(self, key: str, default: Any = None) -> Any:
        if key in self.data:
            self.dirty = True
            self.changed.add(key)
        return self.data.pop(key, default)

    def apply(self, effects: Iterable[Effect]) -> tuple[Effect, ...]:
        """Carry out the session effects in order; the other effects are returned, for their appliers."""
        others = []
        for effect in effects:
            if isinstance(effect, Remember):
                self.set(effect.key, effect.value)
            elif isinstance(effect, Forget):
                self.pop(effect.key)
            elif isinstance(effect, ClearSession):
                self.changed.update(self.data)
                self.data.clear()
                self.dirty = True
            else:
                others.append(effect)
        return tuple(others)

    def discard(self) -> None:
        """Forget the changes made while handling this message (a handler raised): nothing is written back."""
        self.dirty = False
        self.changed.clear()

    def save(self, store: Store | None) -> None:
        """Write back when changed (the whole hash, so removed keys disappear)."""
        if store is None or not self.dirty:
            return

        def write(r: Any) -> None:
            pipe = r.pipeline()
            self.queue_save(pipe, store)
            pipe.execute()

        store.safe(write, None)

    def queue_save(self, pipe: Any, store: Store) -> None:
        """Queue the write-back on a pipeline (nothing when unchanged), to travel with other writes."""
        if not self.dirty:
            return
        fields = [part for k, v in self.data.items() for part in (k, json.dumps(v, ensure_ascii=False))]
        pipe.eval(_SAVE, 1, store.keys.session(self.openid), SESSION_TTL, *fields)
        self.dirty = False
