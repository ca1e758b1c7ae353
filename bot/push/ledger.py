"""The delivery ledger: one entry per (article, follower), claimed before the API call, resolved after it.

Ledger values (hash `push:{article}:ledger`, openid → status):
  c:<time>:<slot>  claimed: the call is under way, or a crash left its outcome unknown (never sent again)
  ?:<time>:<why>   unknown: the request left and its answer was lost (why: timeout, dropped, http504…);
                   never sent again unless staff ask for it (`bot push resend ID --unknown`)
  s  sent          p  pending (outside the window or over the count: sent when the follower writes again)
  x  dropped: not following (43004)    f:<errcode>  failed    u  unfollowed while pending
  e  expired while pending             w  article withdrawn while pending
The claim also takes one message from the follower's sending window (see bot/push/window.py), atomically,
and sets the ledger's expiry: PUSH_PENDING_MAX_DAYS + 2 days after the article's publish time, when nothing
can deliver it any more (so no entry that guards against a duplicate disappears while it still matters).
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.knowledge.articles import Article
from bot.push.settings import PushSettings
from bot.store import Store

_SLOT = """
local function slot(wkey, now, lw, lc, sw, sc)
  local w = redis.call('HMGET', wkey, 'l', 'ln', 's', 'sn')
  local l, ln, s, sn = tonumber(w[1]), tonumber(w[2]) or 0, tonumber(w[3]), tonumber(w[4]) or 0
  local lopen = l ~= nil and now - l < lw
  local sopen = s ~= nil and now - s < sw
  if lopen and ln < lc then return 'l' end
  if sopen and sn < sc then return 's' end
  if lopen or sopen then return 'full' end
  return 'closed'
end
local function take(wkey, which)
  redis.call('HINCRBY', wkey, which == 'l' and 'ln' or 'sn', 1)
end
"""
# KEYS: ledger, window, pending list, state   ARGV: openid, now, article, lw, lc, sw, sc, expire_at (0: never)
# HSETNX is the claim: whoever sets the entry first owns the delivery; a later scan finds it and skips.
CLAIM = _SLOT + """
local now = tonumber(ARGV[2])
if ARGV[8] ~= '0' then redis.call('EXPIREAT', KEYS[1], ARGV[8]) end
local free = slot(KEYS[2], now, tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]))
local behind = redis.call('LLEN', KEYS[3]) > 0
if behind or free == 'full' or free == 'closed' then
  if redis.call('HSETNX', KEYS[1], ARGV[1], 'p') == 0 then return 'dup' end
  redis.call('RPUSH', KEYS[3], ARGV[3])
  if ARGV[8] ~= '0' and redis.call('TTL', KEYS[3]) < tonumber(ARGV[8]) - now then
    redis.call('EXPIREAT', KEYS[3], ARGV[8])
  elseif ARGV[8] == '0' then
    redis.call('PERSIST', KEYS[3])
  end
  redis.call('HINCRBY', KEYS[4], 'pending', 1)
  if behind and (free == 'l' or free == 's') then return 'behind' end
  return free
end
if redis.call('HSETNX', KEYS[1], ARGV[1], 'c:' .. ARGV[2] .. ':' .. free) == 0 then return 'dup' end
take(KEYS[2], free)
return free
"""
CLAIM_PENDING = _SLOT + """
if redis.call('HGET', KEYS[1], ARGV[1]) ~= 'p' then
  redis.call('LREM', KEYS[3], 0, ARGV[3])
  return 'gone'
end
local free = slot(KEYS[2], tonumber(ARGV[2]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]),
                  tonumber(ARGV[7]))
