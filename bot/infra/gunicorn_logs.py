"""gunicorn's logger with the bot's one logging setup: `gunicorn --logger-class bot.infra.gunicorn_logs.Logger`."""
from __future__ import annotations

import logging
import os

from gunicorn import glogging

from bot.infra.logs import dress as dress_handler
from bot.infra.logs import level_from_env, secret_values, setup_logging


class Logger(glogging.Logger):
    """gunicorn's own lines and the app's lines in one format (time, level, process, logger), secrets redacted."""

    def setup(self, cfg: object) -> None:
        """gunicorn's setup (run at start and on reload), then ours; LOG_LEVEL, when set, wins over --log-level."""
        super().setup(cfg)
        setup_logging("INFO")
        values = secret_values()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                dress_handler(handler, values)
        if os.environ.get("LOG_LEVEL", "").strip():
            self.error_log.setLevel(level_from_env(logging.getLevelName(self.loglevel))[0])
