"""Leaderboards at a million players: top 100, one player's rank and the 21
around them, through the Redis rank index and through PostgreSQL, against a
raw ZRANK on the same Redis (the floor: one round trip, no work of ours);
and the time to apply one rated battle's result (the database transaction
that stores it with its ladder ratings, then the index update).

It seeds a throwaway PostgreSQL database (COPY) with 1,000,000 rated players
on one board, builds the Redis index from it (timed), then measures each
query many times on random players and prints medians and p99s, with each
figure's ratio to the raw ZRANK measured in the same run.

    uv run nox -s bench -- ladder
    uv run python benchmarks/bench_ladder.py --players N --repeats R
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import re
import shutil
import statistics
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import psycopg
from redis.asyncio import Redis

from bitcode_adapters.ladder import RedisRankIndex
from bitcode_adapters.sql import (
    Database,
    SqlBattleRepository,
    SqlLadderStore,
    SqlLeaderboard,
)
from bitcode_adapters.sql.migrate import upgrade
from bitcode_core.arena.model import (
    BattleResult,
    BattleSide,
    LiveBattle,
    QuestionRef,
    SideStanding,
    rated_battle,
    with_ratings,
)
from bitcode_core.battles import EndReason
from bitcode_core.ladder.model import Board, LadderKey, LadderRating, Scope
from bitcode_core.ladder.rules import (
    LadderRules,
    LadderUpdate,
    RatedBattle,
    keys_needed,
    rate,
)
from bitcode_core.rooms.settings import ChosenQuestions, Mode, RoomSettings

SERVER = "postgresql://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/0"
SEASON = "bench-season"
BOARD = Board(SEASON, Scope.OVERALL)


def player(n: int) -> str:
    return f"p{n:07d}"


def seed_rows(players: int, seed: int = 6) -> io.StringIO:
    chooser = random.Random(seed)  # noqa: S311 - reproducible data, no secret
    rows = io.StringIO()
    for n in range(players):
        rating = round(chooser.gauss(1500, 300), 3)
        played = chooser.randint(1, 300)
        wins = chooser.randint(0, played)
        rows.write(
            f"{SEASON}\toverall\t{player(n)}\t{rating}\t{played}\t{rating}\t"
            f"{wins}\t{played - wins}\t0\t0\t0\n"
        )
    rows.seek(0)
    return rows


def seed_database(url: str, players: int) -> float:
    started = time.perf_counter()
    with psycopg.connect(url) as connection:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO seasons (id, number, name, starts_at, ends_at) "
                "VALUES (%s, 1, 'Bench', 0, 4102444800)",
                (SEASON,),
            )
            copy = (
                "COPY ladder_ratings (season_id, scope, player, rating, "
                "rated_battles, best, wins, losses, draws, streak, last_at) FROM STDIN"
            )
            with cursor.copy(copy) as feed:
                feed.write(seed_rows(players).getvalue())
            # The rating bands the ladder store keeps beside the ratings.
            cursor.execute(
                "INSERT INTO ladder_rating_bands (season_id, scope, band, players) "
                "SELECT season_id, scope, floor(rating)::int, count(*) "
                "FROM ladder_ratings GROUP BY 1, 2, 3"
            )
        connection.commit()
        # The steady state autovacuum reaches on a live server: statistics,
        # and a visibility map that lets counts read the index alone.
        connection.autocommit = True
        connection.execute("VACUUM (ANALYZE) ladder_ratings")
    return time.perf_counter() - started


async def timed(
    action: Callable[[], Awaitable[Any]], times: int
) -> tuple[float, float]:
    """Median and p99 of ``times`` calls, in milliseconds."""
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        await action()
        spent.append((time.perf_counter() - started) * 1000)
    spent.sort()
    return statistics.median(spent), spent[min(len(spent) - 1, int(len(spent) * 0.99))]


def redis_benchmark(key: str, member: str, requests: int) -> float | None:
    """Milliseconds a ZRANK as redis-benchmark measures it (one client, no
    pipelining), or None where the tool is missing."""
    tool = shutil.which("redis-benchmark")
    if tool is None:
        return None
    done = subprocess.run(
        [tool, "-q", "-c", "1", "-n", str(requests), "ZRANK", key, member],
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"([0-9.]+) requests per second", done.stdout)
    return 1000 / float(found.group(1)) if found else None


def a_battle(number: int, one: str, two: str) -> LiveBattle:
    settings = RoomSettings(
        mode=Mode.DUEL,
        sides=2,
        seats_per_side=1,
        questions=ChosenQuestions(("q",)),
        languages=frozenset({"python3"}),
        time_limit_s=600,
        rated=True,
    )
    return LiveBattle(
        id=f"bench{number:06d}",
        room_id=f"room{number:06d}",
        settings=settings,
        sides=(BattleSide(0, (one,)), BattleSide(1, (two,))),
        questions=(QuestionRef("q", 1),),
        names={one: one, two: two},
        created_at=1.0,
        starts_at=2.0,
        ends_at=602.0,
    )


async def apply_results(
    database: Database,
    index: RedisRankIndex,
    players: int,
    times: int,
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Median and p99 of finishing a rated duel (the transaction), and of
    the index update after it."""
    battles = SqlBattleRepository(database)
    rules = LadderRules()
    chooser = random.Random(9)  # noqa: S311
    stored_ms, indexed_ms = [], []
    for number in range(times):
        one, two = (player(n) for n in chooser.sample(range(players), 2))
        battle = a_battle(number, one, two)
        await battles.add(battle)
        await battles.begin(battle.id)
        result = BattleResult(
            EndReason.ALL_SOLVED,
            300.0 + number,
            (
                SideStanding(0, 1, 1, 300.0, 0.0, left=False),
                SideStanding(1, 2, 0, 0.0, 0.0, left=False),
            ),
        )
        rated = rated_battle(battle, result, SEASON, None)
        decide = _decider(rated, result, rules)
        started = time.perf_counter()
        finished = await battles.finish(battle.id, keys_needed(rated), decide, ())
        stored = time.perf_counter()
        assert finished is not None
        _, update = finished
        assert update is not None
        await index.put(update.ratings, {one: None, two: None})
        indexed = time.perf_counter()
        stored_ms.append((stored - started) * 1000)
        indexed_ms.append((indexed - stored) * 1000)

    return _summary(stored_ms), _summary(indexed_ms)


