"""Battles: sides of players racing on the same questions against a clock.

Standings follow ICPC-style rules: more questions solved ranks higher; then lower
penalty (the time of each first Accepted plus a fixed penalty per rejected try before
it); then a higher share of tests passed on questions not yet solved. A side solves a
question when any of its members does. Equal keys share a rank, so draws happen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bitcode_core.errors import BattleOver, BattleRuleViolation
from bitcode_core.verdicts import Verdict


@dataclass(frozen=True, slots=True)
class Side:
    id: str
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BattleRules:
    duration_s: float
    penalty_s: float = 300.0  # added per counted rejection before a first Accepted

    def __post_init__(self) -> None:
        if self.duration_s <= 0:
            raise BattleRuleViolation("a battle needs a positive time limit")
        if self.penalty_s < 0:
            raise BattleRuleViolation("the penalty per rejected try cannot be negative")


class EndReason(StrEnum):
    ALL_SOLVED = "all-solved"
    TIME_UP = "time-up"
    LAST_SIDE_STANDING = "last-side-standing"


@dataclass(frozen=True, slots=True)
class Attempt:
    """A judged submission as the battle sees it."""

    player: str
    question_id: str
    verdict: Verdict
    tests_passed: int
    tests_total: int


@dataclass(slots=True)
class _Progress:
    solved_at_s: float | None = None
    rejections: int = 0
    best_share: float = 0.0


@dataclass(frozen=True, slots=True)
class Standing:
    side: Side
    rank: int
    solved: int
    penalty_s: float
    partial: float  # sum over unsolved questions of the best share of tests passed
    left: bool = False

    @property
    def sort_key(self) -> tuple[bool, int, float, float]:
        return (self.left, -self.solved, self.penalty_s, -self.partial)


@dataclass(slots=True)
class Battle:
    sides: tuple[Side, ...]
    question_ids: tuple[str, ...]
    rules: BattleRules
    started_at: float
    end_reason: EndReason | None = None
    ended_at: float | None = None
    _progress: dict[tuple[str, str], _Progress] = field(default_factory=dict)
    _side_of: dict[str, Side] = field(default_factory=dict)
    _left: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if len(self.sides) < 2:
            raise BattleRuleViolation("a battle needs at least two sides")
        if not self.question_ids or len(set(self.question_ids)) != len(
            self.question_ids
        ):
            raise BattleRuleViolation("a battle needs one or more distinct questions")
        if len({side.id for side in self.sides}) != len(self.sides):
            raise BattleRuleViolation("side ids must be unique")
        for side in self.sides:
            if not side.members:
                raise BattleRuleViolation(f"side {side.name} has no members")
            for player in side.members:
                if player in self._side_of:
                    raise BattleRuleViolation(f"{player} cannot play on two sides")
                self._side_of[player] = side

    @property
    def ends_at(self) -> float:
        return self.started_at + self.rules.duration_s

    @property
    def over(self) -> bool:
        return self.end_reason is not None

    def side_of(self, player: str) -> Side:
        try:
            return self._side_of[player]
        except KeyError:
            raise BattleRuleViolation(f"{player} is not in this battle") from None

    def record(self, attempt: Attempt, submitted_at: float) -> None:
        """Count a judged attempt by when it was submitted, not when it was judged:
        one submitted in time counts even if its verdict comes after the end."""
        # One sent at the very instant another side finished everything still
        # counts: neither was later than the other.
        if submitted_at >= self.ends_at or (
            self.ended_at is not None and submitted_at > self.ended_at
        ):
            raise BattleOver("the battle had ended when this was submitted")
        if submitted_at < self.started_at:
            raise BattleRuleViolation("the battle has not started yet")
        side = self.side_of(attempt.player)
        if attempt.player in self._left:
            raise BattleRuleViolation(f"{attempt.player} has left the battle")
        if attempt.question_id not in self.question_ids:
            raise BattleRuleViolation(f"{attempt.question_id} is not in this battle")
        progress = self._progress.setdefault(
            (side.id, attempt.question_id), _Progress()
        )
        if progress.solved_at_s is not None:
            return
        if attempt.verdict is Verdict.ACCEPTED:
            progress.solved_at_s = submitted_at - self.started_at
        else:
            if attempt.verdict.counts_as_try:
                progress.rejections += 1
            if attempt.tests_total:
                share = attempt.tests_passed / attempt.tests_total
                progress.best_share = max(progress.best_share, share)
        if self._solved_count(side) == len(self.question_ids):
            self._finish(EndReason.ALL_SOLVED, submitted_at)

    def leave(self, player: str, now: float) -> None:
        """A player leaves (or forfeits); a side with nobody left is out."""
        self.side_of(player)
        if self.over:
            return
        self._left.add(player)
        if len(self._active_sides()) <= 1:
            self._finish(EndReason.LAST_SIDE_STANDING, now)

    def check_open(self, now: float) -> None:
        """Raise ``BattleOver`` if the battle has ended by ``now``."""
        self.tick(now)
        if self.over:
            raise BattleOver()

    def tick(self, now: float) -> EndReason | None:
        """Advance the clock: ends the battle when its time is up."""
        if not self.over and now >= self.ends_at:
            self._finish(EndReason.TIME_UP, self.ends_at)
        return self.end_reason

    def standings(self) -> tuple[Standing, ...]:
        unranked = [self._standing(side) for side in self.sides]
        unranked.sort(key=lambda s: s.sort_key)
        ranked: list[Standing] = []
        for position, standing in enumerate(unranked, start=1):
            tied = ranked and ranked[-1].sort_key == standing.sort_key
            rank = ranked[-1].rank if tied else position
            ranked.append(_with_rank(standing, rank))
        return tuple(ranked)

    def winners(self) -> tuple[Side, ...]:
        return tuple(s.side for s in self.standings() if s.rank == 1)

    @property
    def is_draw(self) -> bool:
        return len(self.winners()) > 1

    def _standing(self, side: Side) -> Standing:
        solved, penalty, partial = 0, 0.0, 0.0
        for question_id in self.question_ids:
            progress = self._progress.get((side.id, question_id), _Progress())
            if progress.solved_at_s is None:
                partial += progress.best_share
                continue
            solved += 1
            penalty += progress.solved_at_s + progress.rejections * self.rules.penalty_s
        left = side not in self._active_sides()
        return Standing(side, 0, solved, penalty, partial, left)

    def _solved_count(self, side: Side) -> int:
        return sum(
            1
            for question_id in self.question_ids
            if self._progress.get((side.id, question_id), _Progress()).solved_at_s
            is not None
        )

    def _active_sides(self) -> list[Side]:
        return [s for s in self.sides if any(m not in self._left for m in s.members)]

    def _finish(self, reason: EndReason, at: float) -> None:
        if self.end_reason is None:
            self.end_reason, self.ended_at = reason, at


def _with_rank(standing: Standing, rank: int) -> Standing:
    return Standing(
        standing.side,
        rank,
        standing.solved,
        standing.penalty_s,
        standing.partial,
        standing.left,
    )


def ranks_by_side(standings: Iterable[Standing]) -> dict[str, int]:
    return {s.side.id: s.rank for s in standings}


def duel(players: Sequence[str]) -> tuple[Side, ...]:
    """One side per player, named after them (duels and free-for-all)."""
    return tuple(
        Side(id=str(i + 1), name=p, members=(p,)) for i, p in enumerate(players)
    )
