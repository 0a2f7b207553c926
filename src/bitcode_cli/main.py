"""Entry point of the ``bitcode`` command."""

from __future__ import annotations

import logging

import click

from bitcode_cli.battle import battle
from bitcode_cli.db import db
from bitcode_cli.ladder import leaderboards, ratings, seasons
from bitcode_cli.languages import languages_command
from bitcode_cli.questions import questions
from bitcode_cli.questions_import import import_
from bitcode_cli.serve import serve
from bitcode_cli.users import users


@click.group()
@click.option(
    "-v", "--verbose", count=True, help="Log warnings (repeat for info, debug)."
)
def cli(verbose: int) -> None:
    """BitCode: real-time competitive-programming battles."""
    # Quiet by default: a command that fails says so in one line of its own,
    # not after the warnings that led to it.
    level = logging.ERROR - 10 * min(verbose, 3)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s %(message)s")


questions.add_command(import_)
cli.add_command(battle)
cli.add_command(questions)
cli.add_command(languages_command)
cli.add_command(serve)
cli.add_command(users)
cli.add_command(db)
cli.add_command(seasons)
cli.add_command(ratings)
cli.add_command(leaderboards)
