"""The follower's customer-service window, as WeChat counts it, kept in `window:{openid}`.

A message from the follower opens 48 hours with 5 messages ('l', 'ln'); a menu click, follow or QR scan opens
1 minute with 3 messages ('s', 'sn'). The ledger's claim script takes a message from it atomically; the
fake WeChat server in the tests enforces the same rules on its side.
"""
from __future__ import annotations

from wechatpy.messages import BaseMessage

from bot.infra.push_settings import PushSettings
from bot.infra.store import Store

MESSAGE_KINDS = {"text", "voice", "image", "video", "shortvideo", "location", "link", "file"}
ACTION_EVENTS = {"click", "subscribe", "subscribe_scan", "scan", "scancode_push", "scancode_waitmsg"}
# Open the window (KEYS[1]: ARGV[1] = ARGV[3], ARGV[2] = 0, kept ARGV[4] seconds), note a message in the active set
# (KEYS[2], member ARGV[5], when ARGV[6] is 1) and return the pending list's length (KEYS[3]): one command.
_OPEN = ("redis.call('hset', KEYS[1], ARGV[1], ARGV[3], ARGV[2], 0) "
         "if ARGV[6] == '1' then redis.call('zadd', KEYS[2], ARGV[3], ARGV[5]) end "
         "redis.call('expire', KEYS[1], ARGV[4]) return redis.call('llen', KEYS[3])")


def activity_kind(message: BaseMessage) -> str | None:
    """'message' (opens the 48 h window), 'action' (the 1-minute window) or None (opens nothing)."""
    if message.type in MESSAGE_KINDS:
        return "message"
    if message.type == "event" and str(getattr(message, "event", "") or "").lower() in ACTION_EVENTS:
        return "action"
    return None


def record_activity(store: Store, openid: str, kind: str, *, now: float,
                    settings: PushSettings | None = None) -> int:
    """Open the follower's window; returns how many articles wait in their pending list (one round trip)."""
    pipe = store.redis.pipeline(transaction=False)
    queue_activity(pipe, store, openid, kind, now=now, settings=settings)
    return int(pipe.execute()[-1])


def queue_activity(pipe: object, store: Store, openid: str, kind: str, *, now: float,
                   settings: PushSettings | None = None) -> None:
    """Queue record_activity's commands on `pipe` (the webhook's reply write): one command, answering the LLEN."""
    settings = settings or PushSettings()
    message = kind == "message"
    pipe.eval(_OPEN, 3, store.keys.window(openid), store.keys.active, store.keys.pending(openid),  # type: ignore[attr-defined]
              *(("l", "ln") if message else ("s", "sn")), f"{now:.3f}",
              settings.long_window + 3600,  # a window outlives neither kind of opening
              openid, "1" if message else "0")


def in_window_count(store: Store, *, now: float, settings: PushSettings | None = None) -> int:
    """How many followers wrote within the last 48 hours (they can receive customer-service messages)."""
    settings = settings or PushSettings()
    store.redis.zremrangebyscore(store.keys.active, "-inf", now - settings.long_window)
    return int(store.redis.zcount(store.keys.active, now - settings.long_window, "+inf"))
