"""Helpers for a leaderboard benchmark: a million ratings into a rank index
quickly, and the latency of a query.

``SyntheticLadder`` is a store that only scans: it makes its ratings as they
are read (player ``p0000000`` onwards, one board, countries in turn), so
``fill`` goes through the index's real ``rebuild`` (pipelined scripts of
``SCRIPT_ROWS`` ratings, pages of ``SCAN_PAGE``) without holding a million
ratings in Python or sorting them. Ratings are a seeded draw rounded to a
tenth, so there are ties, as Elo ratings have.

    from ladder_fill import fill, latencies   # from a script in benchmarks/
    seconds = await fill(index, 1_000_000)
    timing = await latencies(lambda: index.rank(BOARD, "p0500000"), 1000)
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bitcode_core.ladder.model import Board, LadderKey, LadderRating, Scope
from bitcode_core.ladder.ports import RankIndex

BOARD = Board("bench", Scope.OVERALL)
COUNTRIES = ("FR", "DE", "BR", "IN", "US", None)


def player(number: int) -> str:
    return f"p{number:07}"  # zero-padded: key order is number order


@dataclass(frozen=True, slots=True)
class SyntheticLadder:
    players: int
    board: Board = BOARD
    countries: Sequence[str | None] = COUNTRIES
    seed: int = 1

    def rating(self, number: int) -> LadderRating:
        rng = random.Random(self.seed * 1_000_003 + number)  # noqa: S311 - test data
        draw = rng.gauss(1500, 250)
        return LadderRating(
            self.board.season,
            self.board.scope,
            player(number),
            round(draw, 1),
            rated_battles=number % 200,
        )

    async def scan(
        self, after: LadderKey | None, limit: int
    ) -> Sequence[tuple[LadderRating, str | None]]:
        start = 0 if after is None else int(after.player[1:]) + 1
        stop = min(self.players, start + limit)
        return [
            (self.rating(n), self.countries[n % len(self.countries)])
            for n in range(start, stop)
        ]


async def fill(index: RankIndex, players: int, **ladder: Any) -> float:
    """Rebuild ``index`` from ``players`` synthetic ratings; seconds taken."""
    started = time.perf_counter()
    count = await index.rebuild(SyntheticLadder(players, **ladder))  # type: ignore[arg-type]
    assert count == players
    return time.perf_counter() - started


@dataclass(frozen=True, slots=True)
class Timing:
    calls: int
    p50_ms: float
    p99_ms: float
    max_ms: float

    def __str__(self) -> str:
        return (
            f"p50 {self.p50_ms:.3f} ms, p99 {self.p99_ms:.3f} ms, "
            f"max {self.max_ms:.3f} ms over {self.calls}"
        )


async def latencies(
    query: Callable[[], Awaitable[object]], calls: int, warm_up: int = 20
) -> Timing:
    """Times ``query`` awaited ``calls`` times one after another."""
    for _ in range(warm_up):
        await query()
    taken = []
    for _ in range(calls):
        started = time.perf_counter()
        await query()
        taken.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(taken, n=100)
    return Timing(calls, statistics.median(taken), cuts[98], max(taken))
