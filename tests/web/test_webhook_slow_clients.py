"""Slow clients: bodies sent a byte a second must not hold the web process that the Procfile starts."""
from __future__ import annotations

import time

import pytest
import requests

from bot.devkit.webserve import SlowClients, free_port, start_web, stop_web
from bot.devkit.wechat_client import WeChatServer, reply_content
from tests.constants import AES_KEY, APP_ID, TOKEN

WORKERS = 2  # small on purpose: the slow clients outnumber every worker and thread three times over
THREADS = 2


def ask(url: str, server: WeChatServer, text: str) -> str:
    request = server.plaintext(server.text(text))
    try:
        resp = requests.post(url, params=request.query, data=request.body, headers={"Content-Type": "text/xml"},
                             timeout=3)  # generous: a normal answer takes milliseconds
    except requests.Timeout:
        pytest.fail("a signed request got no answer within 3 s while slow clients were connected")
    assert resp.status_code == 200
    return reply_content(resp.text)


def test_slow_bodies_do_not_block_a_signed_request(redis_url, tmp_path):
    port = free_port()
    proc = start_web({"WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "WECHAT_ENCODING_AES_KEY": AES_KEY,
                      "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": "slowtest:", "BOT_DATA_DIR": str(tmp_path),
                      "WEB_CONCURRENCY": str(WORKERS), "WEB_THREADS": str(THREADS)}, port=port)
    url = f"http://127.0.0.1:{port}/wechat"
    server = WeChatServer(TOKEN, APP_ID, AES_KEY)
    slow = None
    try:
        before = ask(url, server, "帮助")
        slow = SlowClients(port, 3 * WORKERS * THREADS)
        time.sleep(2)  # every slow client has sent its headers and is dripping its body
        for _ in range(3):
            assert ask(url, server, "帮助") == before
    finally:
        if slow is not None:
            slow.close()
        stop_web(proc)