if free == 'full' or free == 'closed' then return free end
take(KEYS[2], free)
redis.call('LREM', KEYS[3], 1, ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], 'c:' .. ARGV[2] .. ':' .. free)
redis.call('HINCRBY', KEYS[4], 'pending', -1)
return free
"""
# KEYS: ledger, pending list, state   ARGV: openid, article, new status, counter
SETTLE_PENDING = """
redis.call('LREM', KEYS[2], 0, ARGV[2])
if redis.call('HGET', KEYS[1], ARGV[1]) ~= 'p' then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HINCRBY', KEYS[3], 'pending', -1)
redis.call('HINCRBY', KEYS[3], ARGV[4], 1)
return 1
"""
# KEYS: ledger, state   ARGV: openid, claims older than this (unix time) count as unknown
# Makes an unknown delivery owed again: the entry goes, so the next fan-out generation claims it anew.
FORGET_UNKNOWN = """
local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value then return 0 end
local kind, at = string.match(value, '^([c?]):([%d.]+):')
if kind == nil then return 0 end
if kind == 'c' and tonumber(at) >= tonumber(ARGV[2]) then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
if kind == '?' then redis.call('HINCRBY', KEYS[2], 'unknown', -1) end
return 1
"""
COUNTERS = ("sent", "pending", "dropped", "failed", "expired", "cancelled", "unknown")  # one per final status
GRACE_DAYS = 2  # the ledger outlives the last moment the article may be delivered by this much
CRASHED = "crash"  # reason of a claim never resolved: the worker stopped during the call


def ledger_expiry(article: Article, settings: PushSettings) -> int:
    """Unix time the article's ledger may expire (0: never, when PUSH_PENDING_MAX_DAYS is 0)."""
    if not settings.pending_max_days:
        return 0
    return int(article.publish_at.timestamp() + (settings.pending_max_days + GRACE_DAYS) * 86400)


@dataclass(frozen=True)
class Unknown:
    """A delivery whose outcome is unknown: when it was claimed and why nobody knows whether it arrived."""

    openid: str
    at: float
    reason: str


@dataclass(frozen=True)
class Claim:
    """The outcome of a claim: `slot` 'l'/'s' means send now; anything else means do not call the API."""

    article: str
    openid: str
    slot: str

    @property
    def send(self) -> bool:
        return self.slot in ("l", "s")


