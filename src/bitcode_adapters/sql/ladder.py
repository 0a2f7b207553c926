"""The ladder's ratings, their changes and the rated battles in SQL.

The battle store writes them, in the transaction that finishes a battle
(``read_book`` then ``store_update``); ``SqlLadderStore`` reads them and
replaces them on a rebuild.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    delete,
    func,
    select,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bitcode_adapters.ladder.codec import decode_rated_battle, encode_rated_battle
from bitcode_adapters.sql.database import Database
from bitcode_adapters.sql.tables import (
    battle_submissions,
    battles,
    ladder_changes,
    ladder_rating_bands,
    ladder_ratings,
    rated_battles,
    users,
)
from bitcode_core.arena.model import SubmissionStatus
from bitcode_core.ladder.model import (
    ALL_TIME,
    LadderChange,
    LadderKey,
    LadderRating,
    Outcome,
    Scope,
)
from bitcode_core.ladder.ports import PlayedStats
from bitcode_core.ladder.rules import LadderUpdate, RatedBattle
from bitcode_core.verdicts import Verdict

REPLACE_CHUNK = 1000  # rows per insert when a rebuild replaces every rating
_KEY = (ladder_ratings.c.season_id, ladder_ratings.c.scope, ladder_ratings.c.player)


class SqlLadderStore:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._postgres = database.is_postgres

    async def ratings(
        self, keys: Iterable[LadderKey]
    ) -> Mapping[LadderKey, LadderRating]:
        async with self._database.connect() as connection:
            return await read_book(connection, keys)

    async def changes(
        self, player: str, season: str, scope: Scope
    ) -> Sequence[LadderChange]:
        rated = rated_battles.c.battle_id == ladder_changes.c.battle_id
        statement = (
            select(ladder_changes)
            .join(rated_battles, rated)
            .where(
                ladder_changes.c.player == player,
                ladder_changes.c.season_id == season,
                ladder_changes.c.scope == scope.value,
            )
            .order_by(ladder_changes.c.at, rated_battles.c.seq)
        )
        async with self._database.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return [_change(row) for row in rows]

    async def rated_battles(self) -> Sequence[RatedBattle]:
        statement = select(rated_battles.c.battle).order_by(rated_battles.c.seq)
        async with self._database.connect() as connection:
            data = (await connection.execute(statement)).scalars().all()
        return [decode_rated_battle(d) for d in data]

    async def replace_all(self, ratings: Iterable[LadderRating]) -> None:
        rows = [_rating_row(r) for r in sorted(ratings, key=_order)]
        counted = Counter(_band_of(row) for row in rows)
        bands = [
            {"season_id": season, "scope": scope, "band": band, "players": n}
            for (season, scope, band), n in sorted(counted.items())
        ]
        async with self._database.begin(immediate=True) as connection:
            await connection.execute(delete(ladder_ratings))
            await connection.execute(delete(ladder_rating_bands))
            for start in range(0, len(rows), REPLACE_CHUNK):
                chunk = rows[start : start + REPLACE_CHUNK]
                await connection.execute(ladder_ratings.insert(), chunk)
            for start in range(0, len(bands), REPLACE_CHUNK):
                chunk = bands[start : start + REPLACE_CHUNK]
                await connection.execute(ladder_rating_bands.insert(), chunk)

    async def scan(
        self, after: LadderKey | None, limit: int
    ) -> Sequence[tuple[LadderRating, str | None]]:
        statement = (
            select(ladder_ratings, users.c.country)
            .outerjoin(users, users.c.id == ladder_ratings.c.player)
            .order_by(*_KEY)
            .limit(limit)
        )
        if after is not None:
            statement = statement.where(tuple_(*_KEY) > tuple_(*_key_values(after)))
        async with self._database.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return [(_rating(row), row.country) for row in rows]

    async def played(self, player: str, season: str, scope: Scope) -> PlayedStats:
        judged = self._judged(player, season, scope)
        language = judged.c.language
        if self._postgres:
            language = language.collate("C")  # ties by code point, as in Python
        favourite = (
            select(judged.c.language)
            .group_by(judged.c.language)
            .order_by(func.count().desc(), language)
            .limit(1)
        )
        solved = select(func.count(judged.c.question_id.distinct())).where(
            judged.c.verdict == Verdict.ACCEPTED.value
        )
        async with self._database.connect() as connection:
            chosen = (await connection.execute(favourite)).scalar_one_or_none()
            count = (await connection.execute(solved)).scalar_one()
        return PlayedStats(chosen, int(count))

    def _judged(self, player: str, season: str, scope: Scope) -> Any:
        """The player's judged submissions in the battles that count: rated in
        ``season`` (any, for all time) and played in ``scope``'s mode (any,
        overall). The player's submissions lead, by their index."""
        counted: list[ColumnElement[bool]] = [
            battle_submissions.c.player == player,
            battle_submissions.c.status == SubmissionStatus.JUDGED.value,
            battles.c.season_id.is_not(None)
            if season == ALL_TIME
            else battles.c.season_id == season,
        ]
        if scope is not Scope.OVERALL:
            counted.append(battles.c.mode == scope.value)
        statement: Select[Any] = (
            select(
                battle_submissions.c.language,
                battle_submissions.c.question_id,
                battle_submissions.c.verdict,
            )
            .join(battles, battles.c.id == battle_submissions.c.battle_id)
            .where(*counted)
        )
        return statement.subquery()


