"""The configuration as CLI commands read it: `.env`, then the environment; a bad setting is a sentence for staff."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import click
from dotenv import load_dotenv

from bot.infra.config import Config, ConfigError

ENV_FILE = ".env"


def load_config(*, demo: bool) -> Config:
    """Config.from_env, with its problems turned into a click error (exit 1, no traceback)."""
    try:
        return Config.from_env(demo=demo)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def load_env_file(folder: Path | None = None) -> Path | None:
    """Read `.env` from the current folder into the environment (a variable already set wins); the file read."""
    path = (folder or Path.cwd()) / ENV_FILE
    if not path.exists():
        return None
    if not path.is_file():
        raise click.ClickException(f"{path} is not a file: it should hold NAME=value lines (see .env.example)")
    try:
        load_dotenv(path, override=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {path} ({exc}): it should be a UTF-8 text file") from exc
    return path


def bot_command(args: str = "") -> str:
    """How to run `bot ARGS` from here, as this process was started (`bot …` on PATH, else e.g. `.venv/bin/bot …`)."""
    program = sys.argv[0] if sys.argv and sys.argv[0] else "bot"
    name = os.path.basename(program)
    on_path = shutil.which(name)
    if name != "bot" or (on_path and os.path.realpath(on_path) == os.path.realpath(program)):
        program = "bot"
    else:
        try:
            relative = os.path.relpath(program)
        except ValueError:  # another drive (Windows)
            relative = program
        program = relative if not relative.startswith("..") else os.path.abspath(program)
        if os.sep not in program:
            program = os.path.join(".", program)
    return f"{program} {args}".strip()
