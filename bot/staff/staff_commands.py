"""`bot staff add|list|remove`: the accounts that may log in to the console (/console/)."""
from __future__ import annotations

import sys

import click
import redis

from bot.console.accounts import AccountError, StaffAccounts
from bot.infra.store import Store
from bot.staff.cli_setup import load_config


def _accounts() -> tuple[StaffAccounts, Store]:
    config = load_config(demo=True)
    store = Store.connect(config)
    return StaffAccounts(store), store


def _run(action):
    accounts, store = _accounts()
    try:
        return action(accounts)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    except (redis.RedisError, OSError) as exc:
        raise click.ClickException(f"cannot reach Redis, where the staff accounts are kept: {exc}") from None
    finally:
        store.close()


@click.group()
def staff() -> None:
    """Staff accounts of the web console."""


@staff.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the password from standard input (one line), so it is never in the shell history.")
def staff_add(name: str, password_stdin: bool) -> None:
    """Create the account NAME, or give it a new password (its open sessions end)."""
    line = sys.stdin.readline()
    password = line[:-1] if line.endswith("\n") else line
    created = _run(lambda accounts: accounts.add(name, password))
    click.echo(f"{'created' if created else 'new password for'} {name}: log in at /console/login")


@staff.command("list")
def staff_list() -> None:
    """The account names."""
    names = _run(lambda accounts: accounts.names())
    if not names:
        click.echo("no staff accounts yet: bot staff add NAME --password-stdin")
    for name in names:
        click.echo(name)


@staff.command("remove")
@click.argument("name")
def staff_remove(name: str) -> None:
    """Delete the account NAME (its open sessions end at their next page)."""
    if not _run(lambda accounts: accounts.remove(name)):
        raise click.ClickException(f"there is no staff account {name!r} (bot staff list shows them)")
    click.echo(f"removed {name}")
