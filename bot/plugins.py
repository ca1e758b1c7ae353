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


def _install_push(engine: Engine) -> None:
    """Pushes: record each follower's sending window, deliver their pending articles when they write."""
    from bot.push.inbound import install as install_push

    install_push(engine)


INSTALLERS.append(_install_push)
