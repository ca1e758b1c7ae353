"""The staff console: a Flask blueprint under /console/ (inbox, 命中测试, knowledge, import/export, history)."""
from __future__ import annotations

from flask import Flask

from bot.console import pages, reports
from bot.console.web import console_blueprint, install
from bot.core.engine import Engine

__all__ = ["install_console"]


def install_console(app: Flask, engine: Engine) -> None:
    """Serve the console on this app, for the staff accounts of the engine's Redis."""
    blueprint = console_blueprint()
    pages.register(blueprint)
    reports.register(blueprint)
    install(app, engine, blueprint)
