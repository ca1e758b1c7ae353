"""A web process killed while it handles a message: WeChat's retry gets the real answer, handled exactly once more."""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time

import pytest

from bot import PROJECT_ROOT
from bot.core.dedup import PENDING, ReplyCache
from bot.core.effects import PASS
from bot.devkit.wechat_client import exchange, post, reply_content
from tests.constants import AES_KEY, APP_ID, TOKEN
from tests.factory import help_reply

# A second web process on the same Redis: it takes the message through the real webhook, then blocks inside the
# handler chain (on its stdin, which the test never writes) until the test kills it.
VICTIM = """
import json, sys
import redis
from bot.core.effects import PASS
from bot.infra.config import Config
from bot.infra.store import Keys, Store
from bot.devkit.wechat_client import post, Request
from webhooks import create_app

spec = json.loads(sys.argv[1])
config = Config(token=spec["token"], app_id=spec["app_id"], aes_key=spec["aes_key"], key_prefix="test:",
                knowledge_dir=spec["knowledge_dir"], data_dir=spec["data_dir"], api_base_url="http://127.0.0.1:9")
app = create_app(config, store=Store(redis.Redis.from_url(spec["redis_url"]), Keys("test:")))

def block(ctx):
    print("producing", flush=True)
    sys.stdin.readline()
    return PASS

app.extensions["clairbot"].router.handlers.insert(0, block)
post(app.test_client(), Request(spec["query"], spec["body"].encode(), ""))
"""


def start_victim(spec: dict) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", VICTIM, json.dumps(spec)], cwd=PROJECT_ROOT, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    ready, _, _ = select.select([proc.stdout], [], [], 120)  # a bound on start-up, not a speed assertion
    if not ready or proc.stdout.readline().strip() != "producing":
        proc.kill()
        pytest.fail("the second web process never reached the handler chain")
    return proc


@pytest.mark.parametrize("mode", ["plaintext", "safe"])
def test_retry_after_the_handling_process_was_killed_gets_the_answer(app, engine, config, store, redis_url,
                                                                     server, tmp_path, mode):
    seen: list[str] = []
    engine.router.handlers.insert(0, lambda ctx: seen.append(str(ctx.message.id)) or PASS)
    msg_id = 880000 + (mode == "safe")
    xml = server.text("帮助", msg_id=msg_id, openid="o_killed")
    first = getattr(server, mode)(xml)
    proc = start_victim({"token": TOKEN, "app_id": APP_ID, "aes_key": AES_KEY, "redis_url": redis_url,
                         "knowledge_dir": str(config.knowledge_dir), "data_dir": str(tmp_path / "victim"),
                         "query": first.query, "body": first.body.decode()})
    assert store.redis.get(store.keys.msg(str(msg_id))).startswith(PENDING)  # it holds the claim
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)

    retry = getattr(server, mode)(xml)  # WeChat's next try: new timestamp and nonce, same message
    assert reply_content(exchange(app.test_client(), server, retry)) == help_reply(engine.knowledge.current)
    assert seen == [str(msg_id)]
    # and the try after that gets the cached reply without handling the message again
    assert reply_content(exchange(app.test_client(), server, getattr(server, mode)(xml))) == \
        help_reply(engine.knowledge.current)
    assert seen == [str(msg_id)]


def test_a_slow_reply_keeps_its_claim_past_the_lease(store):
    """The lease is renewed while the first copy produces: a concurrent retry waits for it, never runs it twice."""
    cache = ReplyCache(store, lease=0.3, wait=10)
    runs: list[float] = []
    started = threading.Event()

    def produce(_prefetched):
        runs.append(time.monotonic())
        started.set()
        time.sleep(1.5)  # five leases long
        return "<xml>slow</xml>", None

    first: list[str] = []
    holder = threading.Thread(target=lambda: first.append(cache.once("test:msg:slow", produce)))
    holder.start()
    assert started.wait(10)
    second = cache.once("test:msg:slow", produce)
    holder.join(10)
    assert first == [second] == ["<xml>slow</xml>"]
    assert len(runs) == 1


def test_a_claim_whose_holder_vanished_is_taken_over_within_the_wait(app, engine, server, store):
    """A claim nobody renews (its process is gone) lapses after the lease; the waiting retry answers."""
    xml = server.text("帮助", msg_id=880010)
    key = store.keys.msg("880010")
    store.redis.set(key, PENDING + b":someone-else", px=int(engine.replies.lease * 1000))
    assert engine.replies.lease < engine.replies.wait  # a retry outwaits a dead holder's lease
    resp = post(app.test_client(), server.plaintext(xml))
    assert reply_content(resp.get_data(as_text=True)) == help_reply(engine.knowledge.current)
