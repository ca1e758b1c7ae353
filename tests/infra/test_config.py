"""Configuration from the environment: a clear sentence for each mistake, all mistakes at once."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.infra.config import DEMO_TOKEN, Config, ConfigError
from bot.infra.knowledge_limits import ReadLimits
from bot.infra.push_settings import PushSettings
from bot.staff.cli import cli

GOOD = {"WECHAT_TOKEN": "testtoken123", "WECHAT_APP_ID": "wx2c2769f8efd9abc2",
        "WECHAT_ENCODING_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "REDIS_URL": "redis://127.0.0.1:6379/12"}


def problems_for(**env: str) -> str:
    with pytest.raises(ConfigError) as caught:
        Config.from_env({k: v for k, v in {**GOOD, **env}.items() if v is not None})
    return str(caught.value)


def test_a_good_environment_is_read():
    config = Config.from_env({**GOOD, "REPLAY_WINDOW_SECONDS": "120", "WECHAT_API_BASE_URL": "http://127.0.0.1:9/"})
    assert config.token == "testtoken123" and config.app_id == "wx2c2769f8efd9abc2"
    assert config.aes_key == GOOD["WECHAT_ENCODING_AES_KEY"]
    assert config.redis_url == "redis://127.0.0.1:6379/12"
    assert config.replay_window == 120
    assert config.api_base_url == "http://127.0.0.1:9"
    assert config.max_body_bytes == 64 * 1024


def test_missing_token_says_where_to_find_it():
    message = problems_for(WECHAT_TOKEN=None)
    assert "WECHAT_TOKEN is not set" in message
    assert "基本配置" in message


def test_blank_token_counts_as_missing():
    assert "WECHAT_TOKEN is not set" in problems_for(WECHAT_TOKEN="   ")


@pytest.mark.parametrize("token", ["ab", "x" * 33, "has space", "tok-en!"])
def test_token_wechat_would_not_accept(token):
    assert "WECHAT_TOKEN must be 3-32 letters or digits" in problems_for(WECHAT_TOKEN=token)


def test_missing_app_id():
    assert "WECHAT_APP_ID is not set" in problems_for(WECHAT_APP_ID=None)


def test_app_id_that_is_not_one():
    assert "does not look like an AppID" in problems_for(WECHAT_APP_ID="gh_10f6c3c3ac5a")


@pytest.mark.parametrize(("key", "expected"), [
    ("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF", "exactly 43 characters (it has 42)"),
    ("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH", "exactly 43 characters (it has 44)"),
    ("abcdefghijklmnopqrstuvwxyz0123456789ABCDE!G", "not valid base64"),
    ("abcdefghijklmnopqrstuvwxyz0123456789ABCDE G", "not valid base64"),
])
def test_malformed_aes_key(key, expected):
    message = problems_for(WECHAT_ENCODING_AES_KEY=key)
    assert "WECHAT_ENCODING_AES_KEY" in message
    assert expected in message


def test_no_aes_key_means_plaintext_mode():
    assert Config.from_env({**GOOD, "WECHAT_ENCODING_AES_KEY": ""}).aes_key is None


@pytest.mark.parametrize(("url", "expected"), [
    ("localhost:6379", "must start with redis://"),
    ("http://127.0.0.1:6379/0", "must start with redis://"),
    ("redis://127.0.0.1:notaport/0", "port that is not a number"),
    ("redis://127.0.0.1:99999/0", "port that is not a number"),
    ("redis://127.0.0.1:6379/twelve", "database after the last / must be a number"),
    ("redis:///0", "names no host"),
])
def test_bad_redis_url(url, expected):
    message = problems_for(REDIS_URL=url)
    assert "REDIS_URL" in message and expected in message


def test_a_password_in_a_bad_redis_url_is_not_printed():
    message = problems_for(REDIS_URL="redis://user:s3cret-pw@127.0.0.1:99999/0")
    assert "s3cret-pw" not in message and "***" in message


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/12", "rediss://user:pw@redis.example.com:6380",
                                 "unix:///tmp/redis.sock", "redis://localhost"])
def test_good_redis_urls(url):
    assert Config.from_env({**GOOD, "REDIS_URL": url}).redis_url == url


def test_unset_redis_url_means_embedded():
    assert Config.from_env({k: v for k, v in GOOD.items() if k != "REDIS_URL"}).redis_url is None


@pytest.mark.parametrize("name", ["REPLAY_WINDOW_SECONDS", "MAX_BODY_BYTES"])
@pytest.mark.parametrize("value", ["abc", "-5", "0", "1.5"])
def test_numbers_must_be_positive_whole_numbers(name, value):
    assert f"{name} must be a positive whole number" in problems_for(**{name: value})


def test_knowledge_dir_must_exist(tmp_path: Path):
    assert "KNOWLEDGE_DIR" in problems_for(KNOWLEDGE_DIR=str(tmp_path / "missing"))


def test_api_base_url_must_be_http():
    assert "WECHAT_API_BASE_URL" in problems_for(WECHAT_API_BASE_URL="ftp://api.example.com")


def test_every_problem_is_listed_at_once():
    message = problems_for(WECHAT_TOKEN=None, WECHAT_ENCODING_AES_KEY="short", REDIS_URL="localhost")
    assert message.count("\n  - ") == 3


def test_demo_mode_fills_token_and_app_id():
    config = Config.from_env({}, demo=True)
    assert config.token == DEMO_TOKEN and config.demo
    assert not Config.from_env({"WECHAT_TOKEN": "realtoken1"}, demo=True).demo


def test_cli_shows_a_sentence_not_a_traceback():
    result = CliRunner().invoke(cli, ["serve"], env={"REDIS_URL": "redis://127.0.0.1:notaport/0",
                                                    "WECHAT_ENCODING_AES_KEY": "tooshort"})
    assert result.exit_code == 1
    assert "REDIS_URL" in result.output and "WECHAT_ENCODING_AES_KEY" in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, ConfigError)  # handled: click turned it into a message


@pytest.mark.parametrize("mode", ["auto", "plaintext", "compatible", "safe", "SAFE"])
def test_message_mode_is_read(mode):
    assert Config.from_env({**GOOD, "WECHAT_MESSAGE_MODE": mode}).message_mode == mode.lower()


def test_message_mode_defaults_to_auto():
    assert Config.from_env(GOOD).message_mode == "auto"


def test_unknown_message_mode_names_the_choices():
    message = problems_for(WECHAT_MESSAGE_MODE="secure")
    assert "WECHAT_MESSAGE_MODE must be one of auto, plaintext, compatible, safe" in message
    assert "安全模式 = safe" in message and "'secure'" in message


@pytest.mark.parametrize("mode", ["compatible", "safe"])
def test_encrypted_modes_need_the_aes_key(mode):
    message = problems_for(WECHAT_MESSAGE_MODE=mode, WECHAT_ENCODING_AES_KEY=None)
    assert f"WECHAT_MESSAGE_MODE={mode} needs WECHAT_ENCODING_AES_KEY" in message


def test_push_and_knowledge_settings_are_part_of_the_config():
    config = Config.from_env({**GOOD, "PUSH_RATE": "2.5", "PUSH_BATCH_SIZE": "50", "PUSH_RETRY_DELAYS": "1, 3",
                              "BOT_KNOWLEDGE_MAX_NODES": "900"})
    assert config.push == PushSettings(rate=2.5, batch_size=50, retry_delays=(1.0, 3.0))
    assert config.knowledge_limits == ReadLimits(max_nodes=900)
    assert Config.from_env(GOOD).push == PushSettings() and Config.from_env(GOOD).knowledge_limits == ReadLimits()


def test_a_test_gives_a_config_its_push_settings_directly():
    config = Config(token=DEMO_TOKEN, app_id="wxdemo0000000000", push=PushSettings(rate=0))
    assert config.push.rate == 0 and config.push.batch_size == PushSettings().batch_size


def test_push_settings_written_out_read_back_the_same():
    settings = PushSettings(rate=0.5, lease_seconds=7, retry_delays=(0.01, 0.2), pending_max_days=1.25,
                            scheduler_interval=0.05, outage_delays=(3.0,), maintenance_interval=60.0)
    assert Config.from_env({**GOOD, **settings.to_env()}).push == settings


@pytest.mark.parametrize(("name", "value", "words"), [
    ("PUSH_RATE", "fast", "a number of messages per second"),
    ("PUSH_RATE", "-1", "a number of messages per second"),
    ("PUSH_RATE", "nan", "a number of messages per second"),
    ("PUSH_BATCH_SIZE", "0", "a whole number of followers per job, 1 or more"),
    ("PUSH_BATCH_SIZE", "2.5", "a whole number of followers per job"),
    ("PUSH_MASS_DAILY_QUOTA", "one", "a whole number of mass sends a day"),
    ("PUSH_LEASE_SECONDS", "0", "a whole number of seconds, 1 or more"),
    ("PUSH_RETRY_DELAYS", "1;2", "seconds separated by commas, like 1,2,4,8"),
    ("PUSH_RETRY_DELAYS", "1,-2", "seconds separated by commas"),
    ("PUSH_PENDING_MAX_DAYS", "inf", "a number of days"),
    ("PUSH_SCHEDULER_INTERVAL", "0.01", "a number of seconds, 0.05 or more"),
    ("PUSH_OUTAGE_DELAYS", "15,,60", "seconds separated by commas"),
    ("PUSH_MAINTENANCE_INTERVAL", "hourly", "a number of seconds, 1 or more"),
    ("BOT_KNOWLEDGE_MAX_DEPTH", "deep", "a positive whole number"),
    ("BOT_KNOWLEDGE_MAX_ENTRIES", "²", "a positive whole number"),
])
def test_a_bad_push_or_knowledge_setting_is_a_config_error_naming_it(name, value, words):
    assert f"  - {name} must be {words}" in problems_for(**{name: value})
    assert f"not {value!r}." in problems_for(**{name: value})


def test_the_sentence_for_a_bad_push_rate():
    assert problems_for(PUSH_RATE="fast") == ("The configuration is not usable:\n"
                                              "  - PUSH_RATE must be a number of messages per second (0 = no limit), "
                                              "not 'fast'.")


def test_every_bad_setting_is_named_at_once_whichever_part_reads_it():
    message = problems_for(WECHAT_TOKEN=None, PUSH_RATE="fast", PUSH_OUTAGE_DELAYS="soon",
                           BOT_KNOWLEDGE_MAX_NODES="-3", MAX_BODY_BYTES="big")
    assert message.count("\n  - ") == 5
    for name in ("WECHAT_TOKEN", "PUSH_RATE", "PUSH_OUTAGE_DELAYS", "BOT_KNOWLEDGE_MAX_NODES", "MAX_BODY_BYTES"):
        assert f"  - {name} " in message


@pytest.mark.parametrize("command", [["kb", "check"], ["push", "list"], ["serve"]])
def test_a_bot_command_says_the_bad_push_setting_without_a_traceback(command, tmp_path: Path):
    env = {"PUSH_RATE": "fast", "PUSH_BATCH_SIZE": "0", "BOT_DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(cli, command, env=env)
    assert result.exit_code == 1, result.output
    assert "PUSH_RATE must be a number of messages per second (0 = no limit), not 'fast'." in result.output
    assert "PUSH_BATCH_SIZE must be a whole number of followers per job, 1 or more, not '0'." in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, ConfigError)


def test_the_match_decision_is_the_calibrated_one_unless_told_otherwise():
    assert Config.from_env(GOOD).match_decision == "calibrated"
    assert Config(token="t", app_id="wx").match_decision == "calibrated"
    assert Config.from_env({**GOOD, "BOT_MATCH_DECISION": "rules"}).match_decision == "rules"
    assert "BOT_MATCH_DECISION='model' must be one of calibrated, rules" in problems_for(BOT_MATCH_DECISION="model")
