"""The key that signs console sessions: CONSOLE_SECRET_KEY, or one generated once and kept under the data dir."""
from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from bot.infra.config import Config

SECRET_FILE = "console-secret.key"


def secret_key(config: Config) -> str:
    """The configured key, else the data dir's (created with mode 0600 by the first process that needs it)."""
    if config.console_secret_key:
        return config.console_secret_key
    path = Path(config.data_dir) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:  # a file half written by a process killed at that moment: start again
        path.unlink(missing_ok=True)
        return secret_key(config)
    return key
