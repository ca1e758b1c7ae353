"""Benchmark: how the web process answers signed requests while slow clients hold connections open.

    python bench/slow_clients.py                                   # the Procfile's web line
    python bench/slow_clients.py --command "gunicorn --workers 2 --worker-class gthread --threads 2 \
        --bind 127.0.0.1:\\$PORT 'webhooks:create_app()'"          # any other server line, for comparison
    python bench/slow_clients.py --slow 0,12,48 --requests 200 --redis-url redis://127.0.0.1:6379/12

For each count of slow clients (headers sent, then the body a byte a second), prints how many of the signed
requests were answered within 5 s (WeChat's limit), p50/p99 latency and requests/s (one client thread, loopback).
WEB_CONCURRENCY=2 and WEB_THREADS=2 unless set. Bounded: a fixed request count and a 5 s timeout per request.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.devkit.webserve import SlowClients, free_port, procfile_command, start_web, stop_web  # noqa: E402
from bot.devkit.wechat_client import WeChatServer  # noqa: E402

TOKEN = "benchtoken42"
APP_ID = "wx2c2769f8efd9abc2"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def measure(url: str, server: WeChatServer, count: int) -> tuple[int, list[float], float]:
    """(answered within 5 s, latencies in ms, wall seconds) for `count` signed requests in a row."""
    answered, latencies = 0, []
    start = time.perf_counter()
    with requests.Session() as http:
        for n in range(count):
            request = server.plaintext(server.text("你们的电话是多少", openid=f"o_bench_{n % 50}"))
            t0 = time.perf_counter()
            try:
                resp = http.post(url, params=request.query, data=request.body, timeout=5,
                                 headers={"Content-Type": "text/xml"})
                answered += resp.status_code == 200
            except requests.RequestException:
                pass
            latencies.append((time.perf_counter() - t0) * 1000)
    return answered, latencies, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--command", help="server command line ($PORT is set); default: the Procfile's web line")
    parser.add_argument("--slow", default="0,12,48", help="slow-client counts to try, comma-separated")
    parser.add_argument("--requests", type=int, default=100, help="signed requests per count")
    parser.add_argument("--redis-url", help="default: an embedded redis-server for this run")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="bench-slow-")
    env = {"WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "WECHAT_ENCODING_AES_KEY": AES_KEY,
           "BOT_DATA_DIR": data_dir, "REDIS_KEY_PREFIX": "benchslow:",
           "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"), "WEB_THREADS": os.environ.get("WEB_THREADS", "2")}
    embedded = None
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    else:
        from bot.infra.store import Store

        embedded = Store.embedded_at(Path(data_dir) / "bench.rdb").embedded
        env["REDIS_URL"] = f"unix://{embedded.socket_file}"
    command = args.command or procfile_command()
    print(f"server: {command}\nWEB_CONCURRENCY={env['WEB_CONCURRENCY']} WEB_THREADS={env['WEB_THREADS']}")
    port = free_port()
    proc = start_web(env, port=port, command=command)
    server = WeChatServer(TOKEN, APP_ID, AES_KEY)
    url = f"http://127.0.0.1:{port}/wechat"
    try:
        measure(url, server, 10)  # warm up
        for count in [int(c) for c in args.slow.split(",")]:
            slow = SlowClients(port, count) if count else None
            time.sleep(2 if count else 0)
            try:
                answered, latencies, wall = measure(url, server, args.requests)
            finally:
                if slow is not None:
                    slow.close()
            q = statistics.quantiles(latencies, n=100)
            print(f"slow clients {count:>4}: answered {answered}/{args.requests} within 5 s, "
                  f"p50 {q[49]:7.1f} ms, p99 {q[98]:7.1f} ms, {args.requests / wall:6.1f} req/s")
    finally:
        stop_web(proc)
        if embedded is not None:
            embedded.shutdown()


if __name__ == "__main__":
    main()
