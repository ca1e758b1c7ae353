"""What the push tests share: articles, followers, the ledger, `bot` subprocesses (the fixtures are in conftest)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from bot import PROJECT_ROOT
from bot.devkit.fake_wechat import FakeWeChat
from bot.infra.config import Config
from bot.knowledge.articles import SHANGHAI
from bot.push.runtime import Runtime
from bot.push.window import record_activity
from tests.constants import APP_ID, SECRET, TOKEN


def ago(hours: float) -> str:
    """An ISO 8601 time `hours` before now, with its offset (pending articles expire after 14 days)."""
    return datetime.fromtimestamp(time.time() - hours * 3600, SHANGHAI).isoformat(timespec="seconds")


def write_article(root: Path, article_id: str, *, topics: list[str], publish_at: str | None = None,
                  channel: str = "customer", title: str | None = None, body: str = "正文。") -> None:
    """An article file as staff would write it (due an hour ago unless `publish_at` says otherwise)."""
    publish_at = publish_at or ago(1)
    lines = ["---", f"title: {title or '标题 ' + article_id}", f"summary: 摘要 {article_id}",
             "url: http://www.clair.org.cn/", f"topics: [{', '.join(topics)}]", f"publish_at: {publish_at}"]
    if channel != "customer":
        lines.append(f"channel: {channel}")
    (root / "articles" / f"{article_id}.md").write_text("\n".join([*lines, "---", body, ""]), encoding="utf-8")


def subscribe(rt: Runtime, openids: list[str], topic: str) -> None:
    """Subscribe followers straight in Redis (the chat commands have their own tests)."""
    pipe = rt.redis.pipeline()
    for openid in openids:
        pipe.sadd(rt.keys.topic_subs(topic), openid)
        pipe.sadd(rt.keys.user_topics(openid), topic)
    pipe.execute()


def wrote(rt: Runtime, fake: FakeWeChat, *openids: str) -> None:
    """The followers sent a message: WeChat (the fake) and our webhook both saw it."""
    fake.wrote(*openids)
    for openid in openids:
        record_activity(rt.store, openid, "message", now=rt.clock())


def openids(prefix: str, count: int) -> list[str]:
    """Follower ids shaped like WeChat's (28 characters)."""
    return [f"{prefix}{i:0{28 - len(prefix)}d}" for i in range(count)]


def cli_env(push_config: Config, redis_url: str) -> dict[str, str]:
    """The environment a `bot` subprocess needs to reach the test Redis, the fake and the test knowledge, with the
    push settings of `push_config`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PUSH_", "WECHAT_", "REDIS_"))}
    env.update(push_config.push.to_env())
    env.update(WECHAT_TOKEN=TOKEN, WECHAT_APP_ID=APP_ID, WECHAT_APP_SECRET=SECRET, REDIS_URL=redis_url,
               REDIS_KEY_PREFIX=push_config.key_prefix, WECHAT_API_BASE_URL=push_config.api_base_url,
               KNOWLEDGE_DIR=str(push_config.knowledge_dir), PYTHONPATH=str(PROJECT_ROOT))
    return env


BOT = [sys.executable, "-c", "from bot.staff.cli import main; main()"]


def wait_for(condition, *, timeout: float = 90.0, what: str = "") -> None:
    """Poll `condition` until it holds (a generous bound: it only proves that nothing hangs)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def stop(proc: subprocess.Popen) -> None:
    """Stop a process the test started (SIGTERM, then SIGKILL)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def received(fake: FakeWeChat, people: list[str]) -> Counter:
    """How many messages each follower received from the fake."""
    return Counter({p: len(fake.received.get(p, [])) for p in people})


def ledger_of(rt: Runtime, article_id: str) -> dict[str, str]:
    """The article's ledger entries, openid → value."""
    return {k.decode(): v.decode() for k, v in rt.redis.hgetall(rt.keys.push_ledger(article_id)).items()}


def readers(rt: Runtime, fake, prefix: str, count: int) -> list[str]:
    """`count` followers who follow the account, subscribed to tourism, who wrote recently (window open)."""
    people = openids(prefix, count)
    fake.follow(*people, fresh=False)
    subscribe(rt, people, "tourism")
    wrote(rt, fake, *people)
    return people
