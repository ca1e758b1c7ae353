"""A short customer-service text to one follower, sent by a worker just after the webhook answered (a hand-over to
customer service carries no text of its own, so the follower is told this way what happens)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import requests
from wechatpy.exceptions import WeChatException

from bot.core.effects import Target
from bot.followers.effects import Notify
from bot.infra.privacy import hash_openid
from bot.push import runtime as rt_module
from bot.push.queue import enqueue

log = logging.getLogger(__name__)


def apply_notify(effect: Notify, target: Target, _pipe: Any) -> Callable[[list], None]:
    """Applier of Notify: once the reply is stored, queue the message for a worker (never sent from the webhook)."""

    def after(_results: list) -> None:
        enqueue(target.store, "bot.push.notices.send_notice", target.openid, effect.text)

    return after


def send_notice(openid: str, text: str) -> bool:
    """RQ job: send `text` to the follower as a customer-service message; False (logged) when WeChat refused."""
    rt = rt_module.current()
    try:
        rt.client.message.send_text(openid, text)
    except (WeChatException, requests.RequestException) as exc:
        log.warning("notice to follower %s not sent: %s", hash_openid(openid), type(exc).__name__)
        return False
    return True
