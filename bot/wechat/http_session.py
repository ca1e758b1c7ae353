"""The HTTP session of the WeChat client: requests' environment look-ups done once per host, not per call.

On every call requests walks the whole environment twice for proxy variables (`get_environ_proxies`) and reads
the CA-bundle variables again. A worker makes thousands of calls a minute to one host, and the answer cannot
change for that host while the process runs, so it is taken once per scheme and host and kept.
"""
from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.utils import get_environ_proxies


class WeChatSession(requests.Session):
    """A requests.Session (one connection pool per host) that reads the proxy environment once per host."""

    def __init__(self) -> None:
        super().__init__()
        self._proxies_by_host: dict[str, dict[str, str]] = {}
        self._ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")

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
