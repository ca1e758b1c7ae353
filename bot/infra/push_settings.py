"""Push settings (the PUSH_* variables) with the defaults a real account needs; part of the configuration."""
from __future__ import annotations

from dataclasses import dataclass, fields

from bot.infra.env_reader import EnvReader

# The variable behind each setting, its least value and what staff should write there (the words of its error).
VARIABLES: dict[str, tuple[str, float, str]] = {
    "rate": ("PUSH_RATE", 0, "a number of messages per second (0 = no limit)"),
    "batch_size": ("PUSH_BATCH_SIZE", 1, "a whole number of followers per job, 1 or more"),
    "senders": ("PUSH_SENDERS", 1, "a whole number of calls a worker keeps going at once, 1 or more"),
    "mass_daily_quota": ("PUSH_MASS_DAILY_QUOTA", 0, "a whole number of mass sends a day (0 or more)"),
    "lease_seconds": ("PUSH_LEASE_SECONDS", 1, "a whole number of seconds, 1 or more"),
    "retry_delays": ("PUSH_RETRY_DELAYS", 0, "seconds separated by commas, like 1,2,4,8"),
    "pending_max_days": ("PUSH_PENDING_MAX_DAYS", 0, "a number of days (0 or more)"),
    "scheduler_interval": ("PUSH_SCHEDULER_INTERVAL", 0.05, "a number of seconds, 0.05 or more"),
    "outage_delays": ("PUSH_OUTAGE_DELAYS", 0, "seconds separated by commas, like 15,60,300"),
    "maintenance_interval": ("PUSH_MAINTENANCE_INTERVAL", 1, "a number of seconds, 1 or more"),
}


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
    def read(cls, reader: EnvReader) -> PushSettings:
        """The settings of the PUSH_* variables in `reader`; a malformed one is noted there and left at its default."""
        values: dict[str, object] = {}
        for item in fields(cls):
            if item.name not in VARIABLES:
                continue
            name, minimum, what = VARIABLES[item.name]
            default = item.default
            if isinstance(default, tuple):
                values[item.name] = reader.seconds(name, default, what=what)
            elif isinstance(default, int):
                values[item.name] = reader.whole(name, default, minimum=int(minimum), what=what)
            else:
                values[item.name] = reader.number(name, float(default), minimum=minimum, what=what)  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]

    def to_env(self) -> dict[str, str]:
        """The PUSH_* variables that give these settings, to start another `bot` process with them."""
        env = {}
        for field_name, (name, _, _) in VARIABLES.items():
            value = getattr(self, field_name)
            env[name] = ",".join(map(repr, value)) if isinstance(value, tuple) else repr(value)
        return env
