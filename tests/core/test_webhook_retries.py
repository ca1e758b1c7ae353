"""WeChat retries: every copy of a message gets the identical reply, and the message is handled once."""
from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from werkzeug.serving import make_server

from bot.core.effects import PASS, Outcome
from bot.devkit.wechat_client import exchange, reply_content
from bot.knowledge.texts import Say


class CountingHandler:
    """First in the chain: counts how often each message reaches the handlers, optionally slowly."""

    def __init__(self, delay: float = 0.0) -> None:
        self.seen: Counter[str] = Counter()
        self.delay = delay
        self.lock = threading.Lock()

    def __call__(self, ctx) -> Outcome:
        msg = ctx.message
        key = str(msg.id) if msg.id else f"{msg.source}:{msg.time}:{getattr(msg, 'event', '')}"
        with self.lock:
            self.seen[key] += 1
        if self.delay:
            time.sleep(self.delay)
        return PASS


@pytest.fixture
def counter(engine) -> CountingHandler:
    handler = CountingHandler()
    engine.router.handlers.insert(0, handler)
    return handler


def test_same_msgid_three_times_gets_identical_bytes_and_runs_once(app, server, counter):
    client = app.test_client()
    xml = server.text("zq 没有答案的问题 5521", msg_id=7001)
    bodies = [exchange(client, server, server.plaintext(xml)) for _ in range(3)]
    assert bodies[0] == bodies[1] == bodies[2]
    assert reply_content(bodies[0]).strip()
    assert counter.seen == {"7001": 1}


def test_unanswered_question_is_logged_once_for_three_copies(app, server, store):
    client = app.test_client()
    xml = server.text("zq 没有答案的问题 5522 qqq", msg_id=7011)
    for _ in range(3):
        exchange(client, server, server.plaintext(xml))
    entries = store.redis.xrange(store.keys.unanswered)
    assert len(entries) == 1


def test_retry_in_another_mode_decrypts_to_the_same_bytes(app, server, counter):
    """WeChat may retry with a new nonce/timestamp; the rendered reply stays the same before encryption."""
    client = app.test_client()
    xml = server.text("帮助", msg_id=7002)
    first = exchange(client, server, server.plaintext(xml))
    second = exchange(client, server, server.safe(xml))
    third = exchange(client, server, server.compatible(xml))
    assert first == second == third
    assert counter.seen == {"7002": 1}


def test_different_msgids_are_handled_separately(app, server, counter):
    client = app.test_client()
    for msg_id in (7003, 7004):
        exchange(client, server, server.plaintext(server.text("帮助", msg_id=msg_id)))
    assert counter.seen == {"7003": 1, "7004": 1}


def test_events_dedup_by_follower_time_and_event(app, server, counter, engine):
    client = app.test_client()
    welcome = engine.knowledge.current.text(Say.welcome)
    same = server.event("subscribe", openid="o_evt", create_time=1_700_000_000)
    bodies = [exchange(client, server, server.plaintext(same)) for _ in range(3)]
    assert bodies[0] == bodies[1] == bodies[2]
    assert reply_content(bodies[0]) == welcome
    assert counter.seen == {"o_evt:1700000000:subscribe": 1}
    # a later follow, another follower, another event at the same second: each handled
    exchange(client, server, server.plaintext(server.event("subscribe", openid="o_evt", create_time=1_700_000_100)))
    exchange(client, server, server.plaintext(server.event("subscribe", openid="o_evt2", create_time=1_700_000_000)))
    exchange(client, server, server.plaintext(server.event("VIEW", key="http://x.cn", openid="o_evt",
                                                           create_time=1_700_000_000)))
    assert sum(counter.seen.values()) == 4


def test_two_menu_clicks_in_the_same_second_are_both_handled(app, server, counter):
    """Events dedup on FromUserName+CreateTime+Event, plus EventKey so two different clicks stay apart."""
    client = app.test_client()
    for key in ("KEY_A", "KEY_B", "KEY_A"):
        exchange(client, server, server.plaintext(server.event("CLICK", key=key, openid="o_clk",
                                                               create_time=1_700_000_200)))
    assert counter.seen == {"o_clk:1700000200:click": 2}


@pytest.fixture
def live_url(app):
    """The app behind a real threaded HTTP server on loopback."""
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}/wechat"
    http.shutdown()
    thread.join(5)


@pytest.mark.parametrize("mode", ["plaintext", "safe"])
def test_concurrent_retries_get_the_same_reply_and_run_once(live_url, engine, server, mode):
    slow = CountingHandler(delay=0.4)  # the first copy is still being handled when the others arrive
    engine.router.handlers.insert(0, slow)
    xml = server.text("zq 并发重试 7777", msg_id=7100)

    def send(_: int) -> str:
        request = getattr(server, mode)(xml)
        resp = requests.post(live_url, params=request.query, data=request.body, timeout=10,
                             headers={"Content-Type": "text/xml"})
        assert resp.status_code == 200
        body = resp.content.decode()
        return server.open_reply(body, request) if mode == "safe" else body

    with ThreadPoolExecutor(max_workers=4) as pool:
        bodies = list(pool.map(send, range(4)))
    assert len(set(bodies)) == 1
    assert reply_content(bodies[0]).strip()
    assert slow.seen == {"7100": 1}


def test_concurrent_event_retries_run_once(live_url, engine, server):
    slow = CountingHandler(delay=0.3)
    engine.router.handlers.insert(0, slow)
    xml = server.event("subscribe", key="qrscene_9", openid="o_conc", create_time=1_700_000_500)

    def send(_: int) -> str:
        request = server.plaintext(xml)
        return requests.post(live_url, params=request.query, data=request.body, timeout=10).content.decode()

    with ThreadPoolExecutor(max_workers=3) as pool:
        bodies = list(pool.map(send, range(3)))
    assert len(set(bodies)) == 1
    assert sum(slow.seen.values()) == 1
