"""`bot push list|preview|run|resend|resume`, `bot worker`, `bot menu push`: pushes and the menu for staff."""
from __future__ import annotations

import threading
from datetime import datetime

import click
import redis
from wechatpy.exceptions import WeChatClientException

from bot.app import build_push_runtime
from bot.infra.config import Config, ConfigError
from bot.infra.store import aof_status
from bot.knowledge.articles import Article
from bot.knowledge.loader import check_knowledge
from bot.push.channels import STOP
from bot.push.scheduler import run_due, run_worker, too_old, unfinished
from bot.push.status import all_statuses, article_status, beijing, channel_notes, progress_line, unknown_reason
from bot.push.window import in_window_count
from bot.staff.cli_setup import bot_command
from bot.wechat.api_errors import WeChatAnswerLost, WeChatCallError

STATUS_WORDS = {"scheduled": "scheduled", "due": "due now", "sending": "sending", "sent": "sent",
                "queued": "queued (next day)", "failed": "failed", "paused": "paused", "stopped": "STOPPED",
                "expired": "expired"}


def runtime(*, needs_api: bool):
    """The push runtime from the environment; a clear sentence when something is missing."""

    try:
        config = Config.from_env(demo=not needs_api)
        if needs_api and not config.app_secret:
            raise click.ClickException("WECHAT_APP_SECRET is not set: sending needs the AppSecret (开发者密码) "
                                       "of the official account, from 设置与开发 → 基本配置.")
        rt = build_push_runtime(config)
        rt.redis.ping()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    except redis.RedisError as exc:
        raise click.ClickException(f"Redis is not reachable ({exc}): check REDIS_URL") from exc
    except Exception as exc:  # the knowledge folder does not load
        raise click.ClickException(f"cannot start: {exc}") from exc
    return rt


def warn_if_not_durable(rt) -> None:
    """Say so when the Redis holding the delivery ledger would lose it in a restart (AOF off)."""

    status = aof_status(rt.redis)
    if status == "off":
        click.echo("warning: Redis runs with AOF off (appendonly no): a restart from an older snapshot forgets "
                   "deliveries and sends those articles again. Set appendonly yes and appendfsync everysec "
                   "(see the README, Production).", err=True)
    elif status == "unknown":
        click.echo("warning: could not check whether Redis persists with AOF (CONFIG GET was refused, as on "
                   "managed Redis): make sure appendonly is on, or a restart may send articles twice.", err=True)


@click.group()
def push() -> None:
    """Scheduled articles: list, preview, send what is due."""


@push.command("list")
@click.option("--unknown", "show_unknown", is_flag=True, help="List every follower whose delivery is unknown.")
def list_articles(show_unknown: bool) -> None:
    """Every article: when, to whom, and what happened (sent, pending, dropped, failed, unknown)."""

    rt = runtime(needs_api=False)
    rows = all_statuses(rt)
    if not rows:
        click.echo(f"No articles in {rt.config.knowledge_dir / 'articles'}.")
    header = f"{'ARTICLE':<28} {'CHANNEL':<9} {'PUBLISH (Beijing)':<17} {'STATUS':<18} {'SUBS':>6} {'SENT':>6} " \
             f"{'PENDING':>7} {'DROPPED':>7} {'FAILED':>6} {'UNKNOWN':>7}"
    click.echo(header)
    for row in rows:
        c = row.counts
        click.echo(f"{row.article.id:<28} {row.article.channel:<9} {beijing(row.article.publish_at):<17} "
                   f"{STATUS_WORDS.get(row.status, row.status):<18} {row.subscribers:>6} {c['sent']:>6} "
                   f"{c['pending']:>7} {c['dropped']:>7} {c['failed']:>6} {row.unknown_count:>7}")
        if row.note and row.status != "sent":
            click.echo(f"    {row.note}")
        if row.in_flight:
            click.echo(f"    {row.in_flight} being sent right now")
    click.echo()
    for channel, note in channel_notes(rt).items():
        click.echo(f"channel {channel}: {note}")
    click.echo(f"followers who wrote in the last 48 hours (reachable now): {in_window_count(rt.store, now=rt.clock())}")
    unknown = [(row.article.id, u) for row in rows for u in row.unknown]
    if unknown:
        click.echo(f"\n{len(unknown)} deliveries have an unknown outcome: the request may have reached WeChat, but "
                   "its answer never came back, so the follower may or may not have the article. They are not sent "
                   "again by themselves (a follower must never get a duplicate); `bot push resend ID --unknown` "
                   "sends them again if you decide to.")
        for article_id, u in unknown if show_unknown else unknown[:10]:
            click.echo(f"    {article_id}  {u.openid}  {beijing(u.at)}  {unknown_reason(u.reason)}")
        if len(unknown) > 10 and not show_unknown:
            click.echo(f"    … ({bot_command('push list --unknown')} shows all)")


