"""How the CLI reports a BitCode error: one line naming the problem, exit 1."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import click

from bitcode_core.errors import BitCodeError

P = ParamSpec("P")
R = TypeVar("R")


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except BitCodeError as error:
            click.echo(f"bitcode: {error}", err=True)
            sys.exit(1)

    return wrapper


class UsageProblem(BitCodeError):
    code = "bad-usage"
    default_message = "The command was not used as intended."
