"""The access_token is shared through Redis and fetched once however many threads or processes need it."""
from __future__ import annotations

import subprocess
import sys
import threading

from bot.wechat.api import make_client
from tests.constants import SECRET

TOKEN_PATH = "/cgi-bin/stable_token"


def clients(push_config, store, count: int) -> list:
    """One client per thread, as separate processes would each have."""
    return [make_client(push_config, store) for _ in range(count)]


def run_all(workers: list, call) -> list:
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def go(client) -> None:
        barrier.wait()
        try:
            call(client)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(c,)) for c in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_many_threads_one_token_fetch(push_config, store, fake):
    fake.token_delay = 0.2  # a slow fetch: without the lock every thread would fetch its own
    assert run_all(clients(push_config, store, 12), lambda c: c.tag.get()) == []
    assert len(fake.calls_to(TOKEN_PATH)) == 1
    assert len(fake.calls_to("/cgi-bin/tags/get")) == 12
    assert store.redis.get(f"{store.keys.token_prefix}:{push_config.app_id}_access_token") is not None


def test_a_rejected_token_is_refreshed_once_for_everyone(push_config, store, fake):
    workers = clients(push_config, store, 10)
    workers[0].tag.get()
    assert len(fake.calls_to(TOKEN_PATH)) == 1
    fake.expire_tokens()  # WeChat answers 40001 to the token every process holds
    fake.token_delay = 0.2
    assert run_all(workers, lambda c: c.tag.get()) == []
    assert len(fake.calls_to(TOKEN_PATH)) == 2
    assert [c.errcode for c in fake.calls_to("/cgi-bin/tags/get")].count(0) == 11


def test_many_processes_one_token_fetch(push_config, redis_url, redis_client, fake):
    fake.token_delay = 0.3
    script = (
        "import sys, redis\n"
        "from bot.infra.config import Config\n"
        "from bot.infra.store import Keys, Store\n"
        "from bot.wechat.api import make_client\n"
        "config = Config(token='t0ken', app_id=sys.argv[1], app_secret=sys.argv[2], api_base_url=sys.argv[3],\n"
        "                key_prefix='test:')\n"
        "store = Store(redis.Redis.from_url(sys.argv[4], socket_timeout=5), Keys('test:'))\n"
        "make_client(config, store).tag.get()\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, push_config.app_id, SECRET, fake.url, redis_url])
             for _ in range(5)]
    assert [p.wait(timeout=60) for p in procs] == [0] * 5
    assert len(fake.calls_to(TOKEN_PATH)) == 1
    assert len(fake.calls_to("/cgi-bin/tags/get")) == 5


def test_a_wrong_secret_is_an_error_not_a_retry_loop(push_config, store, fake):
    client = make_client(push_config.with_(app_secret="wrong"), store)
    errors = run_all([client], lambda c: c.tag.get())
    assert [getattr(e, "errcode", None) for e in errors] == [40125]
    assert len(fake.calls_to(TOKEN_PATH)) == 1


def test_thirty_stale_token_answers_cost_one_refresh_and_every_process_then_waits(push_config, store, fake):
    from bot.wechat.api_errors import TokenUnavailable

    first, second = clients(push_config, store, 2)
    fake.inject("/cgi-bin/tags/get", 40001, times=30)  # WeChat keeps refusing whatever token we show
    errors = run_all([first], lambda c: c.tag.get())
    assert [type(e) for e in errors] == [TokenUnavailable]
    assert len(fake.calls_to(TOKEN_PATH)) == 2  # the first token and one refresh, not 31
    errors = run_all([second], lambda c: c.tag.get())  # another process: it waits too, without a fetch
    assert [type(e) for e in errors] == [TokenUnavailable] and "wait" in str(errors[0])
    assert len(fake.calls_to(TOKEN_PATH)) == 2


def test_after_the_back_off_a_token_wechat_refused_is_replaced_by_a_forced_refresh(push_config, store, fake):
    client = make_client(push_config, store)
    client.tag.get()
    fake.inject("/cgi-bin/tags/get", 40001, times=2)
    assert len(run_all([client], lambda c: c.tag.get())) == 1  # normal mode hands back the refused token
    store.redis.delete(store.keys.token_backoff)  # as when the back-off has run out
    assert run_all([client], lambda c: c.tag.get()) == []
    fetches = fake.calls_to(TOKEN_PATH)
    assert [c.body["force_refresh"] for c in fetches] == [False, False, True]
    assert fetches[-1].body["appid"] == push_config.app_id and "secret" not in fetches[-1].query


def test_a_failed_token_fetch_makes_every_process_wait(push_config, store, fake):
    from bot.wechat.api_errors import TokenUnavailable, WeChatUnreachable

    first, second = clients(push_config, store, 2)
    fake.inject(TOKEN_PATH, "http:503")
    assert [type(e) for e in run_all([first], lambda c: c.tag.get())] == [WeChatUnreachable]
    assert [type(e) for e in run_all([second], lambda c: c.tag.get())] == [TokenUnavailable]
    assert len(fake.calls_to(TOKEN_PATH)) == 1
    store.redis.delete(store.keys.token_backoff)
    assert run_all([second], lambda c: c.tag.get()) == []


def test_another_deployment_fetching_a_token_does_not_invalidate_ours(push_config, redis_client, fake):
    from bot.infra.store import Keys, Store

    ours = make_client(push_config, Store(redis_client, Keys("ours:")))
    theirs = make_client(push_config, Store(redis_client, Keys("staging:")))  # same appid, its own Redis keys
    ours.tag.get()
    theirs.tag.get()
    fake.advance(301)  # past the 5 minutes an ordinary token survives a newer fetch
    ours.tag.get()
    assert [c.errcode for c in fake.calls_to("/cgi-bin/tags/get")] == [0, 0, 0]
    assert len(fake.calls_to(TOKEN_PATH)) == 2
