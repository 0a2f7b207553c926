"""Seasons, ladder ratings and leaderboards in this process (one instance
that may forget them at exit; also the reference the others are tested
against)."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from bitcode_core.ladder.model import (
    Board,
    LadderChange,
    LadderKey,
    LadderRating,
    Ranked,
    Scope,
    Season,
)
from bitcode_core.ladder.ports import PlayedStats
from bitcode_core.ladder.rules import LadderUpdate, RatedBattle


class InMemorySeasonRepository:
    def __init__(self) -> None:
        self._seasons: dict[int, Season] = {}

    async def all(self) -> Sequence[Season]:
        return [self._seasons[n] for n in sorted(self._seasons)]

    async def add(self, season: Season) -> bool:
        if season.number in self._seasons:
            return False
        self._seasons[season.number] = season
        return True

    async def update(self, season: Season) -> None:
        self._seasons[season.number] = season


class InMemoryLadderStore:
    def __init__(self) -> None:
        self._ratings: dict[LadderKey, LadderRating] = {}
        self._changes: list[LadderChange] = []
        self._battles: list[RatedBattle] = []
        self.countries: dict[str, str | None] = {}
        # What ``played`` counts: (player, season, scope) -> languages used,
        # questions solved; fed by the battle store as battles finish.
        self.languages: dict[tuple[str, str, Scope], Counter[str]] = {}
        self.solved: dict[tuple[str, str, Scope], set[str]] = {}

    def apply(self, update: LadderUpdate) -> None:
        """Store a battle's ladder update (the battle store calls this inside
        its own finish, as the SQL store does in one transaction)."""
        for rating in update.ratings:
            self._ratings[rating.key] = rating
        self._changes.extend(update.changes)
        self._battles.append(update.battle)

    def played_in(
        self,
        key: tuple[str, str, Scope],
        languages: Iterable[str],
        solved: Iterable[str],
    ) -> None:
        self.languages.setdefault(key, Counter()).update(languages)
        self.solved.setdefault(key, set()).update(solved)

    async def ratings(
        self, keys: Iterable[LadderKey]
    ) -> Mapping[LadderKey, LadderRating]:
        return {k: self._ratings[k] for k in keys if k in self._ratings}

    async def changes(
        self, player: str, season: str, scope: Scope
    ) -> Sequence[LadderChange]:
        return [
            c
            for c in self._changes
            if c.player == player and c.season == season and c.scope is scope
        ]

    async def rated_battles(self) -> Sequence[RatedBattle]:
        return list(self._battles)

    async def replace_all(self, ratings: Iterable[LadderRating]) -> None:
        self._ratings = {r.key: r for r in ratings}

    async def scan(
        self, after: LadderKey | None, limit: int
    ) -> Sequence[tuple[LadderRating, str | None]]:
        keys = sorted(self._ratings, key=_order)
        start = (
            0
            if after is None
            else bisect_left([_order(k) for k in keys], _order(after))
        )
        if after is not None and start < len(keys) and keys[start] == after:
            start += 1
        return [
            (self._ratings[k], self.countries.get(k.player))
            for k in keys[start : start + limit]
        ]

    async def played(self, player: str, season: str, scope: Scope) -> PlayedStats:
        used = self.languages.get((player, season, scope), Counter())
        favourite = min(used, key=lambda lang: (-used[lang], lang)) if used else None
        return PlayedStats(favourite, len(self.solved.get((player, season, scope), ())))

    def board(self, board: Board) -> list[LadderRating]:
        """A board's ratings, best first (ties by player id)."""
        rows = [
            r
            for k, r in self._ratings.items()
            if k.season == board.season
            and k.scope is board.scope
            and (board.country is None or self.countries.get(k.player) == board.country)
        ]
        rows.sort(key=lambda r: (-r.rating, r.player))
        return rows


class InMemoryLeaderboard:
    """Leaderboards computed from the in-memory store by sorting: the
    reference for what every leaderboard answers."""

    def __init__(self, store: InMemoryLadderStore) -> None:
        self._store = store

    async def page(self, board: Board, offset: int, limit: int) -> Sequence[Ranked]:
        rows = self._store.board(board)
        return _ranked(rows)[offset : offset + limit]

    async def rank(self, board: Board, player: str) -> Ranked | None:
        return next(
            (r for r in _ranked(self._store.board(board)) if r.player == player), None
        )

    async def around(self, board: Board, player: str, size: int) -> Sequence[Ranked]:
        ranked = _ranked(self._store.board(board))
        at = next((i for i, r in enumerate(ranked) if r.player == player), None)
        if at is None:
            return []
        start = max(0, min(at - size // 2, len(ranked) - size))
        return ranked[start : start + size]

    async def size(self, board: Board) -> int:
        return len(self._store.board(board))


def _ranked(rows: Sequence[LadderRating]) -> list[Ranked]:
    ranked: list[Ranked] = []
    for position, row in enumerate(rows):
        tied = ranked and rows[position - 1].rating == row.rating
        rank = ranked[-1].rank if tied else position + 1
        ranked.append(Ranked(rank, row.player, row.rating, row.rated_battles))
    return ranked


def _order(key: LadderKey) -> tuple[str, str, str]:
    return (key.season, key.scope.value, key.player)
