"""``bitcode languages``: the language table and what this machine can run."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from bitcode_cli import bootstrap
from bitcode_cli.errors import reports_errors


@click.command("languages")
@click.option("--unsafe", is_flag=True, help="Allow running without bubblewrap.")
@reports_errors
def languages_command(unsafe: bool) -> None:
    """List languages and whether each can run here."""
    table = bootstrap.languages()
    judge = bootstrap.sandbox_judge(table, unsafe=unsafe)
    shown = Table("key", "name", "extensions", "available")
    for language in table:
        available = "yes" if judge.available(language) else "no (toolchain missing)"
        shown.add_row(
            language.key, language.name, " ".join(language.extensions), available
        )
    Console().print(shown)
