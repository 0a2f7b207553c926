"""Live battles and their submissions in SQL.

Every change that two instances may make at once is a compare-and-set or
runs under the battle's row lock: PostgreSQL's ``SELECT ... FOR UPDATE``, or
SQLite's write lock taken when the transaction begins (``immediate``). A
finished battle's result, the ladder ratings it moves, their changes and the
battle's place in the order of rated battles are written in the one
transaction that sees the battle still running.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Row, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bitcode_adapters.arena import codec
from bitcode_adapters.arena.cursor import history_cursor, parse_history_cursor
from bitcode_adapters.rooms.codec import decode_settings, encode_settings
from bitcode_adapters.sql.database import Database
from bitcode_adapters.sql.ladder import lock_players, read_book, store_update
from bitcode_adapters.sql.tables import (
    battle_players,
    battle_submissions,
    battles,
)
from bitcode_core.arena.model import (
    BattleStatus,
    BattleSubmission,
    LiveBattle,
    SubmissionStatus,
)
from bitcode_core.arena.ports import BattlePage, Decide, Finished
from bitcode_core.errors import Conflict, NotFound
from bitcode_core.ladder.model import LadderKey
from bitcode_core.verdicts import SubmissionResult, Verdict

_QUEUED = SubmissionStatus.QUEUED.value


class SqlBattleRepository:
    def __init__(self, database: Database) -> None:
        self._database = database
        # Order ids by code point, as Python does, whatever the database's locale.
        self._id_order = (
            battles.c.id.collate("C") if database.is_postgres else battles.c.id
        )

    async def add(self, battle: LiveBattle) -> None:
        try:
            async with self._database.begin() as connection:
                await _insert_battle(connection, battle)
        except IntegrityError as error:
            raise Conflict(f"battle {battle.id!r} exists already") from error

    async def get(self, battle_id: str) -> LiveBattle | None:
        async with self._database.connect() as connection:
            return await _battle(connection, battle_id)

    async def begin(self, battle_id: str) -> bool:
        statement = (
            update(battles)
            .where(
                battles.c.id == battle_id,
                battles.c.status == BattleStatus.COUNTDOWN.value,
            )
            .values(status=BattleStatus.RUNNING.value)
        )
        async with self._database.begin() as connection:
            return (await connection.execute(statement)).rowcount == 1

    async def add_forfeit(self, battle_id: str, player: str, at: float) -> bool:
        async with self._database.begin(immediate=True) as connection:
            battle = await _battle(connection, battle_id, lock=True)
            if (
                battle is None
                or battle.status is BattleStatus.FINISHED
                or battle.forfeited(player)
            ):
                return False
            forfeits = battle.with_forfeit(player, at).forfeits
            await _set(connection, battle_id, forfeits=codec.encode_forfeits(forfeits))
            return True

    async def finish(
        self,
        battle_id: str,
        keys: Sequence[LadderKey],
        decide: Decide,
        discard: Sequence[str],
    ) -> Finished | None:
        async with self._database.begin(immediate=True) as connection:
            battle = await _battle(connection, battle_id, lock=True)
            if battle is None or battle.status is not BattleStatus.RUNNING:
                return None
            if self._database.is_postgres:
                await lock_players(connection, (k.player for k in keys))
            book = await read_book(connection, keys, lock=True)
            result, update = decide(book)
            await _set(
                connection,
                battle_id,
                status=BattleStatus.FINISHED.value,
                result=codec.encode_result(result),
                ended_at=result.ended_at,
                season_id=update.battle.season if update else None,
            )
            if update is not None:
                await store_update(
                    connection, update, book, postgres=self._database.is_postgres
                )
            await _discard(connection, discard)
            return result, update

    async def vote_rematch(self, battle_id: str, player: str) -> LiveBattle:
        async with self._database.begin(immediate=True) as connection:
            battle = await _battle(connection, battle_id, lock=True)
            if battle is None:
                raise NotFound(f"no battle {battle_id!r}")
            voted = replace(battle, rematch_votes=battle.rematch_votes | {player})
            votes = codec.encode_votes(voted.rematch_votes)
            await _set(connection, battle_id, rematch_votes=votes)
            return voted

    async def link_rematch(self, battle_id: str, rematch: LiveBattle) -> bool:
        link = (
            update(battles)
            .where(battles.c.id == battle_id, battles.c.rematch.is_(None))
            .values(rematch=rematch.id)
        )
        async with self._database.begin() as connection:
            if (await connection.execute(link)).rowcount != 1:
                return False
            await _insert_battle(connection, rematch)
            return True

    async def due(self, now: float, limit: int) -> Sequence[str]:
        over = or_(
            and_(
                battles.c.status == BattleStatus.COUNTDOWN.value,
                battles.c.starts_at <= now,
            ),
            and_(
                battles.c.status == BattleStatus.RUNNING.value,
                battles.c.ends_at <= now,
            ),
        )
        statement = select(battles.c.id).where(over).limit(limit)
        async with self._database.connect() as connection:
            return list((await connection.execute(statement)).scalars())

    async def running(self) -> Sequence[str]:
        statement = select(battles.c.id).where(
            battles.c.status != BattleStatus.FINISHED.value
        )
        async with self._database.connect() as connection:
            return list((await connection.execute(statement)).scalars())

    async def history(self, player: str, cursor: str | None, limit: int) -> BattlePage:
        after = parse_history_cursor(cursor)
        statement = (
            select(battles)
            .join(battle_players, battle_players.c.battle_id == battles.c.id)
            .where(battle_players.c.player == player, battles.c.result.is_not(None))
            .order_by(battles.c.ended_at.desc(), self._id_order.desc())
            .limit(limit + 1)
        )
        if after is not None:
            at, last = after
            statement = statement.where(
                or_(
                    battles.c.ended_at < at,
                    and_(battles.c.ended_at == at, self._id_order < last),
                )
            )
        async with self._database.connect() as connection:
            rows = (await connection.execute(statement)).all()
        page = tuple(_live(row) for row in rows[:limit])
        more = len(rows) > limit
        return BattlePage(page, history_cursor(page[-1]) if more and page else None)


class SqlSubmissionRepository:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def add(
        self,
        submission: BattleSubmission,
        holder: str,
        lease_until: float,
        max_queued: int | None = None,
    ) -> tuple[BattleSubmission, bool] | None:
        row = _submission_row(submission)
        statement = battle_submissions.insert().values(
            **row, holder=holder, lease_until=lease_until
        )
        try:
            async with self._database.begin(
                immediate=max_queued is not None
            ) as connection:
                if max_queued is not None:
                    # Counted under the player's lock, so two requests at
                    # once cannot both take the last place.
                    await _lock_player(connection, submission)
                    earlier = await _same_key(connection, submission)
                    if earlier is not None:
                        return earlier, False
                    waiting = await _queued(
                        connection, submission.battle_id, submission.player
                    )
                    if waiting >= max_queued:
                        return None
                await connection.execute(statement)
        except IntegrityError as error:
            # Inserting first and asking after keeps the race to the
            # constraint: the loser of two resends finds the winner here.
            async with self._database.connect() as connection:
                earlier = await _same_key(connection, submission)
            if earlier is None:
                raise Conflict(
                    f"submission {submission.id!r} exists, or its battle does not"
                ) from error
            return earlier, False
        return submission, True

    async def get(self, submission_id: str) -> BattleSubmission | None:
        statement = select(battle_submissions).where(
            battle_submissions.c.id == submission_id
        )
        async with self._database.connect() as connection:
            row = (await connection.execute(statement)).first()
        return _submission(row) if row else None

    async def of_battle(self, battle_id: str) -> Sequence[BattleSubmission]:
        statement = (
            select(battle_submissions)
            .where(battle_submissions.c.battle_id == battle_id)
            .order_by(battle_submissions.c.submitted_at, battle_submissions.c.seq)
        )
        async with self._database.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return [_submission(row) for row in rows]

    async def queued_of(self, battle_id: str, player: str) -> int:
        async with self._database.connect() as connection:
            return await _queued(connection, battle_id, player)

    async def judged(
        self, submission_id: str, result: SubmissionResult, at: float
    ) -> BattleSubmission | None:
        statement = (
            update(battle_submissions)
            .where(
                battle_submissions.c.id == submission_id,
                battle_submissions.c.status == _QUEUED,
            )
            .values(
                status=SubmissionStatus.JUDGED.value,
                verdict=result.verdict.value,
                tests=codec.encode_tests(result.tests),
                tests_total=result.total_tests,
                compile_log=result.compile_log,
                judged_at=at,
                holder=None,
                lease_until=None,
            )
        )
        async with self._database.begin() as connection:
            if (await connection.execute(statement)).rowcount != 1:
                return None
            return await _load_submission(connection, submission_id)

    async def renew(
        self, submission_ids: Sequence[str], holder: str, lease_until: float
    ) -> None:
        if not submission_ids:
            return
        statement = (
            update(battle_submissions)
            .where(
                battle_submissions.c.id.in_(sorted(submission_ids)),
                battle_submissions.c.holder == holder,
            )
            .values(lease_until=lease_until)
        )
        async with self._database.begin() as connection:
            await connection.execute(statement)

    async def claim_stale(
        self, holder: str, now: float, lease_until: float, limit: int
    ) -> Sequence[BattleSubmission]:
        stale = and_(
            battle_submissions.c.status == _QUEUED,
            battle_submissions.c.lease_until < now,
        )
        # Two claimers on PostgreSQL pass each other's rows by; on SQLite the
        # second waits for the first's write lock and sees its new leases.
        candidates = (
            select(battle_submissions)
            .where(stale)
            .order_by(battle_submissions.c.seq)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        async with self._database.begin(immediate=True) as connection:
            rows = (await connection.execute(candidates)).all()
            if not rows:
                return []
            claim = (
                update(battle_submissions)
                .where(stale, battle_submissions.c.seq.in_([r.seq for r in rows]))
                .values(holder=holder, lease_until=lease_until)
            )
            await connection.execute(claim)
        return [_submission(row) for row in rows]


async def _lock_player(
    connection: AsyncConnection, submission: BattleSubmission
) -> None:
    """PostgreSQL: hold the player's seat in the battle until the commit
    (SQLite's write lock, taken at the start, already serialises)."""
    seat = (
        select(battle_players.c.player)
        .where(
            battle_players.c.battle_id == submission.battle_id,
            battle_players.c.player == submission.player,
        )
        .with_for_update()
    )
    await connection.execute(seat)


async def _same_key(
    connection: AsyncConnection, submission: BattleSubmission
) -> BattleSubmission | None:
    if submission.key is None:
        return None
    statement = select(battle_submissions).where(
        battle_submissions.c.battle_id == submission.battle_id,
        battle_submissions.c.player == submission.player,
        battle_submissions.c.key == submission.key,
    )
    row = (await connection.execute(statement)).first()
    return _submission(row) if row else None


async def _queued(connection: AsyncConnection, battle_id: str, player: str) -> int:
    statement = select(func.count()).where(
        battle_submissions.c.battle_id == battle_id,
        battle_submissions.c.player == player,
        battle_submissions.c.status == _QUEUED,
    )
    return int((await connection.execute(statement)).scalar_one())


async def _insert_battle(connection: AsyncConnection, battle: LiveBattle) -> None:
    await connection.execute(battles.insert().values(**_battle_row(battle)))
    players = [
        {"battle_id": battle.id, "player": player, "side": side.index}
        for side in battle.sides
        for player in side.members
    ]
    if players:
        await connection.execute(battle_players.insert(), players)


async def _battle(
    connection: AsyncConnection, battle_id: str, *, lock: bool = False
) -> LiveBattle | None:
    statement = select(battles).where(battles.c.id == battle_id)
    if lock:
        statement = statement.with_for_update()
    row = (await connection.execute(statement)).first()
    return _live(row) if row else None


async def _set(connection: AsyncConnection, battle_id: str, **values: Any) -> None:
    await connection.execute(
        update(battles).where(battles.c.id == battle_id).values(**values)
    )


async def _discard(connection: AsyncConnection, submission_ids: Sequence[str]) -> None:
    if not submission_ids:
        return
    await connection.execute(
        update(battle_submissions)
        .where(
            battle_submissions.c.id.in_(sorted(submission_ids)),
            battle_submissions.c.status == _QUEUED,
        )
        .values(status=SubmissionStatus.DISCARDED.value, holder=None, lease_until=None)
    )


async def _load_submission(
    connection: AsyncConnection, submission_id: str
) -> BattleSubmission:
    statement = select(battle_submissions).where(
        battle_submissions.c.id == submission_id
    )
    return _submission((await connection.execute(statement)).one())


def _battle_row(battle: LiveBattle) -> dict[str, Any]:
    result = battle.result
    return {
        "id": battle.id,
        "room_id": battle.room_id,
        "status": battle.status.value,
        "created_at": battle.created_at,
        "starts_at": battle.starts_at,
        "ends_at": battle.ends_at,
        "penalty_s": battle.penalty_s,
        "previous": battle.previous,
        "rematch": battle.rematch,
        "settings": encode_settings(battle.settings).decode(),
        "sides": codec.encode_sides(battle.sides),
        "questions": codec.encode_questions(battle.questions),
        "names": codec.encode_names(battle.names),
        "forfeits": codec.encode_forfeits(battle.forfeits),
        "rematch_votes": codec.encode_votes(battle.rematch_votes),
        "result": codec.encode_result(result) if result else None,
        "ended_at": result.ended_at if result else None,
        "mode": battle.settings.mode.value,
        "season_id": result.season if result else None,
    }


def _live(row: Row[Any]) -> LiveBattle:
    return LiveBattle(
        id=row.id,
        room_id=row.room_id,
        settings=decode_settings(row.settings),
        sides=codec.decode_sides(row.sides),
        questions=codec.decode_questions(row.questions),
        names=codec.decode_names(row.names),
        created_at=row.created_at,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        status=BattleStatus(row.status),
        penalty_s=row.penalty_s,
        previous=row.previous,
        forfeits=codec.decode_forfeits(row.forfeits),
        rematch_votes=codec.decode_votes(row.rematch_votes),
        rematch=row.rematch,
        result=codec.decode_result(row.result) if row.result else None,
    )


def _submission_row(submission: BattleSubmission) -> dict[str, Any]:
    verdict = submission.verdict
    return {
        "id": submission.id,
        "battle_id": submission.battle_id,
        "player": submission.player,
        "question_id": submission.question_id,
        "language": submission.language,
        "source": submission.source,
        "submitted_at": submission.submitted_at,
        "key": submission.key,
        "status": submission.status.value,
        "verdict": verdict.value if verdict else None,
        "tests": codec.encode_tests(submission.tests),
        "tests_total": submission.tests_total,
        "compile_log": submission.compile_log,
        "judged_at": submission.judged_at,
    }


def _submission(row: Row[Any]) -> BattleSubmission:
    return BattleSubmission(
        id=row.id,
        battle_id=row.battle_id,
        player=row.player,
        question_id=row.question_id,
        language=row.language,
        source=bytes(row.source),
        submitted_at=row.submitted_at,
        key=row.key,
        status=SubmissionStatus(row.status),
        verdict=Verdict(row.verdict) if row.verdict else None,
        tests=codec.decode_tests(row.tests),
        tests_total=row.tests_total,
        compile_log=row.compile_log,
        judged_at=row.judged_at,
    )
