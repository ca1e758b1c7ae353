"""The `bot` command staff and operators use. Errors are sentences, never tracebacks."""
from __future__ import annotations

import logging
import os
import signal
import sys
from urllib.parse import urlparse

import click
import waitress
from flask import Flask

from bot.infra.config import Config, ConfigError
from bot.infra.logs import redact, setup_logging
from bot.knowledge import KnowledgeError
from bot.staff.chat import ChatError, WebhookClient
from bot.staff.cli_setup import bot_command, load_config, load_env_file
from bot.staff.kb_commands import ask, kb, report
from webhooks import create_app

log = logging.getLogger("bot.serve")


def build_app(config: Config) -> Flask:
    """The webhook app, or a sentence (not a traceback) when the knowledge folder has errors and no last good
    snapshot exists yet (a first start: with a snapshot, the bot serves it and logs the errors)."""
    try:
        return create_app(config)
    except KnowledgeError as exc:
        raise click.ClickException(str(exc)) from exc
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


# Long-running processes log at INFO by default; staff commands only say what went wrong (LOG_LEVEL, -v: more).
SERVER_COMMANDS = frozenset({"serve", "worker"})


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log more (at least INFO).")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """CLAIR Beijing WeChat bot: run it, try it, check the knowledge, push articles."""
    default = "INFO" if ctx.invoked_subcommand in SERVER_COMMANDS else "WARNING"
    setup_logging(default, verbose=verbose)  # first, so that a problem in .env is logged like any other
    if load_env_file() is not None:
        setup_logging(default, verbose=verbose)  # LOG_LEVEL and the secrets to redact may come from .env


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the webhook (demo token and embedded Redis when nothing is configured)."""
    config = load_config(demo=True)
    app = build_app(config)
    engine = app.extensions["clairbot"]
    store_desc = redact(config.redis_url) if config.redis_url else \
        f"embedded Redis, data in {config.data_dir}/clairbot.rdb"
    click.echo(f"CLAIR bot serving on http://{host}:{port}/wechat")
    # The token is a secret unless it is the published demo one.
    token = f"{config.token}  (demo token: set WECHAT_TOKEN for a real account)" if config.demo else \
        "set (WECHAT_TOKEN)"
    click.echo(f"  token:     {token}")
    click.echo(f"  mode:      {describe_mode(config)}")
    click.echo(f"  redis:     {store_desc}")
    click.echo(f"  knowledge: {config.knowledge_dir} (version {engine.knowledge.current.version})")
    click.echo(f"  health:    http://{host}:{port}/healthz")
    click.echo(f"  try it:    {bot_command(f'chat --url http://{host}:{port}')}   (in another terminal)")
    signal.signal(signal.SIGTERM, _stop)
    try:
        # The production server (the Procfile's): it reads whole requests before a thread sees them.
        waitress.serve(app, host=host, port=port, threads=8, asyncore_use_poll=True,
                       max_request_body_size=config.max_body_bytes, channel_timeout=30)
    finally:
        engine.store.close()  # so that the embedded redis-server stops with us
        log.info("stopped")


def describe_mode(config: Config) -> str:
    """The banner's words for WECHAT_MESSAGE_MODE."""
    if config.message_mode == "auto":
        return "auto: plaintext, and encrypted requests too (AES key set)" if config.aes_key else "auto: plaintext"
    return {"plaintext": "plaintext only (明文模式)", "compatible": "compatible: plaintext or encrypted (兼容模式)",
            "safe": "safe: encrypted only (安全模式)"}[config.message_mode]


def _stop(signum: int, _frame: object) -> None:
    """SIGTERM (a process manager stopping us): leave the server loop so that shutdown runs."""
    log.info("stopping (%s)", signal.Signals(signum).name)
    raise SystemExit(0)


@cli.command()
@click.option("--openid", default="o_chat_terminal", show_default=True, help="Who you are in the chat.")
@click.option("--url", default=None, metavar="http://HOST:PORT",
              help="Talk to a running bot over HTTP (as followers reach it) instead of an in-process copy.")
def chat(openid: str, url: str | None) -> None:
    """Talk to the bot in the terminal, through the same signed-XML path as WeChat."""

    config = load_config(demo=True)
    if url is not None and (urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc):
        raise click.ClickException(f"--url {url!r} must look like http://127.0.0.1:8000 (the address of `bot serve`)")
    # Speak the way the bot expects: encrypted when it has a key, unless it was told to take plaintext only.
    aes_key = config.aes_key if config.message_mode != "plaintext" else None
    client = WebhookClient(url or build_app(config), token=config.token, openid=openid, aes_key=aes_key,
                           app_id=config.app_id)
    click.echo("与机器人对话（输入 /follow 模拟关注，/click KEY 模拟菜单，/quit 退出）")
    try:
        converse(client)
    except ChatError as exc:
        raise click.ClickException(str(exc)) from exc


def converse(client: WebhookClient) -> None:
    """The chat loop: a follow first, then one line in, one reply out, until /quit or the end of input."""
    click.echo("bot> " + client.event("subscribe").replace("\n", "\nbot> "))
    while True:
        try:
            line = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            click.echo()
            return
        if line in ("/quit", "/exit"):
            return
        if not line:
            continue
        if line == "/follow":
            reply = client.event("subscribe")
        elif line == "/unfollow":
            reply = client.event("unsubscribe")
        elif line.startswith("/click "):
            reply = client.event("CLICK", line.split(" ", 1)[1].strip())
        else:
            reply = client.say(line)
        click.echo("bot> " + reply.replace("\n", "\nbot> "))


cli.add_command(kb)
cli.add_command(ask)
cli.add_command(report)

from bot.staff.push_commands import menu, push, worker  # noqa: E402
from bot.staff.staff_commands import staff  # noqa: E402

cli.add_command(push)
cli.add_command(worker)
cli.add_command(menu)
cli.add_command(staff)


def main() -> None:
    """Entry point: `bot …`."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
