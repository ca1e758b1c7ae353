"""`bot serve` and `bot chat --url` as operators run them: real processes, real HTTP, every byte of output read."""
from __future__ import annotations

import re
import shlex
import subprocess
import time

import pytest
import requests
from click.testing import CliRunner

from bot import PROJECT_ROOT
from bot.devkit.processes import (
    BOT,
    Running,
    alive,
    clean_env,
    embedded_redis_pid,
    free_port,
    made_up_secrets,
    with_password,
)
from bot.devkit.wechat_client import WeChatServer
from bot.infra.config import DEMO_TOKEN, Config
from bot.knowledge import load_knowledge
from bot.knowledge.texts import Say
from bot.staff.cli import cli
from tests.constants import AES_KEY, APP_ID, TOKEN


def chat_over_http(url: str, lines: list[str], *, command: list[str] | None = None,
                   **env: str) -> subprocess.CompletedProcess:
    """`bot chat --url URL` (or `command`, as printed) in its own process, typing `lines`."""
    argv = command or [*BOT, "chat", "--url", url]
    return subprocess.run([*argv, "--openid", "o_staff_http"], env=clean_env(**env),
                          input="".join(f"{line}\n" for line in lines), capture_output=True, text=True, timeout=60)


def test_serve_shows_no_secret_and_chat_url_talks_to_it(redis_url, redis_client, tmp_path, knowledge_dir):
    secrets = made_up_secrets()
    password = "pw" + secrets["WECHAT_APP_SECRET"][-10:]
    port = free_port()
    env = clean_env(**secrets, WECHAT_APP_ID="wx2c2769f8efd9abc2", REDIS_URL=with_password(redis_url, password),
                    REDIS_KEY_PREFIX="test:", BOT_DATA_DIR=str(tmp_path / "var"))
    server = Running([*BOT, "serve", "--port", str(port)], env=env, log=tmp_path / "serve.log")
    try:
        assert server.wait_http(f"http://127.0.0.1:{port}/healthz").json()["redis"] == "ok"
        # a stranger with a wrong signature, then staff through `bot chat --url` with the server's token
        assert requests.post(f"http://127.0.0.1:{port}/wechat?signature=x&timestamp=1&nonce=2",
                             data=b"<xml/>", timeout=5).status_code == 403
        # the command the banner prints, run exactly as printed (from the project folder, as the README says)
        printed = re.search(r"try it:\s+(.+?)\s+\(in another terminal\)", server.output())
        assert printed, server.output()
        assert shlex.split(printed.group(1))[1:] == ["chat", "--url", f"http://127.0.0.1:{port}"]
        chat = chat_over_http("", ["你们电话多少", "/quit"], command=shlex.split(printed.group(1)),
                              **secrets, WECHAT_APP_ID="wx2c2769f8efd9abc2")  # safe mode: the AES key is set
    finally:
        code = server.stop()
    out = server.output() + chat.stdout + chat.stderr
    for name, value in [*secrets.items(), ("REDIS_URL password", password)]:
        assert value not in out, f"{name} leaked:\n{out}"
    assert code == 0, out
    assert "token:     set" in out and ":***@" in out  # the banner still says what is configured
    # the chat went over HTTP to this server: its reply, and the server logged the request
    assert chat.returncode == 0, chat.stderr
    texts = load_knowledge(knowledge_dir)
    assert "bot> " + texts.text(Say.welcome).splitlines()[0] in chat.stdout
    assert "010-6513-8791" in chat.stdout
    assert re.search(r"INFO \d+ bot\.core\.engine \[msg=\d+ user=\w+\]: POST /wechat text handler=\w+ decision=answer "
                     r"entry=contact-phone", server.output()), server.output()
    assert redis_client.keys("test:msg:*")  # the server's Redis, reached with the password-bearing URL


