"""The README's nginx example runs as written in front of the Procfile's web process: HTTPS, whole requests only."""
from __future__ import annotations

import datetime
import getpass
import ipaddress
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot import PROJECT_ROOT
from bot.devkit.webserve import SlowClients, free_port, start_web, stop_web
from bot.devkit.wechat_client import WeChatServer, reply_content
from tests.constants import AES_KEY, APP_ID, TOKEN

NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def readme_nginx_example() -> str:
    found = re.search(r"```nginx\n(.*?)```", (PROJECT_ROOT / "README.md").read_text(), re.S)
    assert found, "README.md has no nginx example"
    return found.group(1)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "fullchain.pem", folder / "privkey.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def substitute(text: str, old: str, new: str) -> str:
    assert old in text, f"the README's nginx example no longer has {old!r}"
    return text.replace(old, new)


@pytest.fixture
def proxied(redis_url: str, tmp_path: Path):
    """The web process as the Procfile starts it, behind nginx running the README's example."""
    if NGINX is None:
        pytest.skip("nginx is not installed (.ci/run installs Debian's)")
    web_port, proxy_port = free_port(), free_port()
    web = start_web({"WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": APP_ID, "WECHAT_ENCODING_AES_KEY": AES_KEY,
                     "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": "proxytest:", "BOT_DATA_DIR": str(tmp_path / "var"),
                     "WEB_THREADS": "2"}, port=web_port)
    cert_file, key_file = self_signed(tmp_path)
    site = readme_nginx_example()
    site = substitute(site, "listen 443 ssl;", f"listen 127.0.0.1:{proxy_port} ssl;")
    site = substitute(site, "/etc/ssl/clairbot/fullchain.pem", str(cert_file))
    site = substitute(site, "/etc/ssl/clairbot/privkey.pem", str(key_file))
    site = substitute(site, "server 127.0.0.1:8000;", f"server 127.0.0.1:{web_port};")
    (tmp_path / "clairbot.conf").write_text(site)
    temp = {kind: tmp_path / kind for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    (tmp_path / "nginx.conf").write_text(
        f"user {getpass.getuser()};\ndaemon off;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events { worker_connections 256; }\nhttp {\n  access_log off;\n"
        + "".join(f"  {kind}_temp_path {path};\n" for kind, path in temp.items())
        + f"  include {tmp_path}/clairbot.conf;\n}}\n")
    proxy = subprocess.Popen([NGINX, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
                              "-c", str(tmp_path / "nginx.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            if proxy.poll() is not None:
                pytest.fail(f"nginx refused the README's example: {proxy.stderr.read().decode()}")
            try:
                socket.create_connection(("127.0.0.1", proxy_port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"https://127.0.0.1:{proxy_port}", cert_file, proxy_port
    finally:
        proxy.terminate()
        proxy.wait(10)
        stop_web(web)


def test_the_readme_proxy_serves_the_webhook_over_https_and_holds_slow_clients(proxied):
    base, cert_file, proxy_port = proxied
    server = WeChatServer(TOKEN, APP_ID, AES_KEY)

    def ask(body: bytes | None = None) -> requests.Response:
        request = server.plaintext(server.text("帮助"))
        return requests.post(f"{base}/wechat", params=request.query, data=body or request.body, verify=cert_file,
                             headers={"Content-Type": "text/xml"}, timeout=3)  # generous: answers take ms

    answer = reply_content(ask().text)
    assert answer.strip()
    assert requests.get(f"{base}/healthz", verify=cert_file, timeout=3).json()["status"] == "ok"
    assert requests.get(f"{base}/static/x", verify=cert_file, timeout=3).status_code == 404
    assert ask(server.text("长" * 30_000).encode()).status_code == 413  # over client_max_body_size

    slow = SlowClients(proxy_port, 12, tls=True)  # under the example's 20 connections per address
    try:
        time.sleep(2)
        for _ in range(3):
            assert reply_content(ask().text) == answer
    finally:
        slow.close()
