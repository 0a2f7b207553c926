"""``bitcode db``: migrate the database the server uses.

The database is the server's: ``DATABASE_URL`` from the environment or ``.env``,
else a SQLite file in BitCode's data directory (``BITCODE_DATA_DIR`` or the
platform's user data directory).
"""

from __future__ import annotations

import asyncio

import click

from bitcode_adapters.sql import migrate, redacted_url
from bitcode_cli.errors import reports_errors
from bitcode_http.settings import SettingsError, load_settings


def database_url() -> str:
    try:
        return load_settings().database_url
    except SettingsError as error:
        raise click.ClickException(str(error)) from None


@click.group()
def db() -> None:
    """The database: schema migrations."""


@db.command()
@reports_errors
def upgrade() -> None:
    """Migrate the database to the latest schema (creating it if need be)."""
    url = database_url()
    asyncio.run(migrate.upgrade(url))
    click.echo(f"{redacted_url(url)} is at revision {migrate.head()} (latest)")


@db.command()
@reports_errors
def current() -> None:
    """Show the schema revision the database is at."""
    url = database_url()
    revision = asyncio.run(migrate.current(url))
    latest = migrate.head()
    if revision is None:
        state = "not migrated; run `bitcode db upgrade`"
    elif revision == latest:
        state = f"at revision {revision} (latest)"
    else:
        state = f"at revision {revision}; {latest} is the latest"
    click.echo(f"{redacted_url(url)} is {state}")
