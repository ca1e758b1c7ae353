"""The delivery ledger: one entry per (article, follower), claimed before the API call, resolved after it.

Ledger values (hash `push:{article}:ledger`, openid → status):
  c:<time>:<slot>:<nonce>  claimed, the call not made yet (its worker waits for the send rate's budget).
                   Nothing has left: a claim older than PUSH_LEASE_SECONDS (its worker was killed or lost Redis)
                   is taken over by the next claim of the delivery (a later fan-out generation, or the follower's
                   pending delivery), which gives back the window slot the dead claim took and delivers it. A
                   claim without a nonce (`c:<time>:<slot>`) was written before claims were marked in flight: its
                   call may have left, so it stays unknown like an `i:` entry
  i:<time>:<slot>  in flight: put there by the same script that grants the send budget, once the access_token is
                   in hand, so that only the HTTP request follows. Older than the lease, its worker stopped during
                   the call: WeChat may have the message, so it is never sent again by itself (unknown)
  ?:<time>:<why>   unknown: the request left and its answer was lost (why: timeout, dropped, http504…);
                   never sent again unless staff ask for it (`bot push resend ID --unknown`)
  s  sent          p  pending (outside the window or over the count: sent when the follower writes again)
  x  dropped: not following (43004)    f:<errcode>  failed    u  unfollowed while pending
  e  expired while pending             w  article withdrawn while pending
The claim also takes one message from the follower's sending window (see bot/push/window.py), atomically,
and sets the ledger's expiry: PUSH_PENDING_MAX_DAYS + 2 days after the article's publish time, when nothing
can deliver it any more (so no entry that guards against a duplicate disappears while it still matters).
A pending delivery's article stays in the follower's pending list until its entry goes in flight, so that a
claim its worker never got to send is found there again.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from typing import Any

from redis.exceptions import NoScriptError

from bot.infra.push_settings import PushSettings
from bot.infra.store import Store
from bot.knowledge.articles import Article
from bot.push.throttle import BUDGET_LUA, Budget

_SLOT = BUDGET_LUA + """
local function window(wkey)
  local w = redis.call('HMGET', wkey, 'l', 'ln', 's', 'sn')
  return {l = tonumber(w[1]), ln = tonumber(w[2]) or 0, s = tonumber(w[3]), sn = tonumber(w[4]) or 0}
end
local function slot(w, now, lw, lc, sw, sc)
  local lopen = w.l ~= nil and now - w.l < lw
  local sopen = w.s ~= nil and now - w.s < sw
  if lopen and w.ln < lc then return 'l' end
  if sopen and w.sn < sc then return 's' end
  if lopen or sopen then return 'full' end
  return 'closed'
end
-- A claim whose call never left: its time and window slot (nil for any other entry, and for a claim written
-- before claims had a nonce, whose call may have left).
local function claim_of(value)
  local at, which = string.match(value, '^c:([%d.]+):([ls]):%x+$')
  return tonumber(at), which
end
-- A dead claim gives back the window slot it took: returns that slot ('l' or 's'; '' when a newer message from
-- the follower has reset that count since), and counts it free in `w`.
local function give_back(w, which, at)
  local opened, n = w[which], w[which .. 'n']
  if opened ~= nil and opened <= at and n > 0 then
    w[which .. 'n'] = n - 1
    return which
  end
  return ''
end
-- Write the window counts: one message given back by a dead claim (`given`), one taken (`taken`).
local function count(wkey, given, taken)
  if given == taken then return end
  if given ~= nil and given ~= '' then redis.call('HINCRBY', wkey, given .. 'n', -1) end
  if taken ~= '' then redis.call('HINCRBY', wkey, taken .. 'n', 1) end
end
"""
# KEYS: ledger, window, pending list, state, throttle
# ARGV: openid, now, article, lw, lc, sw, sc, expire_at (0: never), claims older than this are dead, limit, ttl,
#       ':' .. nonce
# → {slot} or {slot, 'i' (in flight: call now) | 'c' (claimed: wait for the budget)}; 'dup' when the entry
# is taken, 'busy' when another worker's claim holds it and may still send it. The budget is taken before
# any other write, so that a script stopped by an error there has changed nothing.
CLAIM = _SLOT + """
local now = tonumber(ARGV[2])
if ARGV[8] ~= '0' then redis.call('EXPIREAT', KEYS[1], ARGV[8]) end
local w = window(KEYS[2])
local given, listed = nil, false
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local at, which = claim_of(old)
  if at == nil then return {'dup'} end
  if at >= tonumber(ARGV[9]) then return {'busy'} end
  given = give_back(w, which, at)
  listed = redis.call('LPOS', KEYS[3], ARGV[3]) ~= false  -- a pending delivery's claim: its article is listed
