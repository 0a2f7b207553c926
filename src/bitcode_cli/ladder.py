"""``bitcode seasons``, ``bitcode ratings`` and ``bitcode leaderboards``:
the operator's side of the ladder, on the server's database (and Redis)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import click

from bitcode_cli.errors import UsageProblem, reports_errors
from bitcode_core.accounts.model import Principal, Role
from bitcode_core.ladder.ladder import Ladder
from bitcode_core.ladder.model import Season
from bitcode_http.container import running
from bitcode_http.settings import SettingsError, load_settings

T = TypeVar("T")
# The operator at the console acts as an admin.
OPERATOR = Principal("operator", "console", Role.ADMIN)


def with_ladder(action: Callable[[Ladder], Awaitable[T]]) -> T:
    try:
        settings = load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None

    async def run() -> T:
        async with running(settings) as container:
            return await action(container.ladder())

    return asyncio.run(run())


def _when(text: str, option: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageProblem(
            f"{option} takes a date and time such as 2027-03-01T00:00:00Z"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _describe(season: Season, current_season: Season) -> str:
    start = datetime.fromtimestamp(season.starts_at, UTC).isoformat(timespec="seconds")
    end = datetime.fromtimestamp(season.ends_at, UTC).isoformat(timespec="seconds")
    current = "  (current)" if season.id == current_season.id else ""
    return f"{season.number:>3}  {season.id}  {season.name}  {start} .. {end}{current}"


@click.group()
def seasons() -> None:
    """Seasons: list, schedule the next, rename or move the last one's end."""


@seasons.command("list")
@reports_errors
def list_seasons() -> None:
    """Every season, first first; the current one is marked."""

    async def read(ladder: Ladder) -> list[str]:
        current = await ladder.current_season()
        return [_describe(s, current) for s in await ladder.seasons()]

    for line in with_ladder(read):
        click.echo(line)


@seasons.command("create")
@click.option("--name", required=True)
@click.option("--ends", required=True, help="When it ends (ISO 8601, UTC if no zone).")
@click.option("--starts", help="Only for the first season (later ones follow on).")
@reports_errors
def create(name: str, ends: str, starts: str | None) -> None:
    """Schedule the next season: it begins when the last one ends."""
    ends_at = _when(ends, "--ends")
    starts_at = _when(starts, "--starts") if starts else None

    async def schedule(ladder: Ladder) -> str:
        # Scheduled before anything asks for the current season, which would
        # begin a first season by itself and leave --starts nothing to set.
        season = await ladder.schedule(
            OPERATOR, name=name, ends_at=ends_at, starts_at=starts_at
        )
        return _describe(season, await ladder.current_season())

    click.echo(f"scheduled {with_ladder(schedule)}")


@seasons.command("update")
@click.argument("season_id")
@click.option("--name")
@click.option("--ends", help="A new end for the last season (ISO 8601).")
@reports_errors
def update(season_id: str, name: str | None, ends: str | None) -> None:
    """Rename a season, or move the last season's end."""
    if name is None and ends is None:
        raise UsageProblem("give --name, --ends or both")
    ends_at = _when(ends, "--ends") if ends else None

    async def change(ladder: Ladder) -> str:
        season = await ladder.change_season(
            OPERATOR, season_id, name=name, ends_at=ends_at
        )
        return _describe(season, await ladder.current_season())

    click.echo(f"updated {with_ladder(change)}")


@click.group()
def ratings() -> None:
    """Ratings: rebuild every rating from the recorded battles."""


@ratings.command("rebuild")
@click.option(
    "--check", is_flag=True, help="Only compare: exit 1 if any stored rating differs."
)
@reports_errors
def rebuild(check: bool) -> None:
    """Replay every rated battle in the order it was rated."""
    report = with_ladder(lambda ladder: ladder.rebuild_ratings(write=not check))
    click.echo(
        f"{report.battles} rated battles, {report.ratings} ratings, "
        f"{report.differed} differed from the stored ones"
        + ("" if check or not report.differed else " (now replaced)")
    )
    if check and report.differed:
        raise SystemExit(1)


@click.group()
def leaderboards() -> None:
    """Leaderboards: refill the Redis index from the database."""


@leaderboards.command("rebuild")
@reports_errors
def rebuild_index() -> None:
    """Rebuild the rank index in Redis from the database (REDIS_URL needed)."""

    async def rebuild(ladder: Ladder) -> int | None:
        return await ladder.rebuild_index() if ladder.has_index else None

    count = with_ladder(rebuild)
    if count is None:
        click.echo("no REDIS_URL: the leaderboards are read from the database")
    else:
        click.echo(f"indexed {count} ratings")
