"""Configuration from the environment, validated once at start: one typed tree, one error type (ConfigError).

Config holds the account and process settings; its sub-trees `push` (PUSH_*) and `knowledge_limits`
(BOT_KNOWLEDGE_*) are read in the same pass, so that one message names every malformed variable."""
from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlparse

from bot import PROJECT_ROOT
from bot.infra.env_reader import ConfigError, EnvReader
from bot.infra.knowledge_limits import ReadLimits
from bot.infra.push_settings import PushSettings

# ConfigError is the error of every setting, whichever sub-tree reads it; callers import it from here.
__all__ = ["Config", "ConfigError", "PushSettings", "ReadLimits"]

DEMO_TOKEN = "clairbotdemo"  # WeChat accepts 3-32 letters or digits only
DEMO_APP_ID = "wxdemo0000000000"
DEFAULT_API_BASE = "https://api.weixin.qq.com"
# 消息加解密方式: auto takes each request as it comes; the others are the admin page's three modes.
MESSAGE_MODES = ("auto", "plaintext", "compatible", "safe")
# How the matcher decides: the calibrated model (bot/matching/model.py, fitted by `bot kb calibrate`), the
# default, or the hand-set rules (bot/matching/decide.py), BOT_MATCH_DECISION=rules, the way back
# (README, "Answer quality").
MATCH_DECISIONS = ("calibrated", "rules")