end
local free = slot(w, now, tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]))
local behind = redis.call('LLEN', KEYS[3]) > (listed and 1 or 0)
if behind or free == 'full' or free == 'closed' then
  count(KEYS[2], given, '')
  redis.call('HSET', KEYS[1], ARGV[1], 'p')
  if listed then redis.call('LREM', KEYS[3], 0, ARGV[3]) end
  redis.call('RPUSH', KEYS[3], ARGV[3])
  if ARGV[8] ~= '0' and redis.call('TTL', KEYS[3]) < tonumber(ARGV[8]) - now then
    redis.call('EXPIREAT', KEYS[3], ARGV[8])
  elseif ARGV[8] == '0' then
    redis.call('PERSIST', KEYS[3])
  end
  redis.call('HINCRBY', KEYS[4], 'pending', 1)
  if behind and (free == 'l' or free == 's') then return {'behind'} end
  return {free}
end
local state = take_budget(KEYS[5], tonumber(ARGV[10]), ARGV[11]) and 'i' or 'c'
count(KEYS[2], given, free)
if listed and state == 'i' then redis.call('LREM', KEYS[3], 0, ARGV[3]) end
redis.call('HSET', KEYS[1], ARGV[1], state .. ':' .. ARGV[2] .. ':' .. free .. (state == 'c' and ARGV[12] or ''))
return {free, state}
"""
# KEYS: ledger, window, pending list, state, throttle
# ARGV: openid, now, article, lw, lc, sw, sc, claims older than this are dead, limit, ttl, ':' .. nonce
# → as CLAIM, or 'gone'
CLAIM_PENDING = _SLOT + """
local value = redis.call('HGET', KEYS[1], ARGV[1])
local w = window(KEYS[2])
local given = nil
if value ~= 'p' then
  local at, which = false, nil
  if value then at, which = claim_of(value) end
  if not at then
    redis.call('LREM', KEYS[3], 0, ARGV[3])
    return {'gone'}
  end
  if at >= tonumber(ARGV[8]) then return {'busy'} end
  given = give_back(w, which, at)
end
local free = slot(w, tonumber(ARGV[2]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]),
                  tonumber(ARGV[7]))
if free == 'full' or free == 'closed' then
  if given ~= nil then  -- a dead claim: owed again as pending (its article is still listed)
    count(KEYS[2], given, '')
    redis.call('HSET', KEYS[1], ARGV[1], 'p')
    redis.call('HINCRBY', KEYS[4], 'pending', 1)
  end
  return {free}
