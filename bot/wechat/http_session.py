"""The HTTP session of the WeChat client: requests' API, with the calls a worker makes by the thousand sent lean.

Every call to WeChat goes through `WeChatSession.request`. A plain call (query parameters, a bytes or text body,
headers, a timeout: every JSON call wechatpy makes) to a host reached without a proxy goes straight to a urllib3
connection pool, with requests' own defaults (its headers, `Retry(0, read=False)`, certifi or the CA bundle of
the environment), and comes back as a `requests.Response`, so wechatpy reads it as before. Measured on the push
worker's customer-service call, requests' own work per call (preparing the request, merging cookies, hooks and
settings, looking up ~/.netrc, building the response) was about three times urllib3's. Anything else (files, a
form body, a proxied host, streaming) takes requests' full path.

requests walks the whole environment for proxy variables on every call (`get_environ_proxies`) and reads the
CA-bundle variables again; the answer cannot change for a host while the process runs, so it is taken once per
scheme and host and kept, on both paths.
"""
from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlencode, urlsplit

import certifi
import requests
import urllib3
from requests.structures import CaseInsensitiveDict
from requests.utils import get_environ_proxies

RETRIES = urllib3.util.Retry(0, read=False)  # requests' default: no retry, and a read error is raised as it is
LEAN_ARGUMENTS = frozenset({"params", "data", "headers", "timeout"})


class WeChatSession(requests.Session):
    """A requests.Session (one connection pool per host) that reads the proxy environment once per host and sends
    plain calls through urllib3 directly."""

    def __init__(self) -> None:
        super().__init__()
        self._proxies_by_host: dict[str, dict[str, str]] = {}
        self._ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        self._send_to: tuple[str, str] | None = None  # (prefix, target): see send_to
        self._pool = urllib3.PoolManager(num_pools=4, maxsize=16, cert_reqs="CERT_REQUIRED",
                                         ca_certs=self._ca_bundle or certifi.where())

    def send_to(self, prefix: str, target: str) -> None:
        """Send every call for a URL under `prefix` (https://api.weixin.qq.com) to `target` instead
        (WECHAT_API_BASE_URL, a fake in tests). wechatpy builds some URLs (the token, customer service) absolutely,
        so overriding its API_BASE_URL is not enough: the rewrite happens here, for every call, on both paths."""
        self._send_to = (prefix, target.rstrip("/"))

    def environ_proxies(self, url: str) -> dict[str, str]:
        """The environment's proxies for `url` (NO_PROXY applied), looked up once per scheme and host."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        found = self._proxies_by_host.get(key)
        if found is None:
            found = self._proxies_by_host[key] = get_environ_proxies(url)
        return found

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> dict:
        """requests' own merge, with the environment's part from the cache."""
        if not self.trust_env or (proxies is not None and proxies.get("no_proxy")):
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        if proxies is not None:
            for name, value in self.environ_proxies(url).items():
                proxies.setdefault(name, value)
        if verify is True or verify is None:
            verify = self._ca_bundle or verify
        return {"proxies": requests.sessions.merge_setting(proxies, self.proxies),
                "stream": requests.sessions.merge_setting(stream, self.stream),
                "verify": requests.sessions.merge_setting(verify, self.verify),
                "cert": requests.sessions.merge_setting(cert, self.cert)}

    # -- the lean path ------------------------------------------------------------------------------------------
    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        """requests' `Session.request`; a plain call without a proxy takes the lean path."""
        if self._send_to is not None and isinstance(url, str) and url.startswith(self._send_to[0]):
            url = self._send_to[1] + url[len(self._send_to[0]):]
        if args or not self._lean(url, kwargs):
            return super().request(method, url, *args, **kwargs)
        return self._lean_request(str(method), url, **kwargs)  # type: ignore[arg-type]

    def _lean(self, url: object, kwargs: dict[str, Any]) -> bool:
        """True for a call the lean path sends exactly as requests would."""
        if not isinstance(url, str) or not kwargs.keys() <= LEAN_ARGUMENTS:
            return False
        if not isinstance(kwargs.get("data"), bytes | str | None) or not isinstance(kwargs.get("params"), dict | None):
            return False
        if self.proxies or self.cookies or self.auth or self.cert or self.verify is not True:
            return False  # settings of the session requests would apply: none are used by the WeChat client
        return not (self.trust_env and self.environ_proxies(url))

    def _lean_request(self, method: str, url: str, *, params: dict | None = None, data: bytes | str | None = None,
                      headers: dict[str, str] | None = None, timeout: Any = None) -> requests.Response:
        query = urlencode([(k, v) for k, v in (params or {}).items() if v is not None], doseq=True)
        if query:
            url = f"{url}{'&' if '?' in url else '?'}{query}"
        sent = CaseInsensitiveDict(self.headers)
        sent.update(headers or {})
        body = data.encode("utf-8") if isinstance(data, str) else data
        if isinstance(timeout, tuple):
            timeout = urllib3.Timeout(connect=timeout[0], read=timeout[1])
        elif timeout is not None and not isinstance(timeout, urllib3.Timeout):
            timeout = urllib3.Timeout(connect=timeout, read=timeout)
        answer = self._pool.urlopen(method.upper(), url, body=body,
                                    headers={k: v for k, v in sent.items() if v is not None},
                                    retries=RETRIES, redirect=False,
                                    timeout=timeout if timeout is not None else urllib3.Timeout.DEFAULT_TIMEOUT,
                                    preload_content=True, decode_content=True)
        response = requests.Response()
        response.status_code = answer.status
        response.headers = CaseInsensitiveDict(answer.headers)
        response._content = answer.data  # how requests itself fills a response it has read
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response.reason = answer.reason or ""
        response.url = url
        return response

    def close(self) -> None:
        super().close()
        self._pool.clear()