async def read_book(
    connection: AsyncConnection, keys: Iterable[LadderKey], *, lock: bool = False
) -> dict[LadderKey, LadderRating]:
    wanted = sorted(set(keys), key=_order)
    if not wanted:
        return {}
    statement = (
        select(ladder_ratings)
        .where(tuple_(*_KEY).in_([_key_values(k) for k in wanted]))
        .order_by(*_KEY)  # one lock order for every finish
    )
    if lock:
        statement = statement.with_for_update()
    rows = (await connection.execute(statement)).all()
    return {rating.key: rating for rating in map(_rating, rows)}


async def lock_players(connection: AsyncConnection, players: Iterable[str]) -> None:
    """Serialise PostgreSQL transactions that rate the same players, rows or no
    rows: a rating not stored yet has no row to lock, and two battles reading
    it absent at once would both start from scratch. Taken in one order, so
    two finishes never wait for each other."""
    for key in sorted({_lock_key(p) for p in players}):
        await connection.execute(select(func.pg_advisory_xact_lock(key)))


async def store_update(
    connection: AsyncConnection,
    update: LadderUpdate,
    book: Mapping[LadderKey, LadderRating],
    *,
    postgres: bool,
) -> None:
    """Write what a rated battle moved, over ``book`` (the ratings it read);
    called after the locks, so the rated battles' order is the order their
    updates were applied in."""
    insert = postgresql.insert if postgres else sqlite.insert
    await _move_bands(connection, update.ratings, book, insert)
    if update.ratings:
        upsert = insert(ladder_ratings)
        upsert = upsert.on_conflict_do_update(
            index_elements=list(_KEY),
            set_={
                column: upsert.excluded[column]
                for column in _rating_row(update.ratings[0])
                if column not in {"season_id", "scope", "player"}
            },
        )
        rows = [_rating_row(r) for r in sorted(update.ratings, key=_order)]
        await connection.execute(upsert, rows)
    if update.changes:
        changes = [_change_row(c) for c in update.changes]
        await connection.execute(ladder_changes.insert(), changes)
    await connection.execute(
        rated_battles.insert().values(
            battle_id=update.battle.battle_id,
            battle=encode_rated_battle(update.battle),
        )
    )


async def _move_bands(
    connection: AsyncConnection,
    ratings: Sequence[LadderRating],
    book: Mapping[LadderKey, LadderRating],
    insert: Any,
) -> None:
    moved: Counter[tuple[str, str, int]] = Counter()
    for rating in ratings:
        earlier = book.get(rating.key)
        if earlier is not None:
            moved[_band_of(_rating_row(earlier))] -= 1
        moved[_band_of(_rating_row(rating))] += 1
    # One statement, its rows in one order in every transaction: two finishes
    # moving the same bands wait for each other rather than deadlock.
    rows = [
        {"season_id": season, "scope": scope, "band": band, "players": change}
        for (season, scope, band), change in sorted(moved.items())
        if change != 0
    ]
    if not rows:
        return
    upsert = insert(ladder_rating_bands).values(rows)
    upsert = upsert.on_conflict_do_update(
        index_elements=["season_id", "scope", "band"],
        set_={"players": ladder_rating_bands.c.players + upsert.excluded.players},
    )
    await connection.execute(upsert)


def band(rating: float) -> int:
    """The one-point band a rating falls in."""
    return math.floor(rating)


def _band_of(row: Mapping[str, Any]) -> tuple[str, str, int]:
    return (row["season_id"], row["scope"], band(row["rating"]))


def _lock_key(player: str) -> int:
    digest = hashlib.blake2b(f"ladder:{player}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _order(item: LadderKey | LadderRating) -> tuple[str, str, str]:
    return (item.season, item.scope.value, item.player)


def _key_values(key: LadderKey) -> tuple[str, str, str]:
    return (key.season, key.scope.value, key.player)


def _rating_row(rating: LadderRating) -> dict[str, Any]:
    return {
        "season_id": rating.season,
        "scope": rating.scope.value,
        "player": rating.player,
        "rating": rating.rating,
        "rated_battles": rating.rated_battles,
        "best": rating.best,
        "wins": rating.wins,
        "losses": rating.losses,
        "draws": rating.draws,
        "streak": rating.streak,
        "last_at": rating.last_at,
    }


def _rating(row: Row[Any]) -> LadderRating:
    return LadderRating(
        season=row.season_id,
        scope=Scope(row.scope),
        player=row.player,
        rating=row.rating,
        rated_battles=row.rated_battles,
        best=row.best,
        wins=row.wins,
        losses=row.losses,
        draws=row.draws,
        streak=row.streak,
        last_at=row.last_at,
    )


def _change_row(change: LadderChange) -> dict[str, Any]:
    return {
        "battle_id": change.battle_id,
        "player": change.player,
        "season_id": change.season,
        "scope": change.scope.value,
        "before": change.before,
        "after": change.after,
        "k": change.k,
        "at": change.at,
        "outcome": change.outcome.value,
    }


def _change(row: Row[Any]) -> LadderChange:
    return LadderChange(
        battle_id=row.battle_id,
        player=row.player,
        season=row.season_id,
        scope=Scope(row.scope),
        before=row.before,
        after=row.after,
        k=row.k,
        at=row.at,
        outcome=Outcome(row.outcome),
    )
