"""Seasons, ladder ratings and leaderboards."""

from bitcode_adapters.ladder.memory import (
    InMemoryLadderStore,
    InMemoryLeaderboard,
    InMemorySeasonRepository,
)

__all__ = ["InMemoryLadderStore", "InMemoryLeaderboard", "InMemorySeasonRepository"]
