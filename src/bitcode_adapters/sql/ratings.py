"""Player ratings in SQL.

The core's ``RatingStore`` port is synchronous (the local battle command drives it);
a server cannot block its event loop on a database, so this adapter offers the same
two operations as coroutines. It satisfies the port once the port grows an async
twin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from bitcode_adapters.sql.database import Database
from bitcode_adapters.sql.tables import player_ratings
from bitcode_core.ports import PlayerRating


class SqlPlayerRatings:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._insert = postgresql.insert if database.is_postgres else sqlite.insert

    async def get_many(self, players: Iterable[str]) -> Mapping[str, PlayerRating]:
        wanted = sorted(set(players))
        if not wanted:
            return {}
        statement = select(player_ratings).where(player_ratings.c.player.in_(wanted))
        async with self._database.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return {
            row.player: PlayerRating(row.player, row.rating, row.rated_battles)
            for row in rows
        }

    async def save_many(self, ratings: Iterable[PlayerRating]) -> None:
        # The last rating given for a player wins, as in a dict update.
        latest = {rating.player: rating for rating in ratings}
        if not latest:
            return
        statement = self._insert(player_ratings)
        statement = statement.on_conflict_do_update(
            index_elements=[player_ratings.c.player],
            set_={
                "rating": statement.excluded.rating,
                "rated_battles": statement.excluded.rated_battles,
            },
        )
        rows = [
            {"player": r.player, "rating": r.rating, "rated_battles": r.rated_battles}
            for r in sorted(latest.values(), key=lambda r: r.player)
        ]
        async with self._database.begin() as connection:
            await connection.execute(statement, rows)
