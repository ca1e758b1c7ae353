"""The `bot` command staff and operators use. Errors are sentences, never tracebacks."""
from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING

import click

from bot.cli_config import load_config
from bot.cli_kb import ask, kb, report

if TYPE_CHECKING:
    from flask import Flask

    from bot.config import Config


def build_app(config: Config) -> Flask:
    """The webhook app, or a sentence (not a traceback) when the knowledge folder has errors and no last good
    snapshot exists yet (a first start: with a snapshot, the bot serves it and logs the errors)."""
    from bot.config import ConfigError
    from bot.knowledge import KnowledgeError
    from webhooks import create_app

    try:
        return create_app(config)
    except KnowledgeError as exc:
        raise click.ClickException(str(exc)) from exc
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
def cli(verbose: bool) -> None:
    """CLAIR Beijing WeChat bot: run it, try it, check the knowledge, push articles."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the webhook (demo token and embedded Redis when nothing is configured)."""
    config = load_config(demo=True)
    app = build_app(config)
    engine = app.extensions["clairbot"]
    store_desc = config.redis_url or f"embedded Redis, data in {config.data_dir}/clairbot.rdb"
    click.echo(f"CLAIR bot serving on http://{host}:{port}/wechat")
    demo_note = "  (demo token: set WECHAT_TOKEN for a real account)" if config.demo else ""
    click.echo(f"  token:     {config.token}{demo_note}")
    click.echo(f"  mode:      {'plaintext + safe mode (AES key set)' if config.aes_key else 'plaintext'}")
    click.echo(f"  redis:     {store_desc}")
    click.echo(f"  knowledge: {config.knowledge_dir} (version {engine.knowledge.current.version})")
    click.echo(f"  health:    http://{host}:{port}/healthz")
    click.echo("  try it:    bot chat   (in another terminal)")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@cli.command()
@click.option("--openid", default="o_chat_terminal", show_default=True, help="Who you are in the chat.")
def chat(openid: str) -> None:
    """Talk to the bot in the terminal, through the same signed-XML path as WeChat."""
    config = load_config(demo=True)
    from bot.chat import WebhookClient
    client = WebhookClient(build_app(config), token=config.token, openid=openid)
    click.echo("与机器人对话（输入 /follow 模拟关注，/click KEY 模拟菜单，/quit 退出）")
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

from bot.cli_push import menu, push, worker  # noqa: E402

cli.add_command(push)
cli.add_command(worker)
cli.add_command(menu)


def main() -> None:
    """Entry point: `bot …`."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
