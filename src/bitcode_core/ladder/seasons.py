"""Seasons follow one another without gaps, so exactly one is current at any
moment: a scheduled season begins when the one before ends, and when the
last one ends with nothing scheduled, the next begins by itself, as long as
the one before it."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

from bitcode_core.errors import InvalidInput
from bitcode_core.ladder.model import Season

DEFAULT_LENGTH_S = 90 * 86_400.0
# A scheduled season lasts at least a day, as SEASON_LENGTH_DAYS does: the
# seasons that follow on by themselves are as long, and every one missed while
# nobody asked begins on the next read.
MIN_LENGTH_S = 86_400.0
LATEST_END = 32_503_680_000.0  # the year 3000
MAX_NAME = 64


def current(seasons: Sequence[Season], at: float) -> Season | None:
    return next((s for s in seasons if s.contains(at)), None)


def previous(seasons: Sequence[Season], season: Season) -> Season | None:
    return next((s for s in seasons if s.number == season.number - 1), None)


def due(
    seasons: Sequence[Season],
    at: float,
    new_id: Callable[[], str],
    length_s: float = DEFAULT_LENGTH_S,
) -> list[Season]:
    """The seasons to add so that one contains ``at``: the first from ``at``,
    then each next as long as the last, named by number."""
    if not seasons:
        return [Season(new_id(), 1, "Season 1", at, at + length_s)]
    last = max(seasons, key=lambda s: s.number)
    added: list[Season] = []
    while last.ends_at <= at:
        span = last.ends_at - last.starts_at
        number = last.number + 1
        last = Season(
            new_id(), number, f"Season {number}", last.ends_at, last.ends_at + span
        )
        added.append(last)
    return added


def scheduled(
    seasons: Sequence[Season],
    *,
    season_id: str,
    name: str,
    ends_at: float,
    starts_at: float | None,
    now: float,
) -> Season:
    """A new season after the last one: it starts when that one ends (the
    first one at ``starts_at``, or now) and must end after it starts."""
    name = _checked_name(name)
    if seasons:
        last = max(seasons, key=lambda s: s.number)
        begins = last.ends_at
        if starts_at is not None and starts_at != begins:
            raise InvalidInput(
                "a season starts when the one before ends; leave starts_at out",
                field="starts_at",
            )
        number = last.number + 1
    else:
        begins = now if starts_at is None else starts_at
        if begins < now:
            raise InvalidInput(
                "a season cannot start in the past; leave starts_at out to "
                "start it now",
                field="starts_at",
            )
        number = 1
    if ends_at <= begins:
        raise InvalidInput("a season must end after it starts", field="ends_at")
    _check_span(begins, ends_at)
    return Season(season_id, number, name, begins, ends_at)


def changed(
    seasons: Sequence[Season],
    season: Season,
    *,
    name: str | None,
    ends_at: float | None,
    now: float,
) -> Season:
    """A season renamed, or the last one given a new end (not in the past,
    and never before it starts): the ones before it stay as they were."""
    new_name = _checked_name(name) if name is not None else season.name
    new_end = season.ends_at
    if ends_at is not None:
        last = max(seasons, key=lambda s: s.number)
        if season.number != last.number:
            raise InvalidInput("only the last season's end can move", field="ends_at")
        if ends_at <= max(now, season.starts_at):
            raise InvalidInput(
                "a season's end cannot move into the past", field="ends_at"
            )
        if season.ends_at <= now:
            raise InvalidInput("that season is over", field="ends_at")
        _check_span(season.starts_at, ends_at)
        new_end = ends_at
    return Season(season.id, season.number, new_name, season.starts_at, new_end)


def _check_span(starts_at: float, ends_at: float) -> None:
    if ends_at - starts_at < MIN_LENGTH_S:
        raise InvalidInput("a season lasts at least a day", field="ends_at")
    if ends_at > LATEST_END:
        raise InvalidInput("a season must end before the year 3000", field="ends_at")


def _checked_name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= MAX_NAME:
        raise InvalidInput(
            f"a season's name takes 1 to {MAX_NAME} characters", field="name"
        )
    # PostgreSQL cannot store NUL in text; no control character shows well.
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise InvalidInput(
            "a season's name cannot hold control characters", field="name"
        )
    return name
