"""Optional capabilities that attach themselves to an engine (subscriptions, pushes…)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.engine import Engine

INSTALLERS: list = []


def install(engine: Engine) -> None:
    """Let each registered capability add its hooks to the engine."""
    for installer in INSTALLERS:
        installer(engine)
