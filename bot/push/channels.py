"""Sending one article through WeChat, and what each answer means for the ledger."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
import urllib3
from wechatpy.exceptions import WeChatClientException

from bot.knowledge.articles import Article

log = logging.getLogger(__name__)

DEFER = {45015, 45047}  # outside the window / over the count: keep pending until the follower writes
RETRY = {-1}  # system busy: try again with backoff
STOP = {  # the account or the configuration must be fixed by a person before anything else goes out
    48001: "WeChat refused the call: this official account is not authorised for this API (48001). "
           "Customer-service messages need a verified account; mass sends need the 群发 permission.",
    40164: "WeChat refused the call: this server's IP address is not in the account's IP whitelist (40164). "
           "Add it under 设置与开发 → 基本配置 → IP白名单.",
    40125: "WeChat refused the AppSecret (40125): check WECHAT_APP_SECRET.",
    40013: "WeChat refused the AppID (40013): check WECHAT_APP_ID.",
    41004: "WeChat says the AppSecret is missing (41004): set WECHAT_APP_SECRET.",
}


@dataclass(frozen=True)
class Outcome:
    """What happened to one call: sent, defer, drop, fail, pause (45009), stop (48001…) or unknown."""

    kind: str
    errcode: int | None = None
    message: str = ""
    result: dict | None = None


def request_never_sent(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached WeChat (no connection was made), so a retry is safe."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        return isinstance(getattr(reason, "reason", reason), urllib3.exceptions.NewConnectionError)
    return False


def call_with_retries(call: Callable[[], dict], delays: tuple[float, ...], *, idempotent: bool) -> Outcome:
    """Make the call; -1 and connection failures are retried after each delay in turn.

    A customer-service message carries no idempotency key: when a request may have reached WeChat (a read
    timeout, a connection dropped mid-answer, a 5xx) it is NOT repeated, and the outcome is 'unknown' for
    staff to see. A mass send carries clientmsgid, so there every network failure is retried.
    """
    for attempt in range(len(delays) + 1):
        try:
            return Outcome("sent", 0, "ok", call())
        except WeChatClientException as exc:
            code = exc.errcode
            if code is None:  # an HTTP error status: the call may or may not have been carried out
                outcome = Outcome("unknown", None, f"HTTP error: {exc}")
                if not idempotent:
                    return outcome
            elif code in RETRY:
                outcome = Outcome("fail", code, str(exc.errmsg))
            elif code in DEFER:
                return Outcome("defer", code, str(exc.errmsg))
            elif code == 43004:
                return Outcome("drop", code, str(exc.errmsg))
            elif code == 45009:
                return Outcome("pause", code, str(exc.errmsg))
            elif code in STOP:
                return Outcome("stop", code, STOP[code])
            else:
                return Outcome("fail", code, str(exc.errmsg))
        except requests.RequestException as exc:
            outcome = Outcome("unknown", None, f"network: {exc}")
            if not (idempotent or request_never_sent(exc)):
                return outcome
            outcome = Outcome("fail", None, f"network: {exc}")
        except TimeoutError as exc:  # waited too long for another process's token refresh
            outcome = Outcome("fail", None, str(exc))
        if attempt < len(delays):
            log.info("WeChat call failed (%s), retrying in %.1f s", outcome.message, delays[attempt])
            time.sleep(delays[attempt])
    return outcome


def news_card(article: Article) -> dict:
    """The one-article news message of a customer-service send."""
    return {"title": article.title, "description": article.summary, "url": article.url, "image": article.cover}


def send_news(client, article: Article, openid: str, delays: tuple[float, ...]) -> Outcome:
    """A customer-service news message (客服消息) to one follower."""
    return call_with_retries(lambda: client.message.send_articles(openid, [news_card(article)]), delays,
                             idempotent=False)


def send_mass(client, article: Article, tag_id: int, delays: tuple[float, ...]) -> Outcome:
    """A mass send (群发) of the article's text to one tag; clientmsgid = article id makes a resend harmless."""
    outcome = call_with_retries(lambda: client.message.send_mass_text(article.mass_text, tag_id,
                                                                      client_msg_id=article.id),
                                delays, idempotent=True)
    if outcome.errcode == 45065:
        return Outcome("sent", 45065, "already sent (clientmsgid used): not sent twice")
    return outcome
