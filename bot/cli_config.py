"""The configuration as CLI commands read it: a bad setting is a sentence for staff, never a traceback."""
from __future__ import annotations

import click

from bot.config import Config, ConfigError


def load_config(*, demo: bool) -> Config:
    """Config.from_env, with its problems turned into a click error (exit 1, no traceback)."""
    try:
        return Config.from_env(demo=demo)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
