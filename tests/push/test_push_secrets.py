"""No secret in anything a real run prints, logs or leaves in Redis, with WeChat unreachable or misbehaving.

`bot push run`, `bot menu push` and `bot worker --burst` run as subprocesses (verbose logging), against a port
nothing listens on and against the fake with faults injected; every byte they write is searched for the
AppSecret and for the access_tokens the fake issued.
"""
from __future__ import annotations

import socket
import subprocess

from bot import PROJECT_ROOT
from bot.push.followers import request_tag_sync
from bot.push.queue import enqueue
from tests import pushkit as kit
from tests.constants import SECRET

NEWS = "/cgi-bin/message/custom/send"


def dead_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*kit.BOT, "-v", *args], env=env, capture_output=True, text=True, timeout=120)


def redis_text(rt) -> str:
    """Every value in Redis except the shared token itself (RQ keeps failed jobs' tracebacks there)."""
    out = []
    for key in rt.redis.scan_iter(count=1000):
        if key.startswith(rt.keys.token_prefix.encode() + b":"):
            continue
        kind = rt.redis.type(key)
        if kind == b"string":
            out.append(rt.redis.get(key) or b"")
        elif kind == b"hash":
            out.extend(v for pair in rt.redis.hgetall(key).items() for v in pair)
        elif kind == b"list":
            out.extend(rt.redis.lrange(key, 0, -1))
        elif kind == b"set":
            out.extend(rt.redis.smembers(key))
    return "\n".join(v.decode("utf-8", "replace") for v in out)


def work_to_do(rt, fake, push_knowledge) -> None:
    """An article due to two followers, a third's pending article with its job queued, a tag sync queued."""
    people = kit.openids("oSECRET", 3)
    fake.follow(*people, fresh=False)
    kit.subscribe(rt, people[:2], "tourism")
    kit.wrote(rt, fake, *people)
    kit.write_article(push_knowledge, "leak", topics=["tourism"])
    kit.write_article(push_knowledge, "owed", topics=["jet"])
    rt.redis.rpush(rt.keys.pending(people[2]), "owed")
    rt.redis.hset(rt.keys.push_ledger("owed"), people[2], "p")
    rt.redis.hincrby(rt.keys.push_state("owed"), "pending", 1)
    enqueue(rt.store, "bot.push.pending.deliver_pending", people[2])
    request_tag_sync(rt.store, people[0])


def assert_clean(runs: list[subprocess.CompletedProcess], rt, secrets: list[str]) -> None:
    for run in runs:
        for stream in (run.stdout, run.stderr):
            for secret in secrets:
                assert secret not in stream, f"{run.args[-2:]} printed a secret:\n{stream}"
            assert "Traceback" not in stream, f"{run.args[-2:]} printed a traceback:\n{stream}"
    stored = redis_text(rt)
    for secret in secrets:
        assert secret not in stored


def test_nothing_secret_is_printed_or_logged_while_wechat_is_unreachable(rt, fake, push_knowledge, push_config,
                                                                         redis_url):
    work_to_do(rt, fake, push_knowledge)
    config = push_config.with_(api_base_url=f"http://127.0.0.1:{dead_port()}")
    env = kit.cli_env(config, redis_url)
    menu_env = {**env, "KNOWLEDGE_DIR": str(PROJECT_ROOT / "knowledge")}

    runs = [bot(env, "push", "run")]
    assert runs[-1].returncode == 0 and "waiting: leak" in runs[-1].stdout
    assert "connection refused" in runs[-1].stdout
    rt.redis.delete(rt.keys.token_backoff)  # each command below makes its own token request
    runs.append(bot(menu_env, "menu", "push"))
    assert runs[-1].returncode == 1 and "WeChat unreachable" in runs[-1].stderr
    assert "The menu was not changed" in runs[-1].stderr
    rt.redis.delete(rt.keys.token_backoff, rt.keys.channel_pause("customer"))
    runs.append(bot(env, "worker", "--burst"))
    assert runs[-1].returncode == 0
    assert "tag sync of" in runs[-1].stderr and "postponed" in runs[-1].stderr  # the job ran, and said why

    assert_clean(runs, rt, [SECRET, "secret=" + SECRET[:6]])
    assert fake.calls == []


def test_nothing_secret_is_printed_or_logged_when_wechat_misbehaves(rt, fake, push_knowledge, push_config,
                                                                    redis_url):
    work_to_do(rt, fake, push_knowledge)
    env = kit.cli_env(push_config, redis_url)
    menu_env = {**env, "KNOWLEDGE_DIR": str(PROJECT_ROOT / "knowledge")}
    fake.inject(NEWS, "drop", times=1)  # a lost answer: logged as unknown
    fake.inject(NEWS, "http:504+", times=1)  # a gateway's 504 after delivery: unknown too
    fake.inject("/cgi-bin/tags/get", "http:500", times=10)  # the tag sync's first call fails
    fake.inject("/cgi-bin/menu/create", "drop", times=1)

    runs = [bot(env, "push", "run"), bot(menu_env, "menu", "push")]
    assert runs[0].returncode == 0 and runs[0].stdout.count("1 with an unknown outcome") == 2
    assert runs[1].returncode == 1 and "may or may not have changed" in runs[1].stderr
    runs.append(bot(env, "worker", "--burst"))
    assert runs[-1].returncode == 0 and "HTTP 500" in runs[-1].stderr
    runs.append(bot(env, "push", "list", "--unknown"))
    assert "closed before WeChat's answer" in runs[-1].stdout and "504" in runs[-1].stdout

    tokens = list(fake.tokens)
    assert tokens, "the fake issued tokens"
    assert_clean(runs, rt, [SECRET, *tokens])


def test_redaction_covers_query_secrets_json_secrets_and_url_passwords():
    from bot.wechat.api_errors import redact

    text = redact('GET /cgi-bin/token?grant_type=client_credential&secret=S3CR3T&x=1 access_token=T0K3N '
                  '{"secret": "S3CR3T"} redis://bot:PASSW0RD@redis.internal:6379/0')
    assert "S3CR3T" not in text and "T0K3N" not in text and "PASSW0RD" not in text
    assert "secret=***&x=1" in text and "redis://bot:***@redis.internal" in text