end
local state = take_budget(KEYS[5], tonumber(ARGV[9]), ARGV[10]) and 'i' or 'c'
count(KEYS[2], given, free)
if state == 'i' then redis.call('LREM', KEYS[3], 1, ARGV[3]) end
redis.call('HSET', KEYS[1], ARGV[1], state .. ':' .. ARGV[2] .. ':' .. free .. (state == 'c' and ARGV[11] or ''))
if given == nil then redis.call('HINCRBY', KEYS[4], 'pending', -1) end
return {free, state}
"""
# KEYS: ledger, pending list, throttle   ARGV: openid, the claim (c:…), now, slot, article, limit, ttl
# → 'i' (in flight: call now), 'c' (the budget is spent: wait), 'lost' (taken over: do not call)
LAUNCH = BUDGET_LUA + """
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 'lost' end
if not take_budget(KEYS[3], tonumber(ARGV[6]), ARGV[7]) then return 'c' end
redis.call('LREM', KEYS[2], 1, ARGV[5])
redis.call('HSET', KEYS[1], ARGV[1], 'i:' .. ARGV[3] .. ':' .. ARGV[4])
return 'i'
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
# KEYS: ledger, state   ARGV: openid, in-flight entries older than this (unix time) count as unknown
# Makes an unknown delivery owed again: the entry goes, so the next fan-out generation claims it anew.
FORGET_UNKNOWN = """
local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value then return 0 end
local kind, at = string.match(value, '^([i?]):([%d.]+):')
if kind == nil then kind, at = string.match(value, '^(c):([%d.]+):[ls]$') end  -- a claim without a nonce
if kind == nil then return 0 end
if kind ~= '?' and tonumber(at) >= tonumber(ARGV[2]) then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
if kind == '?' then redis.call('HINCRBY', KEYS[2], 'unknown', -1) end
return 1
"""
COUNTERS = ("sent", "pending", "dropped", "failed", "expired", "cancelled", "unknown")  # one per final status
GRACE_DAYS = 2  # the ledger outlives the last moment the article may be delivered by this much
CRASHED = "crash"  # reason of an in-flight entry never resolved: the worker stopped during the call
LEGACY = "claim"  # reason of a claim without a nonce never resolved (written before in-flight marks)
NO_LIMIT = Budget("", 0, 0, 0.0, 0)


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
    """The outcome of a claim: `slot` 'l'/'s' means it is this worker's to send; anything else means do not call
    the API ('busy': another worker's claim, which may still send it). `state` 'i': in flight, make the call
    now; 'c': claimed, waiting for the send rate's budget (`Ledger.launch`); 'lost': taken over meanwhile."""

    article: str
    openid: str
    slot: str
    state: str = ""
    entry: str = ""  # the ledger value as claimed (`c:…:nonce`): only while it is still there may it go in flight

    @property
    def send(self) -> bool:
        return self.slot in ("l", "s") and self.state != "lost"

    @property
    def in_flight(self) -> bool:
        return self.state == "i"


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class Ledger:
    """Claims and outcomes of deliveries, and the per-article counters `bot push list` shows."""

    def __init__(self, store: Store, settings: PushSettings | None = None) -> None:
        self.store, self.keys, self.redis = store, store.keys, store.redis
        self.settings = settings or PushSettings()
        self._claim = self.redis.register_script(CLAIM)
        self._claim_pending = self.redis.register_script(CLAIM_PENDING)
        self._launch = self.redis.register_script(LAUNCH)
        self._settle_pending = self.redis.register_script(SETTLE_PENDING)
        self._forget_unknown = self.redis.register_script(FORGET_UNKNOWN)

    def _windows(self) -> list[int]:
        s = self.settings
        return [s.long_window, s.long_count, s.short_window, s.short_count]

    def _dead_before(self, now: float) -> str:
        return f"{now - self.settings.lease_seconds:.3f}"

    def _claimed(self, article: str, openid: str, stamp: str, nonce: str, answer: list) -> Claim:
        slot = _text(answer[0])
        state = _text(answer[1]) if len(answer) > 1 else ""
        return Claim(article, openid, slot, state, f"c:{stamp}:{slot}{nonce}" if state == "c" else "")

    def claim(self, article: str, openid: str, now: float, *, expire_at: int = 0,
              budget: Budget = NO_LIMIT, sent_before: Claim | None = None) -> Claim:
        """Claim a new delivery (or take over a dead claim) and, when `budget` grants a call, put it in flight;
        when the follower's window is shut or full it goes to their pending list.

        `sent_before`: a delivery just sent, marked sent in the same round trip, ahead of this claim.
        """
        k, stamp, nonce = self.keys, f"{now:.3f}", f":{secrets.token_hex(4)}"
        keys = [k.push_ledger(article), k.window(openid), k.pending(openid), k.push_state(article),
                budget.key or k.throttle("none", 0)]
        args = [openid, stamp, article, *self._windows(), str(expire_at), self._dead_before(now), *budget.args, nonce]
        if sent_before is None:
            answer = self._claim(keys=keys, args=args)
        else:
            pipe = self.redis.pipeline(transaction=False)  # Redis runs them in order: the mark, then the claim
            self._queue_resolve(pipe, sent_before, "s", "sent")
            pipe.evalsha(self._claim.sha, len(keys), *keys, *args)  # a pipeline's Script would check SCRIPT EXISTS
            try:
                answer = pipe.execute()[-1]
            except NoScriptError:  # Redis lost its scripts (a restart): the mark is written; claim on its own
                answer = self._claim(keys=keys, args=args)
        return self._claimed(article, openid, stamp, nonce, answer)

    def claim_pending(self, article: str, openid: str, now: float, *, budget: Budget = NO_LIMIT) -> Claim:
        """Claim the delivery of a pending article (or take over a dead claim of it), if the window has room
        ('gone' if it is no longer pending); in flight when `budget` grants a call."""
        k, stamp, nonce = self.keys, f"{now:.3f}", f":{secrets.token_hex(4)}"
        answer = self._claim_pending(keys=[k.push_ledger(article), k.window(openid), k.pending(openid),
                                           k.push_state(article), budget.key or k.throttle("none", 0)],
                                     args=[openid, stamp, article, *self._windows(), self._dead_before(now),
                                           *budget.args, nonce])
        return self._claimed(article, openid, stamp, nonce, answer)

    def launch(self, claim: Claim, now: float, budget: Budget) -> Claim:
        """Put a waiting claim in flight if `budget` grants a call (state 'i'); 'c' to wait again, 'lost' when
        another worker took it over meanwhile (this one must not call)."""
        k = self.keys
        state = self._launch(keys=[k.push_ledger(claim.article), k.pending(claim.openid),
                                   budget.key or k.throttle("none", 0)],
                             args=[claim.openid, claim.entry, f"{now:.3f}", claim.slot, claim.article, *budget.args])
        return replace(claim, state=_text(state))

    def _resolve(self, claim: Claim, status: str, counter: str | None, *, refund: bool = False,
                 pending_front: bool = False) -> None:
        pipe = self.redis.pipeline(transaction=False)  # one round trip; Redis runs them in order
        self._queue_resolve(pipe, claim, status, counter, refund=refund, pending_front=pending_front)
        pipe.execute()

    def _queue_resolve(self, pipe: Any, claim: Claim, status: str, counter: str | None, *, refund: bool = False,
                       pending_front: bool = False) -> None:
        k = self.keys
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
            pipe.lrem(k.pending(claim.openid), 0, claim.article)  # listed once, whatever state it left
            pipe.lpush(k.pending(claim.openid), claim.article)

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
        """The article's counters (sent, pending…), and `claimed`: entries in no final status (claimed, in
        flight, or left in flight by a crash), i.e. the ledger's size less every counter."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.hmget(self.keys.push_state(article), list(COUNTERS))
        pipe.hlen(self.keys.push_ledger(article))
        raw, size = pipe.execute()
        counts = {name: int(value or 0) for name, value in zip(COUNTERS, raw, strict=True)}
        counts["claimed"] = max(0, int(size) - sum(counts.values()))
        return counts

    def unresolved(self, article: str, *, older_than: float) -> list[Unknown]:
        """Deliveries of unknown outcome: answers lost (with their reason), and entries put in flight before
        `older_than` (unix time) and never resolved, because a worker stopped during the call. A claim whose
        call never left (`c:`) is not one of them: the next claim of the delivery takes it over."""
        return self.outstanding(article, older_than=older_than)[0]

    def outstanding(self, article: str, *, older_than: float) -> tuple[list[Unknown], int]:
        """`unresolved`, and how many claims older than `older_than` never made their call (owed again)."""
        found, lapsed = [], 0
        for openid, value in self.redis.hscan_iter(self.keys.push_ledger(article), count=1000):
            kind, _, rest = value.decode().partition(":")
            at, _, reason = rest.partition(":")
            if kind == "?":
                found.append(Unknown(openid.decode(), float(at), reason))
            elif kind == "i" and float(at) < older_than:
                found.append(Unknown(openid.decode(), float(at), CRASHED))
            elif kind == "c" and float(at) < older_than:
                if ":" in reason:  # slot:nonce: its call never left, the next claim takes it over
                    lapsed += 1
                else:
                    found.append(Unknown(openid.decode(), float(at), LEGACY))
        return sorted(found, key=lambda item: item.at), lapsed

    def forget_unknown(self, article: str, openid: str, *, older_than: float) -> bool:
        """Make an unknown delivery owed again (staff asked to resend it); False if it is not unknown."""
        k = self.keys
        return bool(self._forget_unknown(keys=[k.push_ledger(article), k.push_state(article)],
                                         args=[openid, f"{older_than:.3f}"]))
