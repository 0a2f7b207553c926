"""``bitcode users``: administer accounts on the server's database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from bitcode_cli.errors import reports_errors
from bitcode_core.accounts.model import Role, User
from bitcode_core.accounts.usecases import Accounts
from bitcode_http.container import running
from bitcode_http.settings import SettingsError, load_settings

T = TypeVar("T")


def with_accounts(action: Callable[[Accounts], Awaitable[T]]) -> T:
    try:
        settings = load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None

    async def run() -> T:
        async with running(settings) as container:
            return await action(container.accounts())

    return asyncio.run(run())


def _describe(user: User) -> str:
    state = "disabled" if user.disabled else "active"
    return f"{user.username} <{user.email}>: {user.role.value}, {state}"


@click.group()
def users() -> None:
    """Accounts: create admins, change roles, disable."""


@users.command("create-admin")
@click.option("--email", required=True)
@click.option("--username", required=True)
@click.password_option(
    envvar="BITCODE_ADMIN_PASSWORD",
    help="Asked for when not given (or set BITCODE_ADMIN_PASSWORD).",
)
@reports_errors
def create_admin(email: str, username: str, password: str) -> None:
    """Create an admin account, its email already confirmed."""
    user = with_accounts(lambda a: a.create_admin(email, username, password))
    click.echo(f"created {_describe(user)}")


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@reports_errors
def set_role(username: str, role: str) -> None:
    """Make a user a player, a setter or an admin."""
    user = with_accounts(lambda a: a.set_role(username, Role(role)))
    click.echo(f"updated {_describe(user)}")


@users.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="Enable the account again instead.")
@reports_errors
def disable(username: str, enable: bool) -> None:
    """Disable an account: every session ends at once and sign-in is refused."""
    user = with_accounts(lambda a: a.set_disabled(username, not enable))
    click.echo(f"updated {_describe(user)}")
