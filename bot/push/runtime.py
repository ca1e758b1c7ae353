"""What push jobs work with in one process: config, Redis, knowledge, the WeChat client, settings, a clock."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import redis

from bot.infra.config import Config
from bot.infra.push_settings import PushSettings
from bot.infra.store import Keys, Store
from bot.knowledge import KnowledgeHolder
from bot.knowledge.articles import SHANGHAI, Article
from bot.push.ledger import Ledger
from bot.wechat.api import make_client

WORKER_SOCKET_TIMEOUT = 30  # a worker may wait on a busy Redis longer than the webhook's 0.25 s

# What pushing needs from the knowledge: not the FAQ matcher, whose jieba dictionary alone is ~110 MB.
PUSH_SECTIONS = ("topics", "articles")


def next_beijing_midnight(now: float) -> float:
    """Unix time of the next 00:00 in Beijing (WeChat's daily quotas reset then)."""
    today = datetime.fromtimestamp(now, SHANGHAI).date()
    return datetime(today.year, today.month, today.day, tzinfo=SHANGHAI).timestamp() + 86400


def beijing_day(now: float) -> str:
    """YYYYMMDD of the Beijing day containing `now`."""
    return datetime.fromtimestamp(now, SHANGHAI).strftime("%Y%m%d")


def beijing_time(moment: float) -> str:
    """HH:MM:SS of a unix time in Beijing, for log lines."""
    return datetime.fromtimestamp(moment, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def worker_redis(config: Config, store: Store) -> redis.Redis:
    """A client on the same Redis as `store` with worker-sized timeouts (RQ also adjusts its own)."""
    kwargs = dict(store.redis.connection_pool.connection_kwargs)
    kwargs["socket_timeout"] = WORKER_SOCKET_TIMEOUT
    kwargs["socket_connect_timeout"] = 5
    pool = redis.ConnectionPool(connection_class=store.redis.connection_pool.connection_class, **kwargs)
    return redis.Redis(connection_pool=pool)


@dataclass
class Runtime:
    """Everything a push job needs; one per process (see `bind` / `current`)."""

    config: Config
    store: Store
    settings: PushSettings
    knowledge: KnowledgeHolder
    clock: Callable[[], float] = time.time
    client_factory: Callable[[Runtime], object] | None = None
    _client: object | None = field(default=None, init=False, repr=False)
    _outages_cleared: dict[str, float] = field(default_factory=dict, init=False, repr=False)
    _extra_clients: list[redis.Redis] = field(default_factory=list, init=False, repr=False)
    _rq_client: redis.Redis | None = field(default=None, init=False, repr=False)
    _ledger: Ledger | None = field(default=None, init=False, repr=False)

    def keep_closing(self, client: redis.Redis) -> None:
        """Close `client` with this runtime (the connection it was built from)."""
        self._extra_clients.append(client)

    @property
    def keys(self) -> Keys:
        return self.store.keys

    @property
    def redis(self) -> redis.Redis:
        return self.store.redis

    @property
    def client(self):
        """The WeChat API client (made on first use: listing and previews need no secret)."""
        if self._client is None:
            if self.client_factory is not None:
                self._client = self.client_factory(self)
            else:
                self._client = make_client(self.config, self.store, clock=self.clock)
        return self._client

    def rq_connection(self) -> redis.Redis:
        """A separate client for RQ, which lengthens its socket timeout for blocking pops (one per runtime)."""
        if self._rq_client is None:
            self._rq_client = worker_redis(self.config, self.store)
            self._extra_clients.append(self._rq_client)
        return self._rq_client

    def close(self) -> None:
        """Close every connection of this runtime, so that an embedded redis-server stops with the process."""
        for client in self._extra_clients:
            client.connection_pool.disconnect()
        self._extra_clients.clear()
        self._rq_client = None
        self.store.close()

    def ledger(self) -> Ledger:
        """The delivery ledger on this runtime's store and settings (made once: it registers five scripts)."""
        ledger = self._ledger
        if ledger is None or ledger.store is not self.store or ledger.settings is not self.settings:
            ledger = self._ledger = Ledger(self.store, self.settings)
        return ledger

    def articles(self) -> dict[str, Article]:
        """The articles of the knowledge loaded now (hot reloaded)."""
        return dict(self.knowledge.current.articles)

    def article(self, article_id: str) -> Article | None:
        return self.articles().get(article_id)

    # -- channel control: 45009 pauses a channel until tomorrow, an outage for a growing while, 48001 stops it
    # until staff resume it -------------------------------------------------------------------------------
    def pause(self, channel: str, reason: str, *, until: float | None = None) -> float:
        """Pause the channel until `until` (default: the next Beijing midnight); returns that time.

        A shorter pause never cuts a longer one short (an outage during a 45009 pause keeps the pause).
        """
        until = next_beijing_midnight(self.clock()) if until is None else until
        key = self.keys.channel_pause(channel)
        current = self.redis.get(key)
        if current is not None and float(current.split(b" ", 1)[0]) > until:
            return float(current.split(b" ", 1)[0])
        self.redis.set(key, f"{until:.0f} {reason}", ex=max(1, int(until - self.clock())) + 86400)
        return until

    def back_off(self, channel: str, reason: str) -> float:
        """WeChat did not process a call (unreachable, busy): pause the channel for the next delay of
        PUSH_OUTAGE_DELAYS, shared by every worker; it resumes by itself. Returns the end of the pause.

        An outage met again while its pause is still in force (another job, another sender, the tag sync) is the
        same outage: it keeps that pause and does not count as the next one in a row.
        """
        current = self.redis.get(self.keys.channel_pause(channel))
        if current is not None and float(current.split(b" ", 1)[0]) > self.clock():
            return float(current.split(b" ", 1)[0])
        key = self.keys.channel_outages(channel)
        pipe = self.redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, 7 * 86400)
        outages = int(pipe.execute()[0])
        delays = self.settings.outage_delays or (60.0,)
        delay = delays[min(outages, len(delays)) - 1]
        return self.pause(channel, f"{reason}; sending resumes by itself", until=self.clock() + delay)

    def note_delivered(self, channel: str) -> None:
        """A call went through: the next outage starts again from the shortest pause (checked every 10 s)."""
        now = time.monotonic()
        if now - self._outages_cleared.get(channel, -1e9) >= 10:
            self._outages_cleared[channel] = now
            self.redis.delete(self.keys.channel_outages(channel))

    def stop(self, channel: str, reason: str) -> None:
        self.redis.set(self.keys.channel_stop(channel), reason)

    def resume(self, channel: str) -> bool:
        """Clear a pause or stop; True when there was one."""
        self.redis.delete(self.keys.channel_outages(channel))
        return bool(self.redis.delete(self.keys.channel_pause(channel), self.keys.channel_stop(channel)))

    def blocked(self, channel: str) -> str | None:
        """Why the channel may not send now, or None."""
        stopped = self.redis.get(self.keys.channel_stop(channel))
        if stopped is not None:
            return f"stopped: {stopped.decode()}"
        paused = self.redis.get(self.keys.channel_pause(channel))
        if paused is not None:
            until, _, reason = paused.decode().partition(" ")
            if float(until) > self.clock():
                moment = datetime.fromtimestamp(float(until), SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
                return f"paused until {moment} (Beijing): {reason}"
        return None


_current: Runtime | None = None


def bind(runtime: Runtime | None) -> None:
    """Make `runtime` the one this process's jobs use (the CLI and tests call this)."""
    global _current
    _current = runtime


def current() -> Runtime:
    """The runtime bound by the process that runs push jobs (`bot worker` binds one before it starts)."""
    if _current is None:
        raise RuntimeError("no push runtime is bound in this process: start jobs with `bot worker`")
    return _current

