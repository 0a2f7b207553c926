"""Seasons in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.exc import IntegrityError

from bitcode_adapters.sql.database import Database
from bitcode_adapters.sql.tables import seasons
from bitcode_core.ladder.model import Season


class SqlSeasonRepository:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def all(self) -> Sequence[Season]:
        statement = select(seasons).order_by(seasons.c.number)
        async with self._database.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return [_season(row) for row in rows]

    async def add(self, season: Season) -> bool:
        statement = seasons.insert().values(
            id=season.id,
            number=season.number,
            name=season.name,
            starts_at=season.starts_at,
            ends_at=season.ends_at,
        )
        try:
            async with self._database.begin() as connection:
                await connection.execute(statement)
        except IntegrityError:
            # The number is unique: another instance began this season first.
            return False
        return True

    async def update(self, season: Season) -> None:
        statement = (
            update(seasons)
            .where(seasons.c.id == season.id)
            .values(
                name=season.name, starts_at=season.starts_at, ends_at=season.ends_at
            )
        )
        async with self._database.begin() as connection:
            await connection.execute(statement)


def _season(row: Row[Any]) -> Season:
    return Season(row.id, row.number, row.name, row.starts_at, row.ends_at)
