"""The WeChat client's session settles proxies and CA bundles from the environment exactly as requests does."""
from __future__ import annotations

import pytest
import requests

from bot.wechat.http_session import WeChatSession

URLS = ["https://api.weixin.qq.com/cgi-bin/message/custom/send", "http://127.0.0.1:8123/cgi-bin/token",
        "https://file.api.weixin.qq.com/cgi-bin/media/get"]


@pytest.mark.parametrize("env", [
    {},
    {"HTTPS_PROXY": "http://proxy.example:3128", "HTTP_PROXY": "http://proxy.example:3129"},
    {"https_proxy": "http://proxy.example:3128", "no_proxy": "file.api.weixin.qq.com,127.0.0.1"},
    {"ALL_PROXY": "socks5://proxy.example:1080", "REQUESTS_CA_BUNDLE": "/etc/ssl/corp.pem"},
    {"CURL_CA_BUNDLE": "/etc/ssl/curl.pem", "NO_PROXY": "*"},
])
def test_same_settings_as_requests(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]):
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "all_proxy",
                 "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    ours, theirs = WeChatSession(), requests.Session()
    for url in URLS * 2:  # the second time from the cache
        for verify in (None, False, "/own.pem"):
            assert (ours.merge_environment_settings(url, {}, None, verify, None)
                    == theirs.merge_environment_settings(url, {}, None, verify, None))
    assert (ours.merge_environment_settings(URLS[0], {"no_proxy": "api.weixin.qq.com"}, None, None, None)
            == theirs.merge_environment_settings(URLS[0], {"no_proxy": "api.weixin.qq.com"}, None, None, None))