@push.command()
@click.argument("article_id")
def preview(article_id: str) -> None:
    """Show what a follower will see for ARTICLE_ID, and to whom it goes."""

    rt = runtime(needs_api=False)
    article = rt.article(article_id)
    if article is None:
        known = ", ".join(sorted(rt.articles())) or "none"
        raise click.ClickException(f"no article '{article_id}' (known: {known}); run `{bot_command('kb check')}` "
                                   "if you just added it")
    status = article_status(rt, article)
    topics = rt.knowledge.current.topics
    click.echo(f"Article {article.id}  ({article.file})")
    click.echo(f"  publish at: {beijing(article.publish_at)} Beijing time — {status.status}")
    click.echo(f"  channel:    {describe_channel(article)}")
    for topic_id in article.topics:
        topic = topics.get(topic_id)
        subs = int(rt.redis.scard(rt.keys.topic_subs(topic_id)))
        click.echo(f"  topic:      {topic.name if topic else topic_id} ({topic_id}): {subs} subscribers")
    click.echo()
    if article.channel == "mass":
        click.echo("The followers tagged with the topic receive this text message:")
        click.echo(indent(article.mass_text))
        return
    click.echo("A follower receives this news card (客服消息, one article):")
    click.echo(f"  ┌ {article.title}")
    click.echo(f"  │ {article.summary}")
    click.echo(f"  │ cover: {article.cover or '(none: WeChat shows the card without a picture)'}")
    click.echo(f"  └ opens {article.url}")
    if article.body:
        click.echo("\nText version:")
        click.echo(indent(article.body))


def describe_channel(article: Article) -> str:
    if article.channel == "mass":
        return "mass send (群发) to the topic's tag, counts against the daily mass quota"
    return "customer-service message (客服消息) to each subscriber inside their 48-hour window; " \
           "the others get it when they next write"


def indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())


@push.command()
def run() -> None:
    """Deliver everything due now, then exit (for cron). Progress is printed every few seconds."""

    rt = runtime(needs_api=True)
    warn_if_not_durable(rt)
    due = unfinished(rt)
    if not due:
        click.echo("Nothing is due: every article whose time has come was sent.")
        return
    click.echo(f"Due now: {', '.join(a.id for a, _ in due)}")
    done = threading.Event()

    def report() -> None:
        while not done.wait(2.0):
            for article, _ in unfinished(rt):
                click.echo(f"[{datetime.now():%H:%M:%S}] {progress_line(article_status(rt, article))}")

    reporter = threading.Thread(target=report, daemon=True)
    reporter.start()
    try:
        left = run_due(rt)
    finally:
        done.set()
    for article, _ in due:
        status = article_status(rt, article)
        click.echo(f"{progress_line(status)} — {STATUS_WORDS.get(status.status, status.status)}")
        if status.unknown:
            click.echo(f"    {len(status.unknown)} with an unknown outcome (see {bot_command('push list --unknown')})")
    stopped = [reason for _, reason in left if reason and reason.startswith("stopped")]
    for article, reason in left:
        click.echo(f"waiting: {article.id} — {reason}")
    if stopped:
        raise click.ClickException(f"sending is {stopped[0]}\nFix it, then run `{bot_command('push resume')}` and "
                                   f"`{bot_command('push run')}`.")


