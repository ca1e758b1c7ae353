"""The test account's settings, shared by fixtures and tests (a test imports them from here, never from a conftest)."""
from __future__ import annotations

from bot import PROJECT_ROOT
from bot.infra.push_settings import PushSettings

TOKEN = "testtoken123"
APP_ID = "wx2c2769f8efd9abc2"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SECRET = "testsecret0123456789"
# Quick enough for tests: no rate limit, short retries and leases, small batches, a scheduler that looks often.
PUSH_SETTINGS = PushSettings(rate=0, retry_delays=(0.01, 0.02, 0.05), lease_seconds=1, batch_size=10,
                             scheduler_interval=0.2)
# The labelled questions, brochure facts and probes the evaluation tests (and the benchmarks) score the bot on.
DATA = PROJECT_ROOT / "tests" / "data"
