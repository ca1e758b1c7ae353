"""The Procfile's `web` process started as a process manager starts it (a shell, $PORT), and slow HTTP clients.

Used by the slow-client and proxy tests and by bench/slow_clients.py, bench/soak.py and bench/webhook.py.
"""
from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

from bot import PROJECT_ROOT


def procfile_command(kind: str = "web", procfile: Path = PROJECT_ROOT / "Procfile") -> str:
    """The command line of one process type in the Procfile."""
    for line in procfile.read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() == kind:
            return command.strip()
    raise LookupError(f"no {kind!r} process in {procfile}")


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_web(env: dict[str, str], *, port: int, command: str | None = None, log: Path | None = None,
              inherit: bool = True) -> subprocess.Popen:
    """Run `command` (default: the Procfile's web line) through a shell with PORT set, as honcho or foreman do.

    `env` goes on top of this process's environment, or is all of it with `inherit=False` (PATH aside); the
    process's output is appended to `log` when given (a soak's logs), else only its stderr is kept for errors.
    """
    command = command or procfile_command()
    bin_dir = str(Path(sys.executable).parent)  # the virtualenv's scripts, as on a deployed PATH
    base = {**os.environ, **env} if inherit else dict(env)
    full_env = {**base, "PORT": str(port), "PATH": f"{bin_dir}:{base.get('PATH', os.environ.get('PATH', ''))}"}
    out = log.open("ab") if log is not None else None
    try:
        proc = subprocess.Popen(["/bin/sh", "-c", f"exec {command}"], cwd=PROJECT_ROOT, env=full_env,
                                stdout=out or subprocess.DEVNULL, stderr=out or subprocess.PIPE,
                                start_new_session=True)
    finally:
        if out is not None:
            out.close()  # the child has its own copy
    deadline = time.monotonic() + 120  # a bound on start-up (knowledge index, jieba), not a speed figure
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            said = log.read_bytes() if log is not None else proc.stderr.read()
            raise RuntimeError(f"web process exited {proc.returncode}: {said.decode(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.1)
    stop_web(proc)
    raise RuntimeError("web process did not start listening")


def stop_web(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stop a process started in its own session and all it started (gunicorn's workers): `sig`, SIGKILL after 15 s."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        except ProcessLookupError:
            pass  # the whole group was gone already


class SlowClients:
    """`count` connections that send a POST's headers at once, then its body one byte a second (`tls`: over TLS)."""

    def __init__(self, port: int, count: int, *, body_bytes: int = 600, tls: bool = False) -> None:
        self.sockets: list[socket.socket] = []
        self.body_bytes = body_bytes
        self._stop = threading.Event()
        head = (f"POST /wechat?signature=x&timestamp=1&nonce=1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Content-Type: text/xml\r\nContent-Length: {body_bytes}\r\n\r\n").encode()
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # a test's self-signed proxy
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            if tls:
                sock = context.wrap_socket(sock)
            sock.sendall(head)
            self.sockets.append(sock)
        self._thread = threading.Thread(target=self._drip, daemon=True)
        self._thread.start()

    def _drip(self) -> None:
        for _ in range(self.body_bytes - 1):  # never the last byte: the request never completes
            if self._stop.wait(1.0):
                return
            for sock in self.sockets:
                try:
                    sock.send(b"<")
                except OSError:
                    pass

    def close(self) -> None:
        """Stop dripping and close every connection."""
        self._stop.set()
        self._thread.join(5)
        for sock in self.sockets:
            sock.close()
