"""Sending one article through WeChat, and what each answer means for the ledger."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from wechatpy.exceptions import WeChatClientException

from bot.knowledge.articles import Article
from bot.wechat.api_errors import TokenUnavailable, WeChatAnswerLost, WeChatUnreachable

log = logging.getLogger(__name__)

DEFER = {45015, 45047}  # outside the window / over the count: keep pending until the follower writes
RETRY = {-1}  # system busy: try again with backoff, then later
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
    """What happened to one call.

    kind: sent, defer (45015/45047), drop (43004), fail (an errcode that will not change), pause (45009),
    stop (48001…), later (WeChat did not process it: unreachable, busy, no token; try again after a back-off)
    or unknown (the request left and its answer was lost: WeChat may have carried it out). `reason` is a
    short code of why it is later or unknown (refused, dns, tls, http503, timeout, dropped, http504…).
    """

    kind: str
    errcode: int | None = None
    message: str = ""
    result: dict | None = None
    reason: str = ""


def call_with_retries(call: Callable[[], dict], delays: tuple[float, ...], *, idempotent: bool) -> Outcome:
    """Make the call; -1 and failures that never reached WeChat are retried after each delay in turn.

    A customer-service message carries no idempotency key: when the request may have been carried out (no
    answer in time, the connection dropped mid-answer, a gateway's 502/504) it is NOT repeated, and the
    outcome is 'unknown' for staff to see. A mass send carries clientmsgid, so there it is retried too.
    """
    outcome = Outcome("later", None, "not tried")
    for attempt in range(len(delays) + 1):
        try:
            return Outcome("sent", 0, "ok", call())
        except WeChatClientException as exc:
            code = exc.errcode
            if code is None or code in RETRY:
                outcome = Outcome("later", code, f"WeChat busy: {exc.errmsg}", reason=f"errcode{code}")
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
        except WeChatAnswerLost as exc:
            if not idempotent:
                return Outcome("unknown", None, str(exc), reason=exc.reason)
            outcome = Outcome("later", None, str(exc), reason=exc.reason)
        except TokenUnavailable as exc:  # every process is backing off: retrying now would not help
            if attempt:  # the first failure (the token fetch that failed) says more about the cause
                return outcome
            return Outcome("later", None, str(exc), reason=exc.reason)
        except WeChatUnreachable as exc:
            outcome = Outcome("later", None, str(exc), reason=exc.reason)
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
