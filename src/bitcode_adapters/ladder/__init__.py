"""Seasons, ladder ratings and leaderboards."""

from bitcode_adapters.ladder.memory import (
    InMemoryLadderStore,
    InMemoryLeaderboard,
    InMemorySeasonRepository,
)
from bitcode_adapters.ladder.redis import (
    RankIndexUnavailable,
    RebuildInterrupted,
    RedisRankIndex,
)

__all__ = [
    "InMemoryLadderStore",
    "InMemoryLeaderboard",
    "InMemorySeasonRepository",
    "RankIndexUnavailable",
    "RebuildInterrupted",
    "RedisRankIndex",
]
