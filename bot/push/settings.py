"""Push settings from the environment (PUSH_* variables), with the defaults a real account needs."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class SettingsError(ValueError):
    """A PUSH_* variable is malformed; the message names it."""


@dataclass(frozen=True)
class PushSettings:
    """How fast, in what batches and within which limits articles go out."""

    rate: float = 20.0  # customer-service messages per second, all workers together; 0 = no limit
    batch_size: int = 200  # followers per RQ job
    senders: int = 1  # calls a worker keeps going at once within a batch (threads); the rate still applies
    mass_daily_quota: int = 1  # successful mass sends a day (a subscription account has 1)
    lease_seconds: int = 120  # a fan-out nobody has touched for this long is started again
    retry_delays: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)  # backoff for -1 / connection errors
    pending_max_days: float = 14.0  # a pending article older than this is not sent any more
    scheduler_interval: float = 5.0  # seconds between two looks for due articles (bot worker)
    # WeChat unreachable (or busy past the retries): the channel pauses this long, growing with each outage
    # in a row, then resumes by itself; a delivery that went out resets it.
    outage_delays: tuple[float, ...] = (15.0, 60.0, 300.0, 900.0, 1800.0, 3600.0)
    maintenance_interval: float = 3600.0  # seconds between two trims of the push keys (bot worker)
    long_window: int = 48 * 3600  # after a follower's message: 5 messages within 48 h
    long_count: int = 5
    short_window: int = 60  # after a click, follow or scan: 3 messages within 1 minute
    short_count: int = 3

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PushSettings:
        """Read PUSH_RATE, PUSH_BATCH_SIZE, PUSH_SENDERS, PUSH_MASS_DAILY_QUOTA, PUSH_LEASE_SECONDS, PUSH_RETRY_DELAYS,
        PUSH_PENDING_MAX_DAYS, PUSH_SCHEDULER_INTERVAL, PUSH_OUTAGE_DELAYS, PUSH_MAINTENANCE_INTERVAL."""
        def number(name: str, default: float, kind: type = float, minimum: float = 0) -> float:
            raw = (env.get(name) or "").strip()
            if not raw:
                return default
            try:
                value = kind(raw)
            except ValueError:
                raise SettingsError(f"{name} must be a number, not {raw!r}") from None
            if value < minimum:
                raise SettingsError(f"{name} must be at least {minimum}, not {raw!r}")
            return value

        def seconds_list(name: str, default: tuple[float, ...]) -> tuple[float, ...]:
            raw = (env.get(name) or "").strip()
            try:
                values = tuple(float(d) for d in raw.split(",")) if raw else default
            except ValueError:
                raise SettingsError(f"{name} must be seconds separated by commas, not {raw!r}") from None
            if any(v < 0 for v in values):
                raise SettingsError(f"{name} must not hold negative seconds, not {raw!r}")
            return values

        return cls(
            rate=number("PUSH_RATE", cls.rate),
            batch_size=int(number("PUSH_BATCH_SIZE", cls.batch_size, int, 1)),
            senders=int(number("PUSH_SENDERS", cls.senders, int, 1)),
            mass_daily_quota=int(number("PUSH_MASS_DAILY_QUOTA", cls.mass_daily_quota, int)),
            lease_seconds=int(number("PUSH_LEASE_SECONDS", cls.lease_seconds, int, 1)),
            retry_delays=seconds_list("PUSH_RETRY_DELAYS", cls.retry_delays),
            pending_max_days=number("PUSH_PENDING_MAX_DAYS", cls.pending_max_days),
            scheduler_interval=number("PUSH_SCHEDULER_INTERVAL", cls.scheduler_interval, float, 0.05),
            outage_delays=seconds_list("PUSH_OUTAGE_DELAYS", cls.outage_delays),
            maintenance_interval=number("PUSH_MAINTENANCE_INTERVAL", cls.maintenance_interval, float, 1),
        )
