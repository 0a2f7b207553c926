"""A live battle as it is stored: who plays on which side, which questions,
the server's clock for its start and end, the submissions and forfeits.

The standings are never stored half-way: they are replayed from the judged
submissions and the forfeits, in the order they happened, by the rules in
``bitcode_core.battles``. A battle is *decided* once nothing still waiting to
be judged could change its outcome; only then is its result computed, stored
and announced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from bitcode_core.battles import Attempt, Battle, BattleRules, EndReason, Side
from bitcode_core.elo import RatedSide, RatingChange
from bitcode_core.errors import BattleOver, BattleRuleViolation
from bitcode_core.ladder.model import LadderChange, Scope
from bitcode_core.ladder.rules import LadderUpdate, RatedBattle
from bitcode_core.rooms.settings import RoomSettings
from bitcode_core.verdicts import TestOutcome, Verdict


class BattleStatus(StrEnum):
    COUNTDOWN = "countdown"  # questions not yet revealed
    RUNNING = "running"
    FINISHED = "finished"  # result stored (a voided result included)


class SubmissionStatus(StrEnum):
    QUEUED = "queued"  # accepted and stored, not judged yet
    JUDGED = "judged"
    DISCARDED = "discarded"  # the battle was decided before it could count


@dataclass(frozen=True, slots=True)
class BattleSide:
    index: int
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class QuestionRef:
    """A question as the battle fixed it: edits after the start change nothing."""

    id: str
    version: int


@dataclass(frozen=True, slots=True)
class Forfeit:
    player: str
    at: float


@dataclass(frozen=True, slots=True)
class SideStanding:
    side: int
    rank: int
    solved: int
    penalty_s: float
    partial: float
    left: bool


@dataclass(frozen=True, slots=True)
class BattleResult:
    reason: EndReason
    ended_at: float
    standings: tuple[SideStanding, ...]
    # This season's overall ratings, as moved by the battle (rated ones).
    rating_changes: tuple[RatingChange, ...] = ()
    # A judge failure touched a counted submission: the result stands for
    # the record, but no rating moves.
    voided: bool = False
    season: str | None = None  # the season it was rated in
    ladder: tuple[LadderChange, ...] = ()  # every ladder it moved

    @property
    def winners(self) -> tuple[int, ...]:
        return tuple(s.side for s in self.standings if s.rank == 1)


@dataclass(frozen=True, slots=True)
class LiveBattle:
    id: str
    room_id: str
    settings: RoomSettings
    sides: tuple[BattleSide, ...]
    questions: tuple[QuestionRef, ...]
    names: Mapping[str, str]  # player id -> username, as at the start
    created_at: float
    starts_at: float
    ends_at: float
    status: BattleStatus = BattleStatus.COUNTDOWN
    penalty_s: float = 300.0
    previous: str | None = None  # the battle this one is a rematch of
    forfeits: tuple[Forfeit, ...] = ()
    rematch_votes: frozenset[str] = frozenset()
    rematch: str | None = None  # the rematch, once everyone asked for it
    result: BattleResult | None = None

    @property
    def players(self) -> tuple[str, ...]:
        return tuple(p for side in self.sides for p in side.members)

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    @property
    def rated(self) -> bool:
        return self.settings.rated

    def side_of(self, player: str) -> int:
        for side in self.sides:
            if player in side.members:
                return side.index
        raise BattleRuleViolation("you are not playing in this battle")

    def forfeited(self, player: str) -> bool:
        return any(f.player == player for f in self.forfeits)

    def with_forfeit(self, player: str, at: float) -> LiveBattle:
        return replace(self, forfeits=(*self.forfeits, Forfeit(player, at)))


@dataclass(frozen=True, slots=True)
class BattleSubmission:
    id: str
    battle_id: str
    player: str
    question_id: str
    language: str
    source: bytes = field(repr=False)
    submitted_at: float
    key: str | None = None  # the client's idempotency key
    status: SubmissionStatus = SubmissionStatus.QUEUED
    verdict: Verdict | None = None
    tests: tuple[TestOutcome, ...] = ()
    tests_total: int = 0
    compile_log: str = field(default="", repr=False)
    judged_at: float | None = None

    @property
    def tests_passed(self) -> int:
        return sum(1 for t in self.tests if t.verdict is Verdict.ACCEPTED)

    @property
    def time_s(self) -> float:
        return max((t.time_s for t in self.tests), default=0.0)

    @property
    def memory_kib(self) -> int:
        return max((t.memory_kib for t in self.tests), default=0)


@dataclass(frozen=True, slots=True)
class Decision:
    """What the judged submissions and forfeits say so far."""

    battle: Battle
    counted: frozenset[str]  # ids of submissions that count
    decided: bool  # nothing still queued can change the outcome
    ended_at: float | None


def replay(
    battle: LiveBattle, submissions: Iterable[BattleSubmission], now: float
) -> Decision:
    """The rules' view of ``battle`` at ``now``, rebuilt from what happened."""
    state = Battle(
        tuple(Side(str(s.index), str(s.index), s.members) for s in battle.sides),
        battle.question_ids,
        BattleRules(battle.ends_at - battle.starts_at, battle.penalty_s),
        battle.starts_at,
    )
    queued: list[float] = []
    # At one instant, forfeits come first, each kind in the order it came.
    steps: list[tuple[float, int, int, BattleSubmission | Forfeit]] = []
    for order, submission in enumerate(submissions):
        if submission.status is SubmissionStatus.QUEUED:
            queued.append(submission.submitted_at)
        elif submission.status is SubmissionStatus.JUDGED:
            steps.append((submission.submitted_at, 1, order, submission))
    for order, forfeit in enumerate(battle.forfeits):
        # Giving up once time is up changes nothing: the clock decided.
        if forfeit.at < battle.ends_at:
            steps.append((forfeit.at, 0, order, forfeit))
    steps.sort(key=lambda step: step[:3])

    counted: set[str] = set()
    for at, _, _, step in steps:
        if isinstance(step, Forfeit):
            state.leave(step.player, at)
        elif _record(state, step):
            counted.add(step.id)
    state.tick(now)
    end = state.ended_at
    decided = end is not None and not any(at <= end for at in queued)
    return Decision(state, frozenset(counted), decided, end)


