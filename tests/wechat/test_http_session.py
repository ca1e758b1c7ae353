"""The WeChat client's session settles proxies and CA bundles from the environment exactly as requests does, and its
lean path sends a plain call exactly as requests would."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

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


class _Recorder(BaseHTTPRequestHandler):
    """Answers every POST with WeChat's ok and keeps what arrived (request line, headers, body)."""

    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[str, dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.seen.append((self.requestline, {k.lower(): v for k, v in self.headers.items()}, body))
        answer = b'{"errcode":0,"errmsg":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder():
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.seen
    server.shutdown()
    server.server_close()


def _clear_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_the_lean_path_sends_what_requests_sends(monkeypatch: pytest.MonkeyPatch, recorder):
    _clear_proxies(monkeypatch)
    base, seen = recorder
    body = '{"touser":"oX","msgtype":"text","text":{"content":"你好"}}'.encode()
    call = {"params": {"access_token": "T0K", "type": None}, "data": body,
            "headers": {"Content-Type": "application/json"}, "timeout": (3.05, 10)}
    ours, theirs = WeChatSession(), requests.Session()
    assert ours._lean(f"{base}/cgi-bin/message/custom/send", call)
    mine = ours.request("post", f"{base}/cgi-bin/message/custom/send?x=1", **call)
    reference = theirs.request("post", f"{base}/cgi-bin/message/custom/send?x=1", **call)
    (line_a, headers_a, body_a), (line_b, headers_b, body_b) = seen
    assert (line_a, body_a) == (line_b, body_b) == ("POST /cgi-bin/message/custom/send?x=1&access_token=T0K HTTP/1.1",
                                                    body)
    assert headers_a == headers_b
    for got in (mine, reference):
        assert got.status_code == 200 and got.json() == {"errcode": 0, "errmsg": "ok"}
        assert got.headers["content-type"] == "application/json; charset=utf-8" and got.encoding == "utf-8"


def test_a_rewritten_host_is_rewritten_on_both_paths(monkeypatch: pytest.MonkeyPatch, recorder):
    _clear_proxies(monkeypatch)
    base, seen = recorder
    session = WeChatSession()
    session.send_to("https://api.weixin.qq.com", base)
    session.request("post", "https://api.weixin.qq.com/cgi-bin/menu/create", data=b"{}")  # lean
    session.request("post", "https://api.weixin.qq.com/cgi-bin/media/upload", files={"media": ("a.txt", b"a")})
    assert [line.split()[1] for line, _, _ in seen] == ["/cgi-bin/menu/create", "/cgi-bin/media/upload"]


def test_a_proxied_host_or_a_file_takes_requests_full_path(monkeypatch: pytest.MonkeyPatch):
    _clear_proxies(monkeypatch)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    session = WeChatSession()
    assert not session._lean("https://api.weixin.qq.com/cgi-bin/message/custom/send", {"data": b"{}"})
    assert session._lean("http://127.0.0.1:8123/cgi-bin/message/custom/send", {"data": b"{}"})
    assert not session._lean("http://127.0.0.1:8123/cgi-bin/media/upload", {"files": {"media": b"x"}})
    assert not session._lean("http://127.0.0.1:8123/cgi-bin/x", {"data": {"form": "field"}})