def _decider(
    rated: RatedBattle, result: BattleResult, rules: LadderRules
) -> Callable[[Mapping[LadderKey, LadderRating]], tuple[BattleResult, LadderUpdate]]:
    def decide(
        book: Mapping[LadderKey, LadderRating],
    ) -> tuple[BattleResult, LadderUpdate]:
        update = rate(rated, book, rules)
        return with_ratings(result, update, SEASON), update

    return decide


def _summary(spent: list[float]) -> tuple[float, float]:
    spent.sort()
    return statistics.median(spent), spent[min(len(spent) - 1, len(spent) * 99 // 100)]


async def measure(players: int, repeats: int) -> None:  # noqa: PLR0915 - one report
    name = f"bitcode_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{SERVER}/{name}"
    redis = Redis.from_url(REDIS)
    prefix = f"bench-ladder-{uuid.uuid4().hex[:8]}:"
    raw = f"{prefix}raw"
    database = Database(url)
    try:
        await upgrade(url)
        print(f"== {players:,} rated players on one board (PostgreSQL {name}, Redis)")
        seeded = seed_database(url, players)
        print(f"   seeding PostgreSQL (COPY)         {seeded:8.1f} s")

        index = RedisRankIndex(redis, prefix)
        started = time.perf_counter()
        count = await index.rebuild(SqlLadderStore(database))
        built = time.perf_counter() - started
        print(
            f"   building the Redis index from it  {built:8.1f} s  ({count:,} ratings)"
        )
        assert count == players

        started = time.perf_counter()
        pipe = redis.pipeline(transaction=False)
        for n, line in enumerate(seed_rows(players)):
            pipe.zadd(raw, {player(n): -float(line.split("\t")[3])})
            if n % 10_000 == 9_999:
                await pipe.execute()
        await pipe.execute()
        filled = time.perf_counter() - started
        print(f"   a plain sorted set for the floor  {filled:8.1f} s")

        chooser = random.Random(1)  # noqa: S311

        def someone() -> str:
            return player(chooser.randrange(players))

        sql = SqlLeaderboard(database)
        for _ in range(20):  # both ways give the same answers
            one = someone()
            assert await sql.rank(BOARD, one) == await index.rank(BOARD, one)
            assert await sql.around(BOARD, one, 21) == await index.around(
                BOARD, one, 21
            )
        assert await sql.page(BOARD, 0, 100) == await index.page(BOARD, 0, 100)
        floor = await timed(lambda: redis.zrank(raw, someone()), repeats * 5)
        tool = redis_benchmark(raw, player(players // 2), 20_000)
        rows: list[tuple[str, tuple[float, float]]] = [
            ("raw ZRANK (redis-py, one round trip)", floor),
            (
                "top 100 through Redis",
                await timed(lambda: index.page(BOARD, 0, 100), repeats),
            ),
            (
                "rank through Redis",
                await timed(lambda: index.rank(BOARD, someone()), repeats * 5),
            ),
            (
                "21 around through Redis",
                await timed(lambda: index.around(BOARD, someone(), 21), repeats * 5),
            ),
            (
                "top 100 through PostgreSQL",
                await timed(lambda: sql.page(BOARD, 0, 100), repeats),
            ),
            (
                "rank through PostgreSQL",
                await timed(lambda: sql.rank(BOARD, someone()), repeats),
            ),
            (
                "21 around through PostgreSQL",
                await timed(lambda: sql.around(BOARD, someone(), 21), repeats),
            ),
        ]
        print()
        print(f"   {'query':40} {'p50 ms':>9} {'p99 ms':>9} {'p50 / ZRANK':>12}")
        for label, (p50, p99) in rows:
            print(f"   {label:40} {p50:9.3f} {p99:9.3f} {p50 / floor[0]:11.1f}x")
        if tool is not None:
            print(f"   redis-benchmark ZRANK (1 client): {tool:.3f} ms a request")
        else:
            print("   redis-benchmark: not installed here")

        stored, indexed = await apply_results(database, index, players, repeats)
        print()
        print("   applying one rated duel's result (4 ladders, 2 players)")
        print(f"   {'the database transaction':40} {stored[0]:9.3f} {stored[1]:9.3f}")
        print(f"   {'the Redis index update':40} {indexed[0]:9.3f} {indexed[1]:9.3f}")
    finally:
        await database.dispose()
        keys = [key async for key in redis.scan_iter(f"{prefix}*")]
        for start in range(0, len(keys), 1000):
            await redis.delete(*keys[start : start + 1000])
        await redis.aclose()
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=200)
    arguments = parser.parse_args()
    asyncio.run(measure(arguments.players, arguments.repeats))


if __name__ == "__main__":
    main()
