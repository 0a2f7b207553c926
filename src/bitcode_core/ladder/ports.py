"""What the ladder needs kept: seasons, ratings with their history, and a
ranking index that answers leaderboard queries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from bitcode_core.ladder.model import (
    Board,
    LadderChange,
    LadderKey,
    LadderRating,
    Ranked,
    Scope,
    Season,
)
from bitcode_core.ladder.rules import RatedBattle


class SeasonRepository(Protocol):
    async def all(self) -> Sequence[Season]:
        """Every season, first first."""
        ...

    async def add(self, season: Season) -> bool:
        """False if a season of that number exists already (another instance
        added it first)."""
        ...

    async def update(self, season: Season) -> None: ...


@dataclass(frozen=True, slots=True)
class PlayedStats:
    """What the ladder's rows do not hold: counted from the battles."""

    favourite_language: str | None
    solved_questions: int


class LadderStore(Protocol):
    """The ratings as the database keeps them: the source of truth."""

    async def ratings(
        self, keys: Iterable[LadderKey]
    ) -> Mapping[LadderKey, LadderRating]: ...

    async def changes(
        self, player: str, season: str, scope: Scope
    ) -> Sequence[LadderChange]:
        """A player's rating changes on one ladder, oldest first."""
        ...

    async def rated_battles(self) -> Sequence[RatedBattle]:
        """Every rated battle in the order it was rated."""
        ...

    async def replace_all(self, ratings: Iterable[LadderRating]) -> None:
        """Make the stored ratings exactly ``ratings`` (a rebuild)."""
        ...

    async def scan(
        self, after: LadderKey | None, limit: int
    ) -> Sequence[tuple[LadderRating, str | None]]:
        """Every rating with its player's country, in key order, a page at a
        time (for rebuilding an index)."""
        ...

    async def played(self, player: str, season: str, scope: Scope) -> PlayedStats: ...


class Leaderboard(Protocol):
    """Ranks on one board. Ties share a rank (one more than the number rated
    strictly higher) and are listed by player id."""

    async def page(self, board: Board, offset: int, limit: int) -> Sequence[Ranked]: ...

    async def rank(self, board: Board, player: str) -> Ranked | None: ...

    async def around(self, board: Board, player: str, size: int) -> Sequence[Ranked]:
        """``size`` rows centred on the player (fewer at either end)."""
        ...

    async def size(self, board: Board) -> int: ...


class RankIndex(Leaderboard, Protocol):
    """A leaderboard kept beside the database (Redis sorted sets): told of
    every change, and rebuilt from the database when it lost its data."""

    async def put(
        self, ratings: Sequence[LadderRating], countries: Mapping[str, str | None]
    ) -> None: ...

    async def move(self, player: str, country: str | None) -> None:
        """The player's country changed (``None``: they have none, or their
        account is gone): they leave the old one's boards for the new one's."""
        ...

    async def rebuild(self, store: LadderStore) -> int:
        """Refill from the database; the number of ratings indexed."""
        ...

    async def built(self) -> bool:
        """Whether the index holds what a rebuild put there (and kept since)."""
        ...
