"""Benchmark: CPU per message of the webhook's WSGI app alone, one thread, no server, against the bare floor.

    python bench/webhook_cpu.py                       # 「JET项目是什么」, 5 rounds of 400 messages
    python bench/webhook_cpu.py --question 帮助 --rounds 7

Requests are signed and built before each round, then handed to the app directly (as a server would, without
one): the figure leaves out the server's threads and sockets, so it moves far less with a busy neighbour than
bench/webhook.py does. Also the CPU the bench's own redis-server spent per message. Both apps in one process,
rounds interleaved.
"""
from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from webhook import AES_KEY, APP_ID, TOKEN, bare_app, cpu_seconds, start_redis  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402

from bot.devkit.wechat_client import WeChatServer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--question", default="JET项目是什么")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--messages", type=int, default=400, help="per round")
    args = parser.parse_args()
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"clairbot-bench-cpu-{os.getpid()}"
    tmp.mkdir(parents=True, exist_ok=True)
    redis_url, redis_proc = start_redis(tmp)
    try:
        os.environ.update({"WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "WECHAT_ENCODING_AES_KEY": AES_KEY,
                           "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": "bench:", "BOT_DATA_DIR": str(tmp),
                           "KNOWLEDGE_DIR": str(ROOT / "knowledge"), "WECHAT_API_BASE_URL": "http://127.0.0.1:9",
                           "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING")})
        from webhooks import create_app

        apps = {"bare Flask (parse + fixed reply)": bare_app(), f"webhook: {args.question}": create_app()}
        server = WeChatServer(TOKEN, APP_ID, AES_KEY)
        msg_ids = itertools.count(int(time.time()) * 1_000_000)

        def requests(n: int) -> list[dict]:
            built = []
            for i in range(n):
                req = server.plaintext(server.text(args.question, openid=f"o_cpu_{i % 50}", msg_id=next(msg_ids)))
                built.append(EnvironBuilder(path="/wechat", method="POST", query_string=urlencode(req.query),
                                            data=req.body, headers={"Content-Type": "text/xml"}).get_environ())
            return built

        def run(app, environs: list[dict]) -> None:
            for environ in environs:
                body = b"".join(app(environ, lambda status, headers, exc_info=None: None))
                if not body.startswith(b"<xml>"):
                    raise SystemExit(f"unexpected reply: {body[:120]!r}")

        for app in apps.values():
            run(app, requests(50))  # warm-up: imports, caches, the Redis connection
        app_us: dict[str, list[float]] = {name: [] for name in apps}
        redis_us: dict[str, list[float]] = {name: [] for name in apps}
        for _ in range(args.rounds):
            for name, app in apps.items():
                environs = requests(args.messages)
                redis_before, before = cpu_seconds([redis_proc.pid]), time.process_time()
                run(app, environs)
                app_us[name].append((time.process_time() - before) / args.messages * 1e6)
                redis_us[name].append((cpu_seconds([redis_proc.pid]) - redis_before) / args.messages * 1e6)
        print(f"{args.rounds} rounds × {args.messages} messages, one thread, Redis {redis_url}")
        print(f"{'target':36} {'app CPU µs':>10} {'(min)':>6} {'redis CPU µs':>12}")
        for name in apps:
            print(f"{name:36} {statistics.median(app_us[name]):10.0f} {min(app_us[name]):6.0f} "
                  f"{statistics.median(redis_us[name]):12.0f}")
    finally:
        redis_proc.terminate()
        redis_proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