def test_chat_url_with_the_wrong_token_or_no_server_is_a_sentence(tmp_path):
    port = free_port()  # nothing listens there
    result = CliRunner().invoke(cli, ["chat", "--url", f"http://127.0.0.1:{port}"],
                                env={"WECHAT_TOKEN": "", "BOT_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 1
    assert f"cannot reach http://127.0.0.1:{port}/wechat" in result.output and "Traceback" not in result.output
    bad = CliRunner().invoke(cli, ["chat", "--url", "127.0.0.1:8000"], env={"BOT_DATA_DIR": str(tmp_path)})
    assert bad.exit_code == 1 and "--url" in bad.output and "http://" in bad.output


def test_chat_url_signed_with_another_token_is_refused_with_a_sentence(redis_url, redis_client, tmp_path):
    port = free_port()
    env = clean_env(REDIS_URL=redis_url, REDIS_KEY_PREFIX="test:", BOT_DATA_DIR=str(tmp_path / "var"))
    server = Running([*BOT, "serve", "--port", str(port)], env=env, log=tmp_path / "serve.log")
    try:
        server.wait_http(f"http://127.0.0.1:{port}/healthz")
        chat = chat_over_http(f"http://127.0.0.1:{port}", ["帮助"], WECHAT_TOKEN="someothertoken1")
    finally:
        server.stop()
    assert chat.returncode == 1
    assert "refused the signature" in chat.stderr and "WECHAT_TOKEN" in chat.stderr
    assert "Traceback" not in chat.stdout + chat.stderr


def test_sigterm_stops_serve_and_its_embedded_redis(tmp_path):
    port = free_port()
    data_dir = tmp_path / "var"
    server = Running([*BOT, "serve", "--port", str(port)], env=clean_env(BOT_DATA_DIR=str(data_dir)),
                     log=tmp_path / "serve.log")
    pid = None
    try:
        assert server.wait_http(f"http://127.0.0.1:{port}/healthz").json()["redis"] == "ok"
        pid = embedded_redis_pid(data_dir)
        assert alive(pid)
        code = server.stop()
        deadline = time.monotonic() + 15
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(pid), f"redis-server {pid} still runs after bot serve stopped:\n{server.output()}"
        assert code == 0, server.output()
        assert "Traceback" not in server.output()
        assert (data_dir / "clairbot.rdb").exists()  # it saved its data on the way out
    finally:
        server.stop()
        if pid is not None and alive(pid):
            subprocess.run(["kill", str(pid)], check=False)


def test_serve_reads_dotenv_without_overriding_the_environment(tmp_path, redis_url, redis_client, knowledge_dir):
    port = free_port()
    (tmp_path / ".env").write_text(
        "# settings for this machine\n"
        "WECHAT_TOKEN=tokenfromdotenv1\n"
        f"REDIS_URL={redis_url}\nREDIS_KEY_PREFIX=test:\n"
        f"KNOWLEDGE_DIR={tmp_path / 'no-such-folder'}\n", encoding="utf-8")
    env = clean_env(KNOWLEDGE_DIR=str(knowledge_dir), BOT_DATA_DIR=str(tmp_path / "var"))  # set: wins over .env
    server = Running([*BOT, "serve", "--port", str(port)], env=env, cwd=tmp_path, log=tmp_path / "serve.log")
    try:
        server.wait_http(f"http://127.0.0.1:{port}/healthz")
        wechat = WeChatServer("tokenfromdotenv1", "wxdemo0000000000")
        request = wechat.plaintext(wechat.text("帮助", openid="o_dotenv"))
        resp = requests.post(f"http://127.0.0.1:{port}/wechat", params=request.query, data=request.body, timeout=10)
    finally:
        server.stop()
    out = server.output()
    assert resp.status_code == 200, out  # signed with the token from .env
    assert "token:     set" in out and DEMO_TOKEN not in out
    assert f"knowledge: {knowledge_dir} " in out
    assert redis_client.keys("test:msg:*")  # REDIS_URL came from .env too


def test_demo_token_is_one_wechat_accepts():
    assert 3 <= len(DEMO_TOKEN) <= 32 and DEMO_TOKEN.isalnum()
    assert Config.from_env({"WECHAT_TOKEN": DEMO_TOKEN, "WECHAT_APP_ID": "wxdemo0000000000"}).token == DEMO_TOKEN


def test_every_documented_command_says_how_to_run_it(knowledge_dir):
    """After the README's install `bot` is not on PATH: the documents name `.venv/bin/bot`, as the CLI prints it."""
    documents = [PROJECT_ROOT / "README.md", knowledge_dir / "README.md", knowledge_dir / "articles" / "README.md",
                 knowledge_dir / "menu.yaml", knowledge_dir / "topics.yaml"]
    commands = "kb|ask|report|push|menu|worker|serve|chat"
    for document in documents:
        text = document.read_text(encoding="utf-8")
        bare = re.findall(rf"(?<![\w/.-])bot (?:{commands})\b[^`\n]*", text)
        assert not bare, f"{document.name}: {bare}"
        assert ".venv/bin/bot " in text, document.name


def test_chat_speaks_safe_mode_when_an_aes_key_is_configured(app, config):
    """With WECHAT_ENCODING_AES_KEY set, `bot chat` sends what WeChat sends in 安全模式: only <Encrypt>."""
    from flask import request

    from bot.staff.chat import WebhookClient

    seen: list[tuple[dict, bytes]] = []
    app.before_request(lambda: seen.append((request.args.to_dict(), request.get_data())) and None)
    client = WebhookClient(app, token=config.token, openid="o_safe_chat", aes_key=config.aes_key,
                           app_id=config.app_id)
    assert "010-6513-8791" in client.say("你们电话多少")
    query, body = seen[-1]
    assert query["encrypt_type"] == "aes" and query["msg_signature"]
    assert b"<Encrypt>" in body and b"Content" not in body and b"o_safe_chat" not in body


@pytest.mark.parametrize("mode", ["plaintext", "compatible", "safe", "auto"])
def test_chat_speaks_what_the_configured_message_mode_accepts(mode, redis_url, redis_client, tmp_path, monkeypatch):
    """`bot chat` gets answers in every WECHAT_MESSAGE_MODE: plaintext only refuses encrypted requests, safe refuses
    plaintext ones, so the chat must pick what the bot accepts."""
    env = {"WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "WECHAT_ENCODING_AES_KEY": AES_KEY,
           "WECHAT_MESSAGE_MODE": mode, "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": "test:",
           "BOT_DATA_DIR": str(tmp_path / "var")}
    monkeypatch.chdir(tmp_path)  # no .env of the project's folder
    result = CliRunner().invoke(cli, ["chat", "--openid", f"o_chat_{mode}"], input="你们电话多少\n/quit\n", env=env)
    assert result.exit_code == 0, result.output
    assert "010-6513-8791" in result.output and "403" not in result.output
