"""The one logging setup, seen from outside: gunicorn as in the Procfile, real commands, every byte of output."""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import requests

from bot import PROJECT_ROOT
from bot.devkit.processes import BOT, VENV_BIN, Running, clean_env, free_port, made_up_secrets, with_password
from bot.devkit.wechat_client import WeChatServer
from bot.infra.privacy import hash_openid
from bot.knowledge import load_knowledge
from bot.staff.ask import explain
from tests import pushkit as kit
from tests.constants import APP_ID, SECRET

# time, level, process, logger, [message in hand]: text
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) \d+ [\w.]+"
                  r"(?: \[[^\]]*\])?: \S")


def procfile_web(port: int) -> list[str]:
    """The Procfile's `web` command line, as a process manager would run it (2 workers, our port)."""
    line = next(x for x in (PROJECT_ROOT / "Procfile").read_text().splitlines() if x.startswith("web:"))
    values = {"WEB_CONCURRENCY": "2", "PORT": str(port)}
    command = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: values.get(m.group(1), m.group(2)), line[4:])
    argv = shlex.split(command)
    return [str(VENV_BIN / argv[0]), *argv[1:]]


def test_the_procfile_web_process_logs_each_message_once_with_time_level_and_no_secret(
        redis_url, redis_client, tmp_path, knowledge_dir):
    secrets = made_up_secrets()
    password = "pw" + secrets["WECHAT_TOKEN"][-8:]
    folder = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir, folder)
    port = free_port()
    env = clean_env(**secrets, WECHAT_APP_ID=APP_ID, REDIS_URL=with_password(redis_url, password),
                    REDIS_KEY_PREFIX="test:", KNOWLEDGE_DIR=str(folder), BOT_DATA_DIR=str(tmp_path / "var"))
    web = Running(procfile_web(port), env=env, log=tmp_path / "web.log")
    base = f"http://127.0.0.1:{port}"
    wechat = WeChatServer(secrets["WECHAT_TOKEN"], APP_ID, secrets["WECHAT_ENCODING_AES_KEY"])
    question, openid, msg_id = "你们电话多少", "o_logged_follower_0001", 7_700_000_000_001
    try:
        web.wait_http(f"{base}/healthz")
        asked = wechat.safe(wechat.text(question, openid=openid, msg_id=msg_id))
        for _ in range(2):  # the message, then WeChat's retry of it
            resp = requests.post(f"{base}/wechat", params=asked.query, data=asked.body, timeout=10)
            assert resp.status_code == 200 and question not in wechat.open_reply(resp.content, asked)
        follow = wechat.plaintext(wechat.event("subscribe", openid=openid))
        assert requests.post(f"{base}/wechat", params=follow.query, data=follow.body, timeout=10).ok
        assert requests.post(f"{base}/wechat?signature=forged&timestamp=1&nonce=2", data=b"<xml/>",
                             timeout=10).status_code == 403
        # a staff edit: the reload is an INFO line too
        with (folder / "synonyms.yaml").open("a", encoding="utf-8") as f:
            f.write("\n# edited by staff\n")
        deadline = time.monotonic() + 60
        while "knowledge reloaded" not in web.output() and time.monotonic() < deadline:
            requests.get(f"{base}/healthz", timeout=10)
            time.sleep(0.3)
    finally:
        web.stop()
    out = web.output()
    for name, value in [*secrets.items(), ("REDIS_URL password", password)]:
        assert value not in out, f"{name} leaked:\n{out}"
    lines = out.splitlines()
    assert lines and all(LINE.match(x) for x in lines), "\n".join(x for x in lines if not LINE.match(x))
    assert any(" INFO " in x and " waitress: Serving on " in x for x in lines)  # the server's own lines too
    assert any(" INFO " in x and "knowledge reloaded" in x for x in lines), out

    expected = explain(question, load_knowledge(knowledge_dir))  # the trace `bot ask` shows
    context = f"[msg={msg_id} user={hash_openid(openid)}]"
    answered = [x for x in lines if f"bot.core.engine {context}: POST /wechat text " in x]
    assert len(answered) == 2, out
    assert re.search(rf" INFO \d+ .*handler={expected['handler']} decision={expected['decision']} "
                     rf"entry={expected['entry']} ms=\d+\.\d$", answered[0]), answered[0]
    assert "decision=retry" in answered[1]
    assert any(f"[user={hash_openid(openid)}]: POST /wechat event:subscribe handler=events decision=event" in x
               for x in lines), out
    assert any(" WARNING " in x and "refused (403)" in x for x in lines)
    # personal data stays out: neither the follower's words nor the openid
    assert question not in out and openid not in out


