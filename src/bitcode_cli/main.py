"""Entry point of the ``bitcode`` command."""

from __future__ import annotations

import click


@click.group()
def cli() -> None:
    """BitCode: real-time competitive-programming battles."""
