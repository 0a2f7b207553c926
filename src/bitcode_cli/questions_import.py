"""``bitcode questions import``: load problem packages into the server's catalog."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from bitcode_cli.errors import reports_errors
from bitcode_core.catalog.model import CatalogEntry
from bitcode_http.container import running
from bitcode_http.demo_bank import import_packages
from bitcode_http.settings import SettingsError, load_settings


@click.command("import")
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=Path))
@reports_errors
def import_(folders: tuple[Path, ...]) -> None:
    """Import packages (or folders of packages): new questions, or a new version
    of those that changed. Stops at the first bad package, naming its file."""
    try:
        settings = load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None

    async def run() -> list[CatalogEntry]:
        async with running(settings) as container:
            return await import_packages(
                container.catalog(), folders, container.languages()
            )

    for entry in asyncio.run(run()):
        click.echo(f"{entry.id}: version {entry.version}")