NET = r'''
import logging, os, threading, warnings
from bot.infra.logs import setup_logging
setup_logging("INFO")
log = logging.getLogger("bot.push.token")
secret, token, aes = (os.environ[k] for k in ("WECHAT_APP_SECRET", "WECHAT_TOKEN", "WECHAT_ENCODING_AES_KEY"))
url = "https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=" + secret
log.warning("mark-args token fetch failed: %s", url)
try:
    raise ConnectionError("Max retries exceeded with url: " + url)
except ConnectionError:
    log.exception("mark-exception")
log.info("mark-dict %s", {"appsecret": secret, "token": token, "aes": aes})
log.info("mark-url redis://:hunter2word@127.0.0.1:6379/0 and %s", "access_token=ACCESS0TOKEN0VALUE")
warnings.warn("mark-warning " + secret)
def boom():
    raise RuntimeError("mark-thread " + token)
t = threading.Thread(target=boom)
t.start()
t.join()
raise RuntimeError("mark-uncaught " + aes)
'''


def test_the_redaction_net_masks_secrets_in_messages_arguments_and_tracebacks(tmp_path):
    secrets = made_up_secrets()
    run = subprocess.run([sys.executable, "-c", NET], env=clean_env(**secrets), capture_output=True, text=True,
                         timeout=60)
    out = run.stdout + run.stderr
    for marker in ("mark-args", "mark-exception", "Traceback", "mark-dict", "mark-url", "mark-warning",
                   "mark-thread", "mark-uncaught"):
        assert marker in out, f"{marker} missing:\n{out}"
    for value in [*secrets.values(), "hunter2word", "ACCESS0TOKEN0VALUE"]:
        assert value not in out, f"{value} leaked:\n{out}"
    assert "secret=***" in out and "redis://:***@" in out and "access_token=***" in out
    assert run.returncode == 1  # the uncaught exception still ends the process as it would


def test_push_run_with_wechat_unreachable_prints_no_secret(rt, fake, push_knowledge, push_config, redis_url):
    people = kit.openids("oLOG", 2)
    fake.follow(*people, fresh=False)
    kit.subscribe(rt, people, "tourism")
    kit.wrote(rt, fake, *people)
    kit.write_article(push_knowledge, "unreachable", topics=["tourism"])
    env = kit.cli_env(push_config.with_(api_base_url=f"http://127.0.0.1:{free_port()}"), redis_url)
    run = subprocess.run([*BOT, "push", "run"], env=env, capture_output=True, text=True, timeout=120)
    out = run.stdout + run.stderr
    assert "unreachable" in out  # it did try the article
    assert SECRET not in out, out


def chat_in_process(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`bot [args] chat` (in-process bot) in its own process, asking one question."""
    return subprocess.run([*BOT, *args, "chat", "--openid", "o_levels"], input="你们电话多少\n/quit\n",
                          env=clean_env(REDIS_URL="redis://127.0.0.1:9/0", **env), capture_output=True, text=True,
                          timeout=120)


def test_staff_commands_log_warnings_only_unless_asked(tmp_path):
    quiet = chat_in_process(BOT_DATA_DIR=str(tmp_path), LOG_LEVEL="loud")
    assert quiet.returncode == 0, quiet.stderr
    assert "010-6513-8791" in quiet.stdout
    assert "POST /wechat" not in quiet.stderr  # INFO is not shown to staff by default
    assert re.search(r"WARNING \d+ bot: LOG_LEVEL 'LOUD' is not one of DEBUG, INFO", quiet.stderr), quiet.stderr
    assert re.search(r"WARNING \d+ bot\.infra\.store \[user=\w+\]: Redis unavailable", quiet.stderr), quiet.stderr
    verbose = chat_in_process("-v", BOT_DATA_DIR=str(tmp_path))
    assert re.search(r"INFO \d+ bot\.core\.engine \[msg=\d+ user=\w+\]: POST /wechat text .*decision=answer",
                     verbose.stderr), verbose.stderr
    assert "你们电话多少" not in verbose.stderr  # not even with -v
    from_env = chat_in_process(BOT_DATA_DIR=str(tmp_path), LOG_LEVEL="info")
    assert "POST /wechat text" in from_env.stderr


def test_dotenv_in_the_current_folder_is_read_by_staff_commands(tmp_path: Path):
    (tmp_path / ".env").write_text("LOG_LEVEL=INFO\n", encoding="utf-8")
    run = subprocess.run([*BOT, "chat"], input="/quit\n", cwd=tmp_path, capture_output=True, text=True,
                         env=clean_env(REDIS_URL="redis://127.0.0.1:9/0", BOT_DATA_DIR=str(tmp_path)), timeout=120)
    assert run.returncode == 0, run.stderr
    assert "POST /wechat event:subscribe" in run.stderr


def test_gunicorn_without_configuration_says_why_in_one_sentence(tmp_path):
    port = free_port()
    web = Running(procfile_web(port), env=clean_env(BOT_DATA_DIR=str(tmp_path / "var")), log=tmp_path / "web.log")
    try:
        code = web.proc.wait(timeout=120)
    finally:
        web.stop()
    out = web.output()
    assert code != 0
    assert re.search(r"CRITICAL \d+ bot: cannot start: The configuration is not usable:", out), out
    assert "WECHAT_TOKEN is not set" in out and "Traceback" not in out