class Ledger:
    """Claims and outcomes of deliveries, and the per-article counters `bot push list` shows."""

    def __init__(self, store: Store, settings: PushSettings | None = None) -> None:
        self.store, self.keys, self.redis = store, store.keys, store.redis
        self.settings = settings or PushSettings()
        self._claim = self.redis.register_script(CLAIM)
        self._claim_pending = self.redis.register_script(CLAIM_PENDING)
        self._settle_pending = self.redis.register_script(SETTLE_PENDING)
        self._forget_unknown = self.redis.register_script(FORGET_UNKNOWN)

    def _windows(self) -> list[int]:
        s = self.settings
        return [s.long_window, s.long_count, s.short_window, s.short_count]

    def claim(self, article: str, openid: str, now: float, *, expire_at: int = 0) -> Claim:
        """Claim a new delivery; when the follower's window is shut or full it goes to their pending list."""
        k = self.keys
        slot = self._claim(keys=[k.push_ledger(article), k.window(openid), k.pending(openid), k.push_state(article)],
                           args=[openid, f"{now:.3f}", article, *self._windows(), str(expire_at)])
        return Claim(article, openid, slot.decode() if isinstance(slot, bytes) else slot)

    def claim_pending(self, article: str, openid: str, now: float) -> Claim:
        """Claim the delivery of a pending article, if the window has room ('gone' if it is no longer pending)."""
        k = self.keys
        slot = self._claim_pending(keys=[k.push_ledger(article), k.window(openid), k.pending(openid),
                                         k.push_state(article)],
                                   args=[openid, f"{now:.3f}", article, *self._windows()])
        return Claim(article, openid, slot.decode() if isinstance(slot, bytes) else slot)

    def _resolve(self, claim: Claim, status: str, counter: str | None, *, refund: bool = False,
                 pending_front: bool = False) -> None:
        k = self.keys
        pipe = self.redis.pipeline(transaction=False)  # one round trip; Redis runs them in order
        if status:
            pipe.hset(k.push_ledger(claim.article), claim.openid, status)
        else:
            pipe.hdel(k.push_ledger(claim.article), claim.openid)
        if counter:
            pipe.hincrby(k.push_state(claim.article), counter, 1)
        if refund:
            pipe.hincrby(k.window(claim.openid), "ln" if claim.slot == "l" else "sn", -1)
            pipe.expire(k.window(claim.openid), self.settings.long_window + 3600)  # it may have lapsed meanwhile
        if pending_front:
            pipe.lpush(k.pending(claim.openid), claim.article)
        pipe.execute()

    def sent(self, claim: Claim) -> None:
        self._resolve(claim, "s", "sent")

    def defer(self, claim: Claim, errcode: int) -> None:
        """WeChat said 45015 (no window) or 45047 (count reached): keep it pending, first in line."""
        self._resolve(claim, "p", "pending", pending_front=True)
        if errcode == 45015:
            self.redis.hdel(self.keys.window(claim.openid), "l", "s")
        else:
            pipe = self.redis.pipeline(transaction=False)
            pipe.hset(self.keys.window(claim.openid), mapping={"ln": self.settings.long_count,
                                                               "sn": self.settings.short_count})
            pipe.expire(self.keys.window(claim.openid), self.settings.long_window + 3600)
            pipe.execute()

    def drop(self, claim: Claim) -> None:
        self._resolve(claim, "x", "dropped")

    def fail(self, claim: Claim, errcode: object) -> None:
        self._resolve(claim, f"f:{errcode}", "failed", refund=True)

    def unknown(self, claim: Claim, *, at: float, reason: str) -> None:
        """The request left and its answer was lost: never sent again by itself; `reason` says why."""
        self._resolve(claim, f"?:{at:.3f}:{reason}", "unknown")

    def release(self, claim: Claim, *, was_pending: bool) -> None:
        """Not sent and to be tried later (channel paused or stopped): undo the claim and the window slot."""
        if was_pending:
            self._resolve(claim, "p", "pending", refund=True, pending_front=True)
        else:
            self._resolve(claim, "", None, refund=True)

    def settle_pending(self, article: str, openid: str, status: str) -> None:
        """A pending delivery that will never be sent: expired (e), withdrawn (w) or unfollowed (u)."""
        k = self.keys
        counter = "expired" if status == "e" else "cancelled"
        self._settle_pending(keys=[k.push_ledger(article), k.pending(openid), k.push_state(article)],
                             args=[openid, article, status, counter])

    def cancel_pending(self, openid: str, *, reason: str) -> None:
        """Settle every pending article of a follower (they unfollowed)."""
        for raw in self.redis.lrange(self.keys.pending(openid), 0, -1):
            self.settle_pending(raw.decode(), openid, reason)
        self.redis.delete(self.keys.pending(openid))

    def counts(self, article: str) -> dict[str, int]:
        """The article's counters (sent, pending…), and `claimed`: entries in no final status (in flight or
        left unknown by a crash), i.e. the ledger's size less every counter."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.hmget(self.keys.push_state(article), list(COUNTERS))
        pipe.hlen(self.keys.push_ledger(article))
        raw, size = pipe.execute()
        counts = {name: int(value or 0) for name, value in zip(COUNTERS, raw, strict=True)}
        counts["claimed"] = max(0, int(size) - sum(counts.values()))
        return counts

    def unresolved(self, article: str, *, older_than: float) -> list[Unknown]:
        """Deliveries of unknown outcome: answers lost (with their reason), and claims older than `older_than`
        (unix time) never resolved, because a worker stopped during the call."""
        found = []
        for openid, value in self.redis.hscan_iter(self.keys.push_ledger(article), count=1000):
            kind, _, rest = value.decode().partition(":")
            at, _, reason = rest.partition(":")
            if kind == "?":
                found.append(Unknown(openid.decode(), float(at), reason))
            elif kind == "c" and float(at) < older_than:
                found.append(Unknown(openid.decode(), float(at), CRASHED))
        return sorted(found, key=lambda item: item.at)

    def forget_unknown(self, article: str, openid: str, *, older_than: float) -> bool:
        """Make an unknown delivery owed again (staff asked to resend it); False if it is not unknown."""
        k = self.keys
        return bool(self._forget_unknown(keys=[k.push_ledger(article), k.push_state(article)],
                                         args=[openid, f"{older_than:.3f}"]))
