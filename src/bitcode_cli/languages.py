"""``bitcode languages``: the language table and what this machine can run."""

from __future__ import annotations

import asyncio

import click
from rich.console import Console
from rich.table import Table

from bitcode_adapters.judge0 import Judge0Judge
from bitcode_cli import bootstrap
from bitcode_cli.errors import reports_errors


@click.command("languages")
@click.option("--unsafe", is_flag=True, help="Allow running without bubblewrap.")
@reports_errors
def languages_command(unsafe: bool) -> None:
    """List languages and whether each can run here (or on Judge0, when
    JUDGE0_API_URL is set)."""
    table = bootstrap.languages()
    judge, close = bootstrap.judge(table, unsafe=unsafe)
    missing = "no (toolchain missing)"
    if isinstance(judge, Judge0Judge):
        asyncio.run(_connect(judge, close))
        missing = "no (not on the Judge0 server)"
    shown = Table("key", "name", "extensions", "available")
    for language in table:
        available = "yes" if judge.available(language) else missing
        shown.add_row(
            language.key, language.name, " ".join(language.extensions), available
        )
    Console().print(shown)


async def _connect(judge: Judge0Judge, close: bootstrap.Closer) -> None:
    try:
        await judge.connect(timeout_s=30)
    finally:
        await close()
