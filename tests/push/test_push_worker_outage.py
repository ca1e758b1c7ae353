"""`bot worker` rides out a Redis outage: it keeps running, logs no traceback, and delivers once Redis is back."""
from __future__ import annotations

import signal
import subprocess
import time

from bot.app import build_push_runtime
from bot.devkit.processes import RedisProcess, alive, embedded_redis_pid
from bot.infra.store import Store
from tests import pushkit as kit

# How long a worker may take to finish its job and stop after SIGTERM: generous, for a machine under load (a
# worker that never stops fails all the same).
STOP_SECONDS = 90

def test_worker_keeps_running_through_a_redis_outage_and_delivers_after_it(tmp_path, fake, push_config,
                                                                           push_knowledge):
    server = RedisProcess(tmp_path)
    server.start()
    config = push_config.with_(redis_url=server.url)
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen([*kit.BOT, "worker"], env=kit.cli_env(config, server.url), stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        kit.wait_for(lambda: "push worker: queues" in log.read_text(), timeout=60, what="the worker to start")
        server.kill()
        kit.wait_for(lambda: "Redis" in log.read_text() and "unavailable" in log.read_text(), timeout=30,
                 what="the worker to notice the outage")
        time.sleep(2)
        assert worker.poll() is None, "the worker ended with Redis:\n" + log.read_text()
        server.start()

        rt = build_push_runtime(config, store=Store.connect(config), clock=fake.now)
        people = kit.openids("oOUTAGE", 5)
        fake.follow(*people, fresh=False)
        kit.subscribe(rt, people, "tourism")
        kit.wrote(rt, fake, *people)
        kit.write_article(push_knowledge, "after-outage", topics=["tourism"])
        kit.wait_for(lambda: all(fake.news_to(p) for p in people), timeout=90, what="the article after the outage")
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
        try:
            code = worker.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            worker.kill()
            server.kill()
            raise AssertionError(f"the worker did not stop within {STOP_SECONDS} s of SIGTERM:\n"
                                 + log.read_text()) from None
        server.kill()
    output = log.read_text()
    assert code == 0, output
    assert all(len(fake.news_to(p)) == 1 for p in people)
    assert "Traceback" not in output, output


def test_sigterm_stops_the_worker_and_its_embedded_redis(tmp_path, fake, push_config):
    """Without REDIS_URL, `bot worker` starts an embedded Redis; stopping the worker must not leave it running."""
    data_dir = tmp_path / "var"
    env = {k: v for k, v in kit.cli_env(push_config, "").items() if k != "REDIS_URL"}
    env["BOT_DATA_DIR"] = str(data_dir)
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen([*kit.BOT, "worker"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        kit.wait_for(lambda: "push worker: queues" in log.read_text(), timeout=60, what="the worker to start")
        pid = embedded_redis_pid(data_dir)
        assert alive(pid)
        time.sleep(1)  # a scheduler look or two: the worker's connections are open
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0, log.read_text()
        kit.wait_for(lambda: not alive(pid), timeout=15, what="the embedded redis-server to stop")
    finally:
        if worker.poll() is None:
            worker.kill()
    assert "Traceback" not in log.read_text()
