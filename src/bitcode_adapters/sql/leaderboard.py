"""Leaderboards answered by the database, from the ladder's ratings.

A page is a range of the board index (season, scope, rating descending,
player); a rank counts the ratings strictly higher, a range of that index
too. Every answer reads one snapshot, so its ranks agree with one another.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, FromClause, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bitcode_adapters.sql.database import Database
from bitcode_adapters.sql.tables import ladder_ratings, users
from bitcode_core.ladder.model import Board, Ranked

_rating = ladder_ratings.c.rating
_player = ladder_ratings.c.player


class SqlLeaderboard:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def page(self, board: Board, offset: int, limit: int) -> Sequence[Ranked]:
        async with self._database.connect() as connection:
            return await _page(connection, board, offset, limit)

    async def rank(self, board: Board, player: str) -> Ranked | None:
        async with self._database.connect() as connection:
            row = await _row(connection, board, player)
            if row is None:
                return None
            higher = await _count(connection, board, _rating > row.rating)
        return Ranked(higher + 1, row.player, row.rating, row.rated_battles)

    async def around(self, board: Board, player: str, size: int) -> Sequence[Ranked]:
        async with self._database.connect() as connection:
            row = await _row(connection, board, player)
            if row is None:
                return []
            ahead = or_(
                _rating > row.rating, and_(_rating == row.rating, _player < player)
            )
            at = await _count(connection, board, ahead)
            total = await _count(connection, board)
            start = max(0, min(at - size // 2, total - size))
            return await _page(connection, board, start, size)

    async def size(self, board: Board) -> int:
        async with self._database.connect() as connection:
            return await _count(connection, board)


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
    ranked: list[Ranked] = []
    for position, row in enumerate(rows, start=offset):
        if ranked and ranked[-1].rating == row.rating:
            rank = ranked[-1].rank
        elif ranked:
            rank = position + 1  # everyone listed before is rated higher
        else:
            # The first row may tie with rows on the page before.
            rank = 1 + await _count(connection, board, _rating > row.rating)
        ranked.append(Ranked(rank, row.player, row.rating, row.rated_battles))
    return ranked


async def _row(connection: AsyncConnection, board: Board, player: str) -> Any:
    statement = (
        select(_player, _rating, ladder_ratings.c.rated_battles)
        .select_from(_source(board))
        .where(*_on(board), _player == player)
    )
    return (await connection.execute(statement)).first()


async def _count(
    connection: AsyncConnection, board: Board, *where: ColumnElement[bool]
) -> int:
    statement = (
        select(func.count()).select_from(_source(board)).where(*_on(board), *where)
    )
    return int((await connection.execute(statement)).scalar_one())


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
