"""What a call to WeChat that got no WeChat answer means, in words free of secrets.

Two kinds, because customer-service messages carry no idempotency key:
- `WeChatUnreachable`: WeChat did not carry the call out (no connection, DNS, TLS, an HTTP error status that
  WeChat itself never sends): trying again later cannot make a duplicate.
- `WeChatAnswerLost`: the request left and WeChat may have carried it out (no answer in time, the connection
  closed before the answer, a gateway that passed the request on and lost the answer): trying again may.

Why the HTTP statuses split as they do: WeChat's API reports every error of its own as HTTP 200 with a JSON
`errcode`. A bare error status therefore comes from the HTTP front in front of it. 502 and 504 mean that front
passed the request on and then lost or gave up on the answer, so WeChat may have acted; every other status
(500, 503, 4xx) means the front answered instead of WeChat, so nothing was done. So does an HTML page under
HTTP 200 (a captive portal, or WECHAT_API_BASE_URL pointing at some web server): WeChat never answers in HTML,
and a front that had passed the call on would pass WeChat's JSON back.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests
import urllib3

ANSWER_LOST_STATUSES = {502, 504}

_SECRET_PARAMS = re.compile(r"((?:secret|access_token)=)[^&\s'\"#)<>]+", re.IGNORECASE)
_SECRET_JSON = re.compile(r"(\"(?:secret|access_token)\"\s*:\s*\")[^\"]*", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@/\s]+@")


def redact(text: str) -> str:
    """`text` with the values of secret=, access_token= and URL passwords replaced by ***."""
    text = _SECRET_PARAMS.sub(r"\1***", text)
    text = _SECRET_JSON.sub(r"\1***", text)
    return _URL_PASSWORD.sub(r"\1***@", text)


class WeChatCallError(Exception):
    """A call that got no answer from WeChat; `reason` is a short code (refused, timeout, http503…)."""

    may_have_run = False

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(redact(message))
        self.reason = reason


class WeChatUnreachable(WeChatCallError):
    """WeChat did not carry the call out: it is safe to make it again later."""


class WeChatAnswerLost(WeChatCallError):
    """The request left and WeChat may have carried it out: making it again may duplicate it."""

    may_have_run = True


class TokenUnavailable(WeChatUnreachable):
    """No usable access_token now (refreshes failing or rejected): nothing was sent, try again later."""


def _where(method: str, url: str) -> str:
    parts = urlsplit(url)
    return f"{method.upper()} {parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}"


def _innermost(exc: BaseException) -> object:
    reason: object = exc.args[0] if exc.args else None
    for _ in range(3):  # requests wraps urllib3's MaxRetryError, which wraps the real cause
        inner = getattr(reason, "reason", None)
        if inner is None:
            break
        reason = inner
    return reason


def network_error(exc: requests.RequestException | urllib3.exceptions.HTTPError, method: str,
                  url: str) -> WeChatCallError:
    """The WeChatCallError a requests or urllib3 exception stands for (never chained: its text holds the URL's
    query). urllib3's come from the session's lean path, requests' from its full one; both mean the same."""
    where = _where(method, url)
    cause = _innermost(exc)
    if isinstance(exc, urllib3.exceptions.MaxRetryError):  # the lean path: a connection error, wrapped once
        exc = exc.reason if isinstance(exc.reason, urllib3.exceptions.HTTPError) else exc
    if isinstance(exc, urllib3.exceptions.HTTPError):
        cause = exc
    connect_timeout = (isinstance(exc, requests.ConnectTimeout)
                       or (isinstance(exc, urllib3.exceptions.ConnectTimeoutError)
                           and not isinstance(exc, urllib3.exceptions.NewConnectionError)))
    if connect_timeout:
        return WeChatUnreachable(f"WeChat unreachable: no connection within the timeout ({where})",
                                 reason="connect-timeout")
    if isinstance(exc, requests.exceptions.SSLError | urllib3.exceptions.SSLError):
        return WeChatUnreachable(f"WeChat unreachable: TLS handshake failed ({where})", reason="tls")
    if isinstance(exc, requests.exceptions.ProxyError | urllib3.exceptions.ProxyError):
        return WeChatUnreachable(f"WeChat unreachable: the proxy refused the connection ({where})", reason="proxy")
    if isinstance(cause, urllib3.exceptions.NameResolutionError):
        return WeChatUnreachable(f"WeChat unreachable: the host name does not resolve ({where})", reason="dns")
    if isinstance(cause, urllib3.exceptions.NewConnectionError):
        return WeChatUnreachable(f"WeChat unreachable: connection refused ({where})", reason="refused")
    if isinstance(exc, requests.ReadTimeout | urllib3.exceptions.ReadTimeoutError):
        return WeChatAnswerLost(f"no answer from WeChat within the timeout after the request was sent ({where})",
                                reason="timeout")
    if isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError |
                  requests.exceptions.ContentDecodingError | urllib3.exceptions.ProtocolError |
                  urllib3.exceptions.DecodeError):
        return WeChatAnswerLost(f"the connection closed before WeChat's answer arrived ({where})", reason="dropped")
    # A request that could not even be built (bad URL and the like) never left this machine.
    return WeChatUnreachable(f"the request to WeChat could not be made: {type(exc).__name__} ({where})",
                             reason="request")


def http_error(status: int, method: str, url: str) -> WeChatCallError:
    """The WeChatCallError of an HTTP answer that is not WeChat's (an error status or an HTML page)."""
    where = _where(method, url)
    if status in ANSWER_LOST_STATUSES:
        return WeChatAnswerLost(f"HTTP {status} from a gateway in front of WeChat: it passed the request on and "
                                f"lost the answer ({where})", reason=f"http{status}")
    if status < 300:
        return WeChatUnreachable(f"an HTML page (HTTP {status}) instead of WeChat's answer: check "
                                 f"WECHAT_API_BASE_URL and any proxy ({where})", reason="not-wechat")
    if status < 400:  # WeChat never redirects: a front answered, the call went no further
        return WeChatUnreachable(f"a redirect (HTTP {status}) instead of WeChat's answer: check "
                                 f"WECHAT_API_BASE_URL and any proxy ({where})", reason="not-wechat")
    return WeChatUnreachable(f"HTTP {status} without a WeChat answer: WeChat did not process the call ({where})",
                             reason=f"http{status}")
