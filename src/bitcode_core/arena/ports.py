"""What the arena needs kept: battles and their submissions.

Both stores are the source of truth across instances and restarts: a
submission is stored before it is acknowledged, and a result is stored, with
the ratings it moves, in one transaction before it is announced.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from bitcode_core.arena.model import (
    BattleResult,
    BattleStatus,
    BattleSubmission,
    LiveBattle,
)
from bitcode_core.ladder.model import LadderKey, LadderRating
from bitcode_core.ladder.rules import LadderUpdate
from bitcode_core.verdicts import SubmissionResult

# Given the ladder's ratings as they are inside the transaction, the result
# and what it moves on the ladder (None for a battle that rates nobody).
Decide = Callable[
    [Mapping[LadderKey, LadderRating]], tuple[BattleResult, LadderUpdate | None]
]
Finished = tuple[BattleResult, LadderUpdate | None]


@dataclass(frozen=True, slots=True)
class BattlePage:
    battles: tuple[LiveBattle, ...]
    next_cursor: str | None


class BattleRepository(Protocol):
    async def add(self, battle: LiveBattle) -> None: ...

    async def get(self, battle_id: str) -> LiveBattle | None: ...

    async def begin(self, battle_id: str) -> bool:
        """Countdown to running; False if another instance did it first."""
        ...

    async def add_forfeit(self, battle_id: str, player: str, at: float) -> bool:
        """Record that ``player`` gave up at ``at``; False if they already had
        or the battle is over."""
        ...

    async def finish(
        self,
        battle_id: str,
        keys: Sequence[LadderKey],
        decide: Decide,
        discard: Sequence[str],
    ) -> Finished | None:
        """In one transaction: if the battle is still running, read the
        ladder's ``keys``, store the result ``decide`` gives, the ladder
        ratings and changes it moves (the battle then counts as rated, after
        every battle rated before it), and mark the ``discard``ed submissions
        as such. None if it was already finished (by another instance)."""
        ...

    async def vote_rematch(self, battle_id: str, player: str) -> LiveBattle:
        """Add ``player``'s vote; the battle as stored after."""
        ...

    async def link_rematch(self, battle_id: str, rematch: LiveBattle) -> bool:
        """Store ``rematch`` as the battle's one rematch; False if one already
        was (by a vote counted elsewhere at the same time)."""
        ...

    async def due(self, now: float, limit: int) -> Sequence[str]:
        """Battles whose countdown or time is over but which still wait for
        the step that follows."""
        ...

    async def running(self) -> Sequence[str]:
        """Battles not finished yet (to resume after a restart)."""
        ...

    async def history(self, player: str, cursor: str | None, limit: int) -> BattlePage:
        """A player's finished battles, newest first."""
        ...


class SubmissionRepository(Protocol):
    async def add(
        self,
        submission: BattleSubmission,
        holder: str,
        lease_until: float,
        max_queued: int | None = None,
    ) -> tuple[BattleSubmission, bool] | None:
        """Store a queued submission held by ``holder`` until ``lease_until``.
        When the player already sent one with the same key to this battle,
        that one and False. None, storing nothing, when the player already
        has ``max_queued`` queued in the battle: counted and stored at once,
        so requests sent together cannot pass the limit."""
        ...

    async def get(self, submission_id: str) -> BattleSubmission | None: ...

    async def of_battle(self, battle_id: str) -> Sequence[BattleSubmission]:
        """In the order they were accepted."""
        ...

    async def queued_of(self, battle_id: str, player: str) -> int: ...

    async def judged(
        self, submission_id: str, result: SubmissionResult, at: float
    ) -> BattleSubmission | None:
        """Store the verdict of a queued submission; None if it was no longer
        queued (discarded, or judged by another instance)."""
        ...

    async def renew(
        self, submission_ids: Sequence[str], holder: str, lease_until: float
    ) -> None: ...

    async def claim_stale(
        self, holder: str, now: float, lease_until: float, limit: int
    ) -> Sequence[BattleSubmission]:
        """Queued submissions whose holder's lease ran out (it stopped or
        died), now held by ``holder``."""
        ...


__all__ = [
    "BattlePage",
    "BattleRepository",
    "BattleStatus",
    "Decide",
    "Finished",
    "SubmissionRepository",
]
