"""Stores for live battles and their submissions."""

from bitcode_adapters.arena.memory import (
    InMemoryArenaRatings,
    InMemoryBattleRepository,
    InMemorySubmissionRepository,
)

__all__ = [
    "InMemoryArenaRatings",
    "InMemoryBattleRepository",
    "InMemorySubmissionRepository",
]