@dataclass(frozen=True)
class Config:
    """Everything the bot reads from its environment."""

    token: str
    app_id: str
    app_secret: str = ""
    aes_key: str | None = None
    redis_url: str | None = None
    data_dir: Path = PROJECT_ROOT / "var"
    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    api_base_url: str = DEFAULT_API_BASE
    key_prefix: str = "clairbot:"
    message_mode: str = "auto"
    replay_window: int = 300
    max_body_bytes: int = 64 * 1024
    reload_interval: float = 2.0
    demo: bool = False
    tappable_lists: bool = True  # numbered options also as weixin://bizmsgmenu links a tap answers
    customer_service: bool = False  # the account uses WeChat's customer-service system (多客服): hand over there
    kf_account: str = ""  # optional: the customer-service account (kf2001@gh_…) handed-over followers go to
    push: PushSettings = field(default_factory=PushSettings)
    knowledge_limits: ReadLimits = field(default_factory=ReadLimits)
    match_decision: str = "calibrated"
    console_enabled: bool = True  # the staff console under /console/ (CONSOLE_ENABLED=0 turns it off)
    console_secret_key: str = ""  # signs console sessions; empty: one generated once under data_dir
    console_secure_cookie: bool = False  # CONSOLE_SECURE_COOKIE=1: the session cookie only over HTTPS, always
    console_login_attempts: int = 5  # failed console logins per account per 15 minutes (per address: 4 times it)

    def __post_init__(self) -> None:
        # Folders given as text (a test, a script) work like Paths everywhere they are used.
        for name in ("data_dir", "knowledge_dir"):
            object.__setattr__(self, name, Path(getattr(self, name)))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, demo: bool = False) -> Config:
        """Read and validate the environment; `demo` fills a demo token and app id when unset."""
        reader = EnvReader(os.environ if env is None else env)
        get, problems = reader.text, reader.problems  # every mistake is noted, then all are told at once

        token = get("WECHAT_TOKEN")
        app_id = get("WECHAT_APP_ID")
        if not token:
            if demo:
                token = DEMO_TOKEN
            else:
                problems.append("WECHAT_TOKEN is not set: use the Token you entered in the WeChat admin page "
                                "(设置与开发 → 基本配置 → 服务器配置)")
        elif not (3 <= len(token) <= 32 and token.isalnum()):
            problems.append("WECHAT_TOKEN must be 3-32 letters or digits, as WeChat requires")
        if not app_id:
            if demo:
                app_id = DEMO_APP_ID
            else:
                problems.append("WECHAT_APP_ID is not set: the AppID (开发者ID) of the official account, wx…")
        elif not app_id.startswith("wx"):
            problems.append(f"WECHAT_APP_ID {app_id!r} does not look like an AppID (it starts with 'wx')")

        aes_key = get("WECHAT_ENCODING_AES_KEY") or None
        if aes_key is not None:
            problems.extend(_check_aes_key(aes_key))

        message_mode = get("WECHAT_MESSAGE_MODE").lower() or "auto"
        if message_mode not in MESSAGE_MODES:
            problems.append(f"WECHAT_MESSAGE_MODE must be one of {', '.join(MESSAGE_MODES)} "
                            f"(明文模式 = plaintext, 兼容模式 = compatible, 安全模式 = safe), not {message_mode!r}")
        elif message_mode in ("compatible", "safe") and aes_key is None:
            problems.append(f"WECHAT_MESSAGE_MODE={message_mode} needs WECHAT_ENCODING_AES_KEY, the 43-character "
                            "消息加解密密钥 shown in the WeChat admin page")

        redis_url = get("REDIS_URL") or None
        if redis_url:
            problems.extend(_check_redis_url(redis_url))

        api_base = get("WECHAT_API_BASE_URL") or DEFAULT_API_BASE
        if urlparse(api_base).scheme not in ("http", "https"):
            problems.append(f"WECHAT_API_BASE_URL {api_base!r} must be an http(s) URL")

        knowledge_dir = Path(get("KNOWLEDGE_DIR") or PROJECT_ROOT / "knowledge")
        if not knowledge_dir.is_dir():
            problems.append(f"KNOWLEDGE_DIR {str(knowledge_dir)!r} is not a folder")

        match_decision = get("BOT_MATCH_DECISION") or "calibrated"
        if match_decision not in MATCH_DECISIONS:
            problems.append(f"BOT_MATCH_DECISION={match_decision!r} must be one of {', '.join(MATCH_DECISIONS)}")

        replay_window = reader.whole("REPLAY_WINDOW_SECONDS", 300, what="a positive whole number of seconds")
        max_body_bytes = reader.whole("MAX_BODY_BYTES", 64 * 1024, what="a positive whole number of bytes")
        tappable = _switch(reader, "BOT_TAPPABLE_LISTS", True)
        customer_service = _switch(reader, "WECHAT_CUSTOMER_SERVICE", False)
        kf_account = get("WECHAT_KF_ACCOUNT")
        if kf_account and ("@" not in kf_account or len(kf_account) > 64):
            problems.append(f"WECHAT_KF_ACCOUNT {kf_account!r} must look like kf2001@gh_xxxxxxxx (客服账号)")
        push = PushSettings.read(reader)
        knowledge_limits = ReadLimits.read(reader)
        console_enabled = _switch(reader, "CONSOLE_ENABLED", True)
        console_secure_cookie = _switch(reader, "CONSOLE_SECURE_COOKIE", False)
        console_login_attempts = reader.whole("CONSOLE_LOGIN_ATTEMPTS", 5, what="a positive whole number")
        console_secret_key = get("CONSOLE_SECRET_KEY")
        if console_secret_key and len(console_secret_key) < 32:
            problems.append("CONSOLE_SECRET_KEY must be at least 32 characters (a long random text), or left unset "
                            "so that one is generated under BOT_DATA_DIR")
        reader.check()
        return cls(
            token=token,
            app_id=app_id,
            app_secret=get("WECHAT_APP_SECRET"),
            aes_key=aes_key,
            redis_url=redis_url,
            data_dir=Path(get("BOT_DATA_DIR") or PROJECT_ROOT / "var"),
            knowledge_dir=knowledge_dir,
            api_base_url=api_base.rstrip("/"),
            key_prefix=get("REDIS_KEY_PREFIX") or "clairbot:",
            message_mode=message_mode,
            replay_window=replay_window,
            max_body_bytes=max_body_bytes,
            demo=demo and not get("WECHAT_TOKEN"),
            tappable_lists=tappable,
            customer_service=customer_service,
            kf_account=kf_account,
            push=push,
            knowledge_limits=knowledge_limits,
            match_decision=match_decision,
            console_enabled=console_enabled,
            console_secret_key=console_secret_key,
            console_secure_cookie=console_secure_cookie,
            console_login_attempts=console_login_attempts,
        )

    def with_(self, **changes: object) -> Config:
        """A copy with some settings changed (tests, CLI overrides)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def _switch(reader: EnvReader, name: str, default: bool) -> bool:
    """An on/off setting: 1/true/yes/on or 0/false/no/off (unset: the default)."""
    raw = reader.text(name).lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    reader.problems.append(f"{name} must be on or off (1/0, true/false), not {raw!r}")
    return default


def _check_aes_key(key: str) -> list[str]:
    if len(key) != 43:
        return [f"WECHAT_ENCODING_AES_KEY must be exactly 43 characters (it has {len(key)})"]
    try:
        raw = base64.b64decode(key + "=", validate=True)
    except (binascii.Error, ValueError):
        return ["WECHAT_ENCODING_AES_KEY is not valid base64 (letters, digits, + and / only)"]
    if len(raw) != 32:
        return ["WECHAT_ENCODING_AES_KEY does not decode to a 32-byte AES key"]
    return []


def _check_redis_url(url: str) -> list[str]:
    """What is wrong with REDIS_URL (redis-py would crash on a bad port and silently use db 0 for a bad db)."""
    parsed = urlparse(url)
    if parsed.password:  # never print a password into a terminal or log
        url = url.replace(f":{parsed.password}@", ":***@", 1)
    if parsed.scheme not in ("redis", "rediss", "unix"):
        return [f"REDIS_URL {url!r} must start with redis://, rediss:// or unix://"]
    if parsed.scheme == "unix":
        return [] if parsed.path else [f"REDIS_URL {url!r} names no socket file (unix:///path/to/redis.sock)"]
    try:
        port = parsed.port
    except ValueError:
        return [f"REDIS_URL {url!r} has a port that is not a number from 1 to 65535"]
    problems = []
    if not parsed.hostname:
        problems.append(f"REDIS_URL {url!r} names no host (redis://host:6379/0)")
    if port == 0:
        problems.append(f"REDIS_URL {url!r} has a port that is not a number from 1 to 65535")
    db = parsed.path.strip("/")
    if db and not db.isdigit():
        problems.append(f"REDIS_URL {url!r}: the database after the last / must be a number, like /0")
    return problems