@push.command()
@click.argument("article_id")
@click.option("--unknown", "unknown", is_flag=True, required=True,
              help="Resend the deliveries whose outcome is unknown (the only kind that can be resent).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def resend(article_id: str, unknown: bool, yes: bool) -> None:
    """Make the unknown deliveries of ARTICLE_ID owed again; they may give those followers a duplicate."""

    rt = runtime(needs_api=False)
    article = rt.article(article_id)
    if article is None:
        raise click.ClickException(f"no article '{article_id}' (known: {', '.join(sorted(rt.articles())) or 'none'})")
    if article.channel == "mass":
        raise click.ClickException("a mass send has no unknown deliveries: WeChat refuses a second send of the same "
                                   "clientmsgid, so a lost answer is simply tried again")
    if too_old(rt, article, rt.clock()):
        raise click.ClickException(f"{article_id} is older than PUSH_PENDING_MAX_DAYS "
                                   f"({rt.settings.pending_max_days:g} days): it is not delivered any more")
    status = article_status(rt, article)
    if not status.unknown:
        left = status.unknown_count
        raise click.ClickException(f"{article_id} has no delivery of unknown outcome to resend" + (
            f" ({left} were unknown, but the article is past PUSH_PENDING_MAX_DAYS and its ledger is gone)"
            if left else ""))
    click.echo(f"{len(status.unknown)} deliveries of {article_id} have an unknown outcome:")
    for u in status.unknown[:20]:
        click.echo(f"    {u.openid}  {unknown_reason(u.reason)}")
    if len(status.unknown) > 20:
        click.echo(f"    … and {len(status.unknown) - 20} more")
    click.echo("WARNING: WeChat may already have delivered these. Resending can give those followers the article "
               "TWICE, and WeChat offers no way to take a message back.")
    if not yes:
        click.confirm("Resend them?", abort=True)
    older_than = rt.clock() - rt.settings.lease_seconds
    ledger = rt.ledger()
    owed = sum(ledger.forget_unknown(article.id, u.openid, older_than=older_than) for u in status.unknown)
    # Not finished any more: the scheduler's next fan-out generation claims exactly the forgotten entries.
    rt.redis.hset(rt.keys.push_state(article.id), mapping={"status": "due", "note": f"{owed} resent by staff"})
    click.echo(f"{owed} deliveries are owed again: `bot push run` or the worker sends them (followers outside "
               "their 48-hour window get it when they next write).")


@push.command()
@click.argument("channel", type=click.Choice(["customer", "mass", "all"]), default="all")
def resume(channel: str) -> None:
    """Clear a pause (45009) or stop (48001) of a channel once the cause is fixed."""
    rt = runtime(needs_api=False)
    for name in (["customer", "mass"] if channel == "all" else [channel]):
        click.echo(f"channel {name}: {'resumed' if rt.resume(name) else 'was not paused'}")


@click.command()
@click.option("--burst", is_flag=True, help="Exit when the queue is empty (like `bot push run`).")
def worker(burst: bool) -> None:
    """The long-running push worker: scheduler plus queue worker (the Procfile's `worker`)."""

    rt = runtime(needs_api=True)
    warn_if_not_durable(rt)
    click.echo(f"push worker: queues {rt.keys.push_queue} then {rt.keys.maintenance_queue}, looking for due "
               f"articles every {rt.settings.scheduler_interval:g} s, at most {rt.settings.rate:g} messages/s "
               "(0 = no limit)")
    try:
        run_worker(rt, burst=burst)
    finally:
        rt.close()  # so that an embedded redis-server stops with the worker


@click.group()
def menu() -> None:
    """The account's custom menu (knowledge/menu.yaml)."""


@menu.command("push")
def menu_push() -> None:
    """Create the WeChat menu from knowledge/menu.yaml (replaces the current menu)."""


    rt = runtime(needs_api=True)
    knowledge, problems = check_knowledge(rt.config.knowledge_dir)
    errors = [p for p in problems if p.severity == "error"]
    if knowledge is None or errors:
        raise click.ClickException(f"the knowledge has errors, fix them first ({bot_command('kb check')}):\n"
                                   + "\n".join(str(p) for p in errors))
    body = knowledge.menu.body
    try:
        rt.client.menu.create(body)
    except WeChatClientException as exc:
        why = STOP.get(exc.errcode, f"WeChat refused the menu: {exc.errcode} {exc.errmsg}")
        raise click.ClickException(why) from None
    except WeChatAnswerLost as exc:
        raise click.ClickException(f"{exc}. The menu may or may not have changed: run `bot menu push` again "
                                   "(publishing the same menu twice is harmless).") from None
    except WeChatCallError as exc:
        raise click.ClickException(f"{exc}. The menu was not changed: try again later.") from None
    items = sum(len(b.get("sub_button", [])) or 1 for b in body["button"])
    click.echo(f"menu published: {len(body['button'])} menus, {items} items (followers see it within minutes)")
