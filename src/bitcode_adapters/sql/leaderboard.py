"""Leaderboards answered by the database, from the ladder's ratings.

A page is a range of the board index (season, scope, rating descending,
player); a rank is one more than the ratings strictly higher, summed from the
board's one-point rating bands above the player's and counted in their own
(country boards count the ratings, joined to the players). Every answer
reads one snapshot, so its ranks agree with one another.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import ColumnElement, FromClause, and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bitcode_adapters.sql.database import Database
from bitcode_adapters.sql.ladder import band
from bitcode_adapters.sql.tables import ladder_rating_bands, ladder_ratings, users
from bitcode_core.ladder.model import Board, Ranked

_rating = ladder_ratings.c.rating
_player = ladder_ratings.c.player


class SqlLeaderboard:
    def __init__(self, database: Database) -> None:
        self._database = database

    @asynccontextmanager
    async def _snapshot(self) -> AsyncIterator[AsyncConnection]:
        # SQLite's read transaction is one snapshot; PostgreSQL's default
        # (read committed) takes a new one for every statement.
        async with self._database.connect() as connection:
            if self._database.is_postgres:
                await connection.execution_options(isolation_level="REPEATABLE READ")
            yield connection

    async def page(self, board: Board, offset: int, limit: int) -> Sequence[Ranked]:
        async with self._snapshot() as connection:
            return await _page(connection, board, offset, limit)

    async def rank(self, board: Board, player: str) -> Ranked | None:
        async with self._snapshot() as connection:
            row = await _row(connection, board, player)
            if row is None:
                return None
            higher = await _higher(connection, board, row.rating)
        return Ranked(higher + 1, row.player, row.rating, row.rated_battles)

    async def around(self, board: Board, player: str, size: int) -> Sequence[Ranked]:
        async with self._snapshot() as connection:
            row = await _row(connection, board, player)
            if row is None:
                return []
            # The nearest rows on each side, read along the board index from
            # the player outwards (no OFFSET, no count of the whole board).
            ahead = await _beside(connection, board, row, size - 1, ahead=True)
            behind = await _beside(connection, board, row, size - 1, ahead=False)
            shown_ahead = min(len(ahead), max(size // 2, size - 1 - len(behind)))
            window = [*reversed(ahead[:shown_ahead]), row]
            window += behind[: size - len(window)]
            first = window[0]
            higher = await _higher(connection, board, first.rating)
            tied_ahead = await _count(
                connection, board, _rating == first.rating, _player < first.player
            )
            return _ranked(window, higher + tied_ahead, higher + 1)

    async def size(self, board: Board) -> int:
        async with self._snapshot() as connection:
            if board.country is not None:
                return await _count(connection, board)
            return await _in_bands(connection, board)


async def _page(
    connection: AsyncConnection, board: Board, offset: int, limit: int
) -> list[Ranked]:
    statement = (
        select(_player, _rating, ladder_ratings.c.rated_battles)
        .select_from(_source(board))
        .where(*_on(board))
        .order_by(_rating.desc(), _player)
        .offset(offset)
        .limit(limit)
    )
    rows = (await connection.execute(statement)).all()
    if not rows:
        return []
    # The first row may tie with rows on the page before.
    higher = await _higher(connection, board, rows[0].rating)
    return _ranked(rows, offset, higher + 1)


def _ranked(rows: Sequence[Any], position: int, first_rank: int) -> list[Ranked]:
    """Ranks of consecutive board rows, the first at ``position`` (0-based)
    with ``first_rank``: a row rated as the one before shares its rank, any
    other's is one more than the number of rows before it."""
    ranked: list[Ranked] = []
    for at, row in enumerate(rows, start=position):
        if ranked and ranked[-1].rating == row.rating:
            rank = ranked[-1].rank
        elif ranked:
            rank = at + 1
        else:
            rank = first_rank
        ranked.append(Ranked(rank, row.player, row.rating, row.rated_battles))
    return ranked


async def _row(connection: AsyncConnection, board: Board, player: str) -> Any:
    statement = (
        select(_player, _rating, ladder_ratings.c.rated_battles)
        .select_from(_source(board))
        .where(*_on(board), _player == player)
    )
    return (await connection.execute(statement)).first()


async def _higher(connection: AsyncConnection, board: Board, rating: float) -> int:
    """How many on the board are rated strictly higher than ``rating``: the
    bands above its own, then the ratings in its own band. Country boards
    (a join with the players) count the ratings."""
    if board.country is not None:
        return await _count(connection, board, _rating > rating)
    own = band(rating)
    above = await _in_bands(connection, board, ladder_rating_bands.c.band > own)
    return above + await _count(connection, board, _rating > rating, _rating < own + 1)


async def _in_bands(
    connection: AsyncConnection, board: Board, *where: ColumnElement[bool]
) -> int:
    statement = select(func.coalesce(func.sum(ladder_rating_bands.c.players), 0)).where(
        ladder_rating_bands.c.season_id == board.season,
        ladder_rating_bands.c.scope == board.scope.value,
        *where,
    )
    return int((await connection.execute(statement)).scalar_one())


async def _count(
    connection: AsyncConnection, board: Board, *where: ColumnElement[bool]
) -> int:
    statement = (
        select(func.count()).select_from(_source(board)).where(*_on(board), *where)
    )
    return int((await connection.execute(statement)).scalar_one())


async def _beside(
    connection: AsyncConnection, board: Board, row: Any, limit: int, *, ahead: bool
) -> list[Any]:
    """Up to ``limit`` rows next to ``row`` on one side, nearest first."""
    found: list[Any] = []
    if ahead:
        ties = and_(_rating == row.rating, _player < row.player)
        tie_order = [_player.desc()]
        beyond = _rating > row.rating
        beyond_order = [_rating.asc(), _player.desc()]
    else:
        ties = and_(_rating == row.rating, _player > row.player)
        tie_order = [_player.asc()]
        beyond = _rating < row.rating
        beyond_order = [_rating.desc(), _player.asc()]
    for where, order in ((ties, tie_order), (beyond, beyond_order)):
        if len(found) == limit:
            break
        statement = (
            select(_player, _rating, ladder_ratings.c.rated_battles)
            .select_from(_source(board))
            .where(*_on(board), where)
            .order_by(*order)
            .limit(limit - len(found))
        )
        found += (await connection.execute(statement)).all()
    return found


def _source(board: Board) -> FromClause:
    if board.country is None:
        return ladder_ratings
    return ladder_ratings.join(users, users.c.id == _player)


def _on(board: Board) -> list[ColumnElement[bool]]:
    where = [
        ladder_ratings.c.season_id == board.season,
        ladder_ratings.c.scope == board.scope.value,
    ]
    if board.country is not None:
        where.append(users.c.country == board.country)
    return where
