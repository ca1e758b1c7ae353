"""The console's settings in the typed config: on by default, switches read as on/off, a short secret refused."""
from __future__ import annotations

import pytest

from bot.infra.config import Config, ConfigError

BASE = {"WECHAT_TOKEN": "testtoken123", "WECHAT_APP_ID": "wx2c2769f8efd9abc2"}


def test_the_console_is_on_by_default():
    config = Config.from_env(BASE)
    assert config.console_enabled and not config.console_secure_cookie
    assert config.console_secret_key == "" and config.console_login_attempts == 5


@pytest.mark.parametrize(("raw", "on"), [("0", False), ("off", False), ("no", False), ("1", True), ("TRUE", True)])
def test_console_enabled_reads_on_and_off(raw, on):
    assert Config.from_env({**BASE, "CONSOLE_ENABLED": raw}).console_enabled is on


@pytest.mark.parametrize(("name", "raw", "says"), [
    ("CONSOLE_ENABLED", "maybe", "CONSOLE_ENABLED must be on or off"),
    ("CONSOLE_SECURE_COOKIE", "2", "CONSOLE_SECURE_COOKIE must be on or off"),
    ("CONSOLE_SECRET_KEY", "short", "at least 32 characters"),
    ("CONSOLE_LOGIN_ATTEMPTS", "0", "CONSOLE_LOGIN_ATTEMPTS must be"),
])
def test_a_bad_console_setting_is_a_sentence(name, raw, says):
    with pytest.raises(ConfigError, match=says):
        Config.from_env({**BASE, name: raw})