def _record(state: Battle, submission: BattleSubmission) -> bool:
    assert submission.verdict is not None  # noqa: S101 - judged submissions have one
    attempt = Attempt(
        submission.player,
        submission.question_id,
        submission.verdict,
        submission.tests_passed,
        submission.tests_total,
    )
    try:
        state.record(attempt, submission.submitted_at)
    except (BattleOver, BattleRuleViolation):
        return False  # sent after the end, or after its player forfeited
    return True


def decide(
    battle: LiveBattle,
    submissions: Sequence[BattleSubmission],
    decision: Decision,
) -> BattleResult:
    """The result of a decided battle, before any rating moves."""
    state = decision.battle
    assert state.end_reason is not None  # noqa: S101 - decided battles ended
    assert state.ended_at is not None  # noqa: S101
    standings = tuple(
        SideStanding(int(s.side.id), s.rank, s.solved, s.penalty_s, s.partial, s.left)
        for s in state.standings()
    )
    voided = any(
        s.verdict is Verdict.INTERNAL_ERROR
        for s in submissions
        if s.id in decision.counted
    )
    return BattleResult(state.end_reason, state.ended_at, standings, voided=voided)


def rated_battle(
    battle: LiveBattle,
    result: BattleResult,
    season: str,
    previous_season: str | None,
) -> RatedBattle:
    sides = tuple(
        RatedSide(battle.sides[s.side].members, s.rank) for s in result.standings
    )
    return RatedBattle(
        battle.id,
        battle.settings.mode,
        sides,
        result.ended_at,
        season,
        previous_season,
    )


def with_ratings(
    result: BattleResult, update: LadderUpdate, season: str
) -> BattleResult:
    """The result with the ladder's changes: this season's overall ones shown
    as the battle's rating changes."""
    shown = tuple(
        RatingChange(c.player, c.before, c.after, c.k)
        for c in update.changes
        if c.season == season and c.scope is Scope.OVERALL
    )
    return replace(result, rating_changes=shown, season=season, ladder=update.changes)
