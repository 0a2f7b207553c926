"""The arena on in-memory stores and a manual clock: the fair judging queue,
the replay of a battle into its result, and the use cases from the countdown
to the rematch, judged by a hand-written judge."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter, deque
from collections.abc import AsyncIterator, Coroutine, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitcode_adapters.arena import (
    InMemoryBattleRepository,
    InMemorySubmissionRepository,
)
from bitcode_adapters.events import InProcessEventBus
from bitcode_adapters.ladder import InMemoryLeaderboard, InMemorySeasonRepository
from bitcode_adapters.memory import (
    InMemoryQuestionCatalog,
    InMemoryRateLimiter,
    InMemoryUserRepository,
)
from bitcode_adapters.rooms import (
    InMemoryChatLog,
    InMemoryMatchQueue,
    InMemoryPresence,
    InMemoryRoomRepository,
)
from bitcode_adapters.system_secrets import SystemSecrets
from bitcode_core.accounts.model import Principal, Role, User
from bitcode_core.arena.arena import Arena, ArenaSettings
from bitcode_core.arena.fair_queue import FairQueue, QueueLimits
from bitcode_core.arena.model import (
    BattleStatus,
    BattleSubmission,
    Forfeit,
    LiveBattle,
    SubmissionStatus,
    decide,
    rated_battle,
    replay,
    with_ratings,
)
from bitcode_core.battles import Attempt, Battle, BattleRules, EndReason, Side
from bitcode_core.catalog.model import CatalogEntry
from bitcode_core.elo import EloRules
from bitcode_core.errors import (
    BattleNotFound,
    BattleOver,
    BattleRuleViolation,
    InvalidInput,
    JudgeFailure,
    PermissionDenied,
    RateLimited,
    RoomRuleViolation,
    SubmissionNotFound,
)
from bitcode_core.ladder.ladder import Ladder
from bitcode_core.ladder.model import DEFAULT_TIERS, LadderKey, LadderRating, Scope
from bitcode_core.ladder.rules import LadderRules, rate
from bitcode_core.ladder.seasons import DEFAULT_LENGTH_S
from bitcode_core.languages import Language, LanguageTable
from bitcode_core.ports import Compilation, Execution, ExitStatus, PlayerRating
from bitcode_core.questions import Limits, Question
from bitcode_core.questions import TestCase as Example
from bitcode_core.rooms.lobby import Lobby
from bitcode_core.rooms.model import RoomStatus
from bitcode_core.rooms.ports import Envelope
from bitcode_core.rooms.settings import (
    ChosenQuestions,
    Mode,
    RandomQuestions,
    RoomSettings,
)
from bitcode_core.usecases.judge_submission import ValidatorCache
from bitcode_core.verdicts import Verdict
from tests.fakes import ManualClock
from tests.strategies import (
    BATTLE_START,
    battle_histories,
    fair_verdicts,
    judged,
    live_battle,
    queue_actions,
)

pytestmark = pytest.mark.anyio


async def let_run() -> None:
    """Let every task that can go on do so (no time passes)."""
    for _ in range(20):
        await asyncio.sleep(0)


# The fair queue


class Jobs:
    """Jobs on a fair queue that log when they arrive and start, and finish
    only when the test says so."""

    def __init__(self, queue: FairQueue) -> None:
        self.queue = queue
        self.log: list[tuple[str, str]] = []  # ("arrive" | "start", job)
        self.owner: dict[str, str] = {}
        self.tasks: dict[str, asyncio.Task[str]] = {}
        self._gates: dict[str, asyncio.Event] = {}
        self._count = 0

    @property
    def started(self) -> list[str]:
        return [job for kind, job in self.log if kind == "start"]

    @property
    def running(self) -> list[str]:
        return [job for job in self.started if not self.tasks[job].done()]

    @property
    def unfinished(self) -> int:
        return sum(1 for task in self.tasks.values() if not task.done())

    async def add(
        self, player: str, job: str | None = None, *, admit: bool = True
    ) -> str:
        self._count += 1
        job = job or f"{player}{self._count}"
        gate = self._gates[job] = asyncio.Event()

        async def work() -> str:
            self.log.append(("start", job))
            await gate.wait()
            return job

        self.owner[job] = player
        self.log.append(("arrive", job))
        self.tasks[job] = asyncio.create_task(self.queue.run(player, work, admit=admit))
        await let_run()
        return job

    async def flood(self, player: str, count: int) -> list[str]:
        return [await self.add(player, f"{player}{n}") for n in range(1, count + 1)]

    async def finish(self, job: str) -> None:
        self._gates[job].set()
        await self.tasks[job]
        await let_run()

    async def finish_all(self) -> None:
        while self.running:
            await self.finish(self.running[0])


def fair_queue(slots: int = 1, per_player: int = 100, total: int = 1000) -> FairQueue:
    return FairQueue(QueueLimits(slots=slots, per_player=per_player, total=total))


async def nothing() -> None:
    return None


class TestFairQueueOrder:
    async def test_a_flood_delays_a_newcomer_by_one_job_per_waiting_player(self):
        jobs = Jobs(fair_queue(slots=2))
        flood = await jobs.flood("ann", 8)
        await jobs.add("cat", "cat1")

        arrived = len(jobs.started)
        await jobs.add("ben", "ben1")
        for job in ["ann1", "ann2", "ann3"]:
            await jobs.finish(job)

        # Two running, and one job each of ann and cat who wait ahead of ben:
        # slots + p - 1 = 2 + 3 - 1 others go first, not ann's whole flood.
        before_ben = jobs.started[: jobs.started.index("ben1")]
        assert len(before_ben) == 2 + 3 - 1
        assert arrived == 2
        assert jobs.started == ["ann1", "ann2", "ann3", "cat1", "ben1"]
        await jobs.finish_all()
        assert jobs.started == [*flood[:3], "cat1", "ben1", *flood[3:]]

    async def test_one_slot_alternates_between_a_flooder_and_another(self):
        jobs = Jobs(fair_queue(slots=1))
        await jobs.flood("ann", 4)
        await jobs.flood("ben", 2)

        await jobs.finish_all()

        assert jobs.started == ["ann1", "ann2", "ben1", "ann3", "ben2", "ann4"]

    async def test_a_job_starts_at_once_while_a_slot_is_free(self):
        jobs = Jobs(fair_queue(slots=2))

        await jobs.add("ann", "ann1")
        await jobs.add("ben", "ben1")

        assert jobs.running == ["ann1", "ben1"]
        assert jobs.queue.waiting == 0


class TestFairQueueLimits:
    async def test_a_player_over_their_share_is_rate_limited(self):
        jobs = Jobs(fair_queue(slots=1, per_player=2))
        await jobs.flood("ann", 2)

        with pytest.raises(RateLimited) as refused:
            await jobs.queue.run("ann", nothing)

        assert refused.value.retry_after_s > 0
        await jobs.add("ann", "ann3", admit=False)  # admitted earlier: stored
        assert jobs.queue.held_by("ann") == 3
        await jobs.finish_all()
        assert jobs.started == ["ann1", "ann2", "ann3"]

    async def test_a_full_queue_refuses_everyone(self):
        jobs = Jobs(fair_queue(slots=1, per_player=5, total=3))
        await jobs.flood("ann", 2)
        await jobs.add("ben", "ben1")

        with pytest.raises(RateLimited):
            await jobs.queue.run("cat", nothing)
        await jobs.finish("ann1")

        await jobs.add("cat", "cat1")
        assert jobs.queue.held_by("cat") == 1
        await jobs.finish_all()

    async def test_a_finished_job_gives_its_player_room_again(self):
        jobs = Jobs(fair_queue(slots=1, per_player=1))
        await jobs.add("ann", "ann1")

        await jobs.finish("ann1")

        await jobs.add("ann", "ann2")
        assert jobs.running == ["ann2"]
        await jobs.finish_all()
        assert jobs.queue.held_by("ann") == 0


class CancelOnTurn(FairQueue):
    """Cancels ``victim`` in the very step its turn is handed to it, before
    it can run: the race a client closing its socket can hit."""

    victim: asyncio.Task[str] | None = None

    def _next(self) -> None:
        super()._next()
        if self.victim is not None:
            self.victim.cancel()
            self.victim = None


class TestFairQueueCancellation:
    async def test_a_cancelled_waiting_job_frees_its_place_and_no_slot(self):
        jobs = Jobs(fair_queue(slots=1, per_player=1))
        await jobs.add("ann", "ann1")
        await jobs.add("ben", "ben1")
        await jobs.add("cat", "cat1")

        jobs.tasks["ben1"].cancel()
        await let_run()
        await jobs.finish("ann1")

        assert jobs.running == ["cat1"]
        assert jobs.queue.held_by("ben") == 0
        await jobs.add("ben", "ben2")  # room again for ben
        await jobs.finish_all()
        assert jobs.started == ["ann1", "cat1", "ben2"]
        await jobs.add("dan", "dan1")  # no slot leaked: it starts at once
        assert jobs.running == ["dan1"]
        await jobs.finish_all()

    async def test_a_job_cancelled_as_its_turn_came_hands_the_slot_on(self):
        queue = CancelOnTurn(QueueLimits(slots=1))
        jobs = Jobs(queue)
        await jobs.add("ann", "ann1")
        await jobs.add("ben", "ben1")
        await jobs.add("cat", "cat1")
        queue.victim = jobs.tasks["ben1"]

        await jobs.finish("ann1")

        assert jobs.tasks["ben1"].cancelled()
        assert jobs.running == ["cat1"]
        await jobs.finish_all()
        assert jobs.started == ["ann1", "cat1"]
        assert jobs.queue.waiting == 0

    async def test_a_cancelled_running_job_frees_its_slot(self):
        jobs = Jobs(fair_queue(slots=1))
        await jobs.add("ann", "ann1")
        await jobs.add("ben", "ben1")

        jobs.tasks["ann1"].cancel()
        await let_run()

        assert jobs.running == ["ben1"]
        assert jobs.queue.held_by("ann") == 0
        await jobs.finish_all()


def check_round_robin(jobs: Jobs, slots: int) -> None:
    """The queue's promise, read off the log: each start goes to the waiting
    player whose turn is oldest (their last start, or when they began to wait
    if they had nothing waiting then), their oldest job first; so no player
    waits for two jobs of another between two turns of their own, and a job
    queued by a player with nothing waiting starts after at most one job of
    each player already waiting."""
    waiting: dict[str, deque[str]] = {}
    turn: dict[str, int] = {}  # the log index that places the player in line
    others: dict[str, Counter[str]] = {}  # starts of others since their turn
    ahead: dict[str, int] = {}  # for a job queued into an empty line
    for index, (kind, job) in enumerate(jobs.log):
        player = jobs.owner[job]
        line = waiting.setdefault(player, deque())
        if kind == "arrive":
            if not line:
                turn[player], others[player] = index, Counter()
                ahead[job] = sum(1 for queued in waiting.values() if queued)
            line.append(job)
            continue
        expected = min((p for p in waiting if waiting[p]), key=turn.__getitem__)
        assert player == expected, (job, jobs.log[: index + 1])
        assert line.popleft() == job
        for other, queued in waiting.items():
            if queued and other != player:
                others[other][player] += 1
                assert others[other][player] <= 1, (other, jobs.log[: index + 1])
        turn[player], others[player] = index, Counter()
        if job in ahead:
            arrived = jobs.log.index(("arrive", job))
            started_between = sum(
                1 for kind, _ in jobs.log[arrived:index] if kind == "start"
            )
            assert started_between <= ahead[job]
    assert len(jobs.running) <= slots


class TestFairQueueProperties:
    @given(st.integers(1, 3), queue_actions)
    def test_turns_go_round_the_players_with_work_waiting(self, slots, actions):
        async def scenario() -> Jobs:
            jobs = Jobs(fair_queue(slots=slots))
            for kind, arg in actions:
                if kind == "arrive":
                    await jobs.add(str(arg))
                elif jobs.running:
                    await jobs.finish(jobs.running[int(arg) % len(jobs.running)])
                assert len(jobs.running) == min(slots, jobs.unfinished)
            await jobs.finish_all()
            return jobs

        jobs = asyncio.run(scenario())

        check_round_robin(jobs, slots)
        assert sorted(jobs.started) == sorted(jobs.owner)


# Replaying a battle into its result

ELO = EloRules()
END = BATTLE_START + 600.0


def core_battle(battle: LiveBattle, submissions: Sequence[BattleSubmission]) -> Battle:
    """The rules' own battle, told what happened as it happened."""
    state = Battle(
        tuple(Side(str(s.index), str(s.index), s.members) for s in battle.sides),
        battle.question_ids,
        BattleRules(battle.ends_at - battle.starts_at, battle.penalty_s),
        battle.starts_at,
    )
    timeline: list[tuple[float, BattleSubmission | Forfeit]] = [
        (s.submitted_at, s) for s in submissions
    ]
    timeline += [(f.at, f) for f in battle.forfeits]
    for at, step in sorted(timeline, key=lambda item: item[0]):
        if isinstance(step, Forfeit):
            state.leave(step.player, at)
            continue
        assert step.verdict is not None
        attempt = Attempt(
            step.player,
            step.question_id,
            step.verdict,
            step.tests_passed,
            step.tests_total,
        )
        # Refused by the rules: too late, or its player had left.
        with contextlib.suppress(BattleRuleViolation):
            state.record(attempt, at)
    state.tick(END)
    return state


def queued(battle: LiveBattle, at: float, name: str = "late") -> BattleSubmission:
    return BattleSubmission(
        name,
        battle.id,
        battle.players[0],
        battle.question_ids[0],
        "python3",
        b"code",
        at,
    )


def result_of(
    battle: LiveBattle,
    submissions: Sequence[BattleSubmission],
    ratings: dict[str, PlayerRating] | None = None,
):
    decision = replay(battle, submissions, END)
    assert decision.decided
    return rated_result(battle, submissions, decision, ratings or {})


def rated_result(
    battle: LiveBattle,
    submissions: Sequence[BattleSubmission],
    decision: Any,
    ratings: dict[str, PlayerRating],
):
    """The result as the arena stores it: rated on this season's ladders when
    the battle is rated and not voided, from ``ratings`` (overall)."""
    result = decide(battle, submissions, decision)
    if not battle.rated or result.voided:
        return result
    book = {
        LadderKey("s1", Scope.OVERALL, p): LadderRating(
            "s1", Scope.OVERALL, p, r.rating, r.rated_battles
        )
        for p, r in ratings.items()
    }
    update = rate(rated_battle(battle, result, "s1", None), book, LadderRules(ELO))
    return with_ratings(result, update, "s1")


class TestReplay:
    @given(battle_histories())
    def test_the_standings_are_the_rules_own(self, history):
        battle, submissions = history

        result = result_of(battle, submissions)

        state = core_battle(battle, submissions)
        assert [
            (s.side, s.rank, s.solved, s.penalty_s, s.partial, s.left)
            for s in result.standings
        ] == [
            (int(s.side.id), s.rank, s.solved, s.penalty_s, s.partial, s.left)
            for s in state.standings()
        ]
        assert (result.reason, result.ended_at) == (state.end_reason, state.ended_at)

    @given(battle_histories(), st.data())
    def test_one_queued_before_the_end_keeps_the_battle_undecided(self, history, data):
        battle, submissions = history
        end = replay(battle, submissions, END).ended_at
        assert end is not None
        at = data.draw(st.floats(BATTLE_START - 5, end))

        decision = replay(battle, [*submissions, queued(battle, at)], END)

        assert not decision.decided

    @given(battle_histories(), st.data())
    def test_ones_queued_after_the_end_change_nothing(self, history, data):
        battle, submissions = history
        before = replay(battle, submissions, END)
        assert before.ended_at is not None
        at = data.draw(st.floats(before.ended_at, END + 60, exclude_min=True))

        after = replay(battle, [*submissions, queued(battle, at)], END)

        assert after.decided
        assert "late" not in after.counted
        assert (after.ended_at, after.counted) == (before.ended_at, before.counted)

    def test_ones_queued_after_a_side_solved_everything_wait_for_nothing(self):
        battle = live_duel()
        alice, bob = battle.players
        solved = judged(
            battle, alice, "q1", Verdict.ACCEPTED, BATTLE_START + 30, index=1
        )
        later = queued(battle, BATTLE_START + 31)

        decision = replay(
            battle, [solved, replace(later, player=bob)], BATTLE_START + 40
        )

        assert decision.decided
        assert decision.ended_at == BATTLE_START + 30
        assert decision.battle.end_reason is EndReason.ALL_SOLVED
        assert decision.counted == {"sub1"}

    def test_a_submission_at_the_instant_of_the_all_solved_end_still_counts(self):
        battle = live_duel()
        alice, bob = battle.players
        at = BATTLE_START + 30
        both = [
            judged(battle, alice, "q1", Verdict.ACCEPTED, at, index=1),
            judged(battle, bob, "q1", Verdict.ACCEPTED, at, index=2),
        ]

        result = result_of(battle, both)

        assert result.reason is EndReason.ALL_SOLVED
        assert [s.rank for s in result.standings] == [1, 1]

    @given(st.integers(3, 6), st.data())
    def test_the_last_side_standing_wins_when_the_rest_forfeit(self, sides, data):
        battle = free_for_all(sides)
        staying = data.draw(st.sampled_from(battle.players))
        leaving = data.draw(
            st.permutations([p for p in battle.players if p != staying])
        )
        times = sorted(
            data.draw(
                st.lists(
                    st.integers(0, 599), min_size=len(leaving), max_size=len(leaving)
                )
            )
        )
        for player, at in zip(leaving, times, strict=True):
            battle = battle.with_forfeit(player, BATTLE_START + at + 0.5)

        result = result_of(battle, [])

        assert result.reason is EndReason.LAST_SIDE_STANDING
        assert result.ended_at == BATTLE_START + times[-1] + 0.5
        assert result.winners == (battle.side_of(staying),)
        assert {s.side for s in result.standings if s.left} == {
            battle.side_of(p) for p in leaving
        }

    def test_a_squad_stays_in_while_one_member_plays_on(self):
        battle = live_battle(Mode.SQUADS, 2, 2)
        first, _ = battle.sides[0].members

        result = result_of(battle.with_forfeit(first, BATTLE_START + 10), [])

        assert result.reason is EndReason.TIME_UP
        assert not any(s.left for s in result.standings)


class TestDecide:
    @given(battle_histories(rated=True))
    def test_a_counted_internal_error_voids_the_ratings(self, history):
        battle, submissions = history
        decision = replay(battle, submissions, END)

        result = rated_result(battle, submissions, decision, {})

        counted_failure = any(
            s.verdict is Verdict.INTERNAL_ERROR
            for s in submissions
            if s.id in decision.counted
        )
        assert result.voided == counted_failure
        assert bool(result.rating_changes) == (not counted_failure)

    def test_an_internal_error_after_the_end_voids_nothing(self):
        battle = live_duel(rated=True)
        alice, bob = battle.players
        submissions = [
            judged(battle, alice, "q1", Verdict.ACCEPTED, BATTLE_START + 30, index=1),
            judged(
                battle, bob, "q1", Verdict.INTERNAL_ERROR, BATTLE_START + 31, index=2
            ),
        ]

        result = result_of(battle, submissions)

        assert not result.voided
        assert {c.player for c in result.rating_changes} == {alice, bob}

    def test_a_counted_internal_error_voids_a_won_battle(self):
        battle = live_duel(rated=True)
        alice, bob = battle.players
        submissions = [
            judged(
                battle, bob, "q1", Verdict.INTERNAL_ERROR, BATTLE_START + 10, index=1
            ),
            judged(battle, alice, "q1", Verdict.ACCEPTED, BATTLE_START + 30, index=2),
        ]

        result = result_of(battle, submissions)

        assert result.voided
        assert result.winners == (0,)
        assert result.rating_changes == ()

    @given(battle_histories(rated=False))
    def test_an_unrated_battle_moves_no_rating(self, history):
        battle, submissions = history

        result = result_of(battle, submissions)

        assert result.rating_changes == ()

    @given(
        battle_histories(rated=True, verdict=fair_verdicts).filter(
            lambda h: h[0].settings.mode is Mode.DUEL
        ),
        st.floats(100, 2300),
        st.floats(100, 2300),
        st.integers(0, 200),
    )
    def test_a_rated_duel_with_equal_k_is_zero_sum(self, history, one, two, played):
        battle, submissions = history
        alice, bob = battle.players
        ratings = {
            alice: PlayerRating(alice, one, played),
            bob: PlayerRating(bob, two, played),
        }

        result = result_of(battle, submissions, ratings)

        assert len(result.rating_changes) == 2
        assert sum(c.delta for c in result.rating_changes) == pytest.approx(0, abs=1e-9)
        deltas = {c.player: c.delta for c in result.rating_changes}
        if result.winners == (0,):
            assert deltas[alice] > 0 > deltas[bob]


def live_duel(rated: bool = False) -> LiveBattle:
    return live_battle(Mode.DUEL, 2, 1, rated=rated)


def free_for_all(sides: int) -> LiveBattle:
    return live_battle(Mode.FREE_FOR_ALL, sides, 1)


# The arena's use cases

PYTHON = Language("python3", "Python 3", ("py",), "main.py", ("python3", "main.py"))
COUNTDOWN = 5.0
TIME_LIMIT = 600


@dataclass(frozen=True)
class TinyProgram:
    language: Language
    source: bytes


class SourceJudge:
    """A judge for four tiny programs, told apart by their source: b"right"
    prints the sum of the numbers it reads, b"wrong" one more than that,
    b"slow" waits for ``gate`` then sums; under b"broken" the judge itself
    fails. Anything else does not compile."""

    programs = (b"right", b"wrong", b"slow", b"broken")

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.compiled: list[bytes] = []

    def available(self, language: Language) -> bool:
        return True

    async def compile(self, language: Language, source: bytes) -> Compilation:
        self.compiled.append(source)
        if source not in self.programs:
            return Compilation(None, log="SyntaxError: invalid syntax")
        return Compilation(TinyProgram(language, source))

    async def run(self, program: Any, stdin: bytes, limits: Limits) -> Execution:
        return (await self.run_many(program, [stdin], limits))[0]

    async def run_many(
        self, program: Any, stdins: Sequence[bytes], limits: Limits
    ) -> list[Execution]:
        if program.source == b"broken":
            raise JudgeFailure("the sandbox went away")
        if program.source == b"slow":
            await self.gate.wait()
        extra = 1 if program.source == b"wrong" else 0
        return [
            Execution(
                ExitStatus.OK,
                0,
                stdout=f"{sum(int(n) for n in stdin.split()) + extra}\n".encode(),
                cpu_time_s=0.01,
                memory_kib=2048,
            )
            for stdin in stdins
        ]

    async def run_validator(self, *args: Any) -> Execution:
        raise JudgeFailure("no question here has a validator")

    async def release(self, program: Any) -> None:
        return None


class StepScheduler:
    """Runs spawned work as tasks at once; a wake-up is only noted, for the
    test moves the clock and calls ``advance`` itself."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[None]] = set()
        self.wakes: list[tuple[str, float]] = []
        self._failures: list[BaseException] = []

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def wake(self, battle_id: str, at: float) -> None:
        self.wakes.append((battle_id, at))

    def _done(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._failures.append(task.exception())  # type: ignore[arg-type]

    async def drain(self) -> None:
        """Wait for the work spawned so far (none of it waits on a gate)."""
        while self.tasks:
            await asyncio.wait(set(self.tasks))
        await let_run()
        assert self._failures == []

    async def stop(self) -> None:
        """Stop like an instance shutting down: its judging is cancelled."""
        for task in list(self.tasks):
            task.cancel()
        await let_run()


def sums(name: str, a: int, b: int) -> Example:
    return Example(name, f"{a} {b}\n".encode(), f"{a + b}\n".encode())


QUESTIONS = [
    Question(
        "sum",
        "Sum",
        "Add two numbers.",
        samples=(sums("1", 1, 2),),
        hidden=(sums("2", 40, 2), sums("3", -5, 5)),
    ),
    Question(
        "total",
        "Total",
        "Add them up.",
        samples=(sums("1", 2, 2),),
        hidden=(sums("2", 7, 8),),
    ),
]


@dataclass
class World:
    arena: Arena
    lobby: Lobby
    bus: InProcessEventBus
    clock: ManualClock
    judge: SourceJudge
    scheduler: StepScheduler
    battles: InMemoryBattleRepository
    submissions: InMemorySubmissionRepository
    users: InMemoryUserRepository
    make_arena: Any = field(repr=False)
    arena_ladder: Ladder = field(repr=False)
    catalog: InMemoryQuestionCatalog = field(repr=False)

    async def player(self, name: str, role: Role = Role.PLAYER) -> Principal:
        user = User(name, f"{name}@example.org", name, None, 0.0, role, True)
        await self.users.add(user)
        return Principal(name, f"session-{name}", role)

    async def lobby_ratings(self) -> dict[str, PlayerRating]:
        """This season's overall ratings, as quick match reads them."""
        return dict(await self.arena_ladder.get_many(["alice", "bob", "carol"]))

    async def listen(self, channel: str) -> list[Envelope]:
        heard: list[Envelope] = []
        await self.bus.subscribe(channel, heard.append)
        return heard

    async def started(
        self, names: Sequence[str] = ("alice", "bob"), **changes: Any
    ) -> tuple[LiveBattle, list[Principal]]:
        """A battle counting down, its room filled in the order of ``names``."""
        players = [await self.player(n) for n in names]
        room = await self.lobby.create_room(players[0], room_settings(**changes))
        for player in players[1:]:
            await self.lobby.join_by_invite(player, room.room.invite_code)
        for player in players:
            await self.lobby.set_ready(player, room.id, True)
        battle = await self.arena.start_room(players[0], room.id)
        return battle, players

    async def running(
        self, names: Sequence[str] = ("alice", "bob"), **changes: Any
    ) -> tuple[LiveBattle, list[Principal]]:
        battle, players = await self.started(names, **changes)
        self.clock.advance(COUNTDOWN)
        running = await self.arena.advance(battle.id)
        assert running is not None
        return running, players

    async def submit(
        self,
        player: Principal,
        battle: LiveBattle,
        source: bytes = b"right",
        question: str | None = None,
        key: str | None = None,
    ) -> BattleSubmission:
        return await self.arena.submit(
            player,
            battle.id,
            question_id=question or battle.question_ids[0],
            language="python3",
            source=source,
            key=key,
        )

    async def battle(self, battle_id: str) -> LiveBattle:
        found = await self.battles.get(battle_id)
        assert found is not None
        return found


def room_settings(**changes: Any) -> RoomSettings:
    values: dict[str, Any] = {
        "mode": Mode.DUEL,
        "sides": 2,
        "seats_per_side": 1,
        "questions": ChosenQuestions(("sum",)),
        "languages": frozenset({"python3"}),
        "time_limit_s": TIME_LIMIT,
    }
    return RoomSettings(**(values | changes))


async def build_world(season_length_s: float = DEFAULT_LENGTH_S) -> World:
    """Every store in memory, a hand-written judge and a step scheduler; the
    arena's instances share the stores."""
    clock = ManualClock()
    catalog = InMemoryQuestionCatalog()
    for question in QUESTIONS:
        await catalog.add(CatalogEntry(question, 1, None, 0.0, 0.0))
    users = InMemoryUserRepository()
    bus = InProcessEventBus(clock)
    rooms = InMemoryRoomRepository()
    presence = InMemoryPresence()
    limiter = InMemoryRateLimiter(clock)
    submissions = InMemorySubmissionRepository()
    battles = InMemoryBattleRepository(submissions)
    ladder = Ladder(
        seasons=InMemorySeasonRepository(),
        store=battles.ladder,
        database_board=InMemoryLeaderboard(battles.ladder),
        index=None,
        bus=bus,
        secrets=SystemSecrets(),
        clock=clock,
        rules=LadderRules(ELO),
        tiers=DEFAULT_TIERS,
        season_length_s=season_length_s,
    )
    languages = LanguageTable([PYTHON])
    lobby = Lobby(
        rooms=rooms,
        bus=bus,
        chat=InMemoryChatLog(),
        queue=InMemoryMatchQueue(),
        presence=presence,
        users=users,
        catalog=catalog,
        languages=languages,
        ratings=ladder,
        limiter=limiter,
        secrets=SystemSecrets(),
        clock=clock,
    )
    judge = SourceJudge()

    def make_arena(holder: str, scheduler: StepScheduler) -> Arena:
        """One instance of the arena; every instance shares the stores."""
        return Arena(
            battles=battles,
            submissions=submissions,
            lobby=lobby,
            rooms=rooms,
            catalog=catalog,
            judge=judge,
            validators=ValidatorCache(judge, languages),
            languages=languages,
            bus=bus,
            presence=presence,
            limiter=limiter,
            secrets=SystemSecrets(),
            clock=clock,
            queue=FairQueue(QueueLimits(slots=2, per_player=5)),
            scheduler=scheduler,
            holder=holder,
            settings=ArenaSettings(countdown_s=COUNTDOWN, max_queued=3, lease_s=60.0),
            ladder=ladder,
            users=users,
        )

    scheduler = StepScheduler()
    return World(
        make_arena("instance-a", scheduler),
        lobby,
        bus,
        clock,
        judge,
        scheduler,
        battles,
        submissions,
        users,
        make_arena,
        ladder,
        catalog,
    )


@pytest.fixture
async def world() -> AsyncIterator[World]:
    built = await build_world()
    yield built
    built.judge.gate.set()
    await built.scheduler.stop()


def kinds(heard: Sequence[Envelope]) -> list[str]:
    return [e.type for e in heard]


class TestCountdown:
    async def test_the_questions_are_revealed_once_when_the_countdown_ends(self, world):
        battle, _ = await world.started()
        heard = await world.listen(f"battle:{battle.id}")

        early = await world.arena.advance(battle.id)
        world.clock.advance(COUNTDOWN)
        await world.arena.advance(battle.id)
        await world.arena.advance(battle.id)

        assert early is not None
        assert early.status is BattleStatus.COUNTDOWN
        assert kinds(heard) == ["battle.started"]
        assert [q["id"] for q in heard[0].data["questions"]] == ["sum"]
        assert (await world.battle(battle.id)).status is BattleStatus.RUNNING
        assert world.scheduler.wakes == [
            (battle.id, battle.starts_at),
            (battle.id, battle.ends_at),
        ]

    async def test_the_battle_runs_for_the_rooms_time_limit_after_the_countdown(
        self, world
    ):
        battle, _ = await world.started()

        assert battle.starts_at == world.clock.now() + COUNTDOWN
        assert battle.ends_at == battle.starts_at + TIME_LIMIT
        assert battle.question_ids == ("sum",)

    async def test_nothing_is_shown_of_the_questions_before_the_reveal(self, world):
        battle, (alice, _) = await world.started()

        before = await world.arena.view(alice, battle.id)
        world.clock.advance(COUNTDOWN)
        after = await world.arena.view(alice, battle.id)

        assert before.questions == ()
        assert [q.id for q in after.questions] == ["sum"]


class TestSubmit:
    async def test_a_right_answer_is_judged_and_wins_the_duel(self, world):
        battle, (alice, _) = await world.running()
        heard = await world.listen(f"battle:{battle.id}")
        told = await world.listen("user:alice")
        world.clock.advance(42)

        submission = await world.submit(alice, battle)
        await world.scheduler.drain()

        finished = await world.battle(battle.id)
        stored = await world.submissions.get(submission.id)
        assert stored is not None
        assert stored.verdict is Verdict.ACCEPTED
        assert stored.tests_passed == stored.tests_total == 3
        assert finished.result is not None
        assert finished.result.reason is EndReason.ALL_SOLVED
        assert finished.result.winners == (0,)
        assert finished.result.standings[0].penalty_s == 42
        assert kinds(heard)[0] == "submission.queued"
        assert kinds(heard)[-2:] == ["submission.judged", "battle.finished"]
        assert kinds(told)[-1] == "submission.result"

    async def test_a_wrong_answer_counts_a_try_and_the_battle_goes_on(self, world):
        battle, (alice, _) = await world.running()

        submission = await world.submit(alice, battle, b"wrong")
        await world.scheduler.drain()

        stored = await world.submissions.get(submission.id)
        assert stored is not None
        assert stored.verdict is Verdict.WRONG_ANSWER
        assert (await world.battle(battle.id)).status is BattleStatus.RUNNING

    async def test_one_after_the_servers_end_is_refused_whatever_the_client_says(
        self, world
    ):
        battle, (alice, _) = await world.running()
        # The server's clock reads the end; a client a second behind still
        # shows a second left, but nothing the client sends holds the time.
        world.clock.advance(TIME_LIMIT)

        with pytest.raises(BattleOver):
            await world.submit(alice, battle)

        assert await world.submissions.of_battle(battle.id) == []

    @pytest.mark.parametrize(
        ("ending", "told"),
        [
            pytest.param("solved", "a side solved every question", id="all-solved"),
            pytest.param("forfeit", "only one side is left", id="last-side"),
            pytest.param("time", "time ran out on the server", id="time-up"),
        ],
    )
    async def test_one_after_the_end_is_told_how_the_battle_ended(
        self, world, ending, told
    ):
        battle, (alice, bob, carol) = await world.running(
            ("alice", "bob", "carol"), mode=Mode.FREE_FOR_ALL, sides=3
        )
        if ending == "solved":
            await world.submit(alice, battle)
            await world.scheduler.drain()
        elif ending == "forfeit":
            await world.arena.forfeit(alice, battle.id)
            await world.arena.forfeit(carol, battle.id)
        else:
            world.clock.advance(TIME_LIMIT)
            await world.arena.advance(battle.id)

        with pytest.raises(BattleOver) as refused:
            await world.submit(bob, battle, b"wrong")

        assert str(refused.value) == f"the battle is over: {told}"

    async def test_one_before_the_start_is_refused(self, world):
        battle, (alice, _) = await world.started()
        world.clock.advance(COUNTDOWN - 0.5)

        with pytest.raises(BattleRuleViolation) as refused:
            await world.submit(alice, battle)

        assert not isinstance(refused.value, BattleOver)
        assert await world.submissions.of_battle(battle.id) == []

    async def test_the_same_key_twice_is_judged_once(self, world):
        battle, (alice, _) = await world.running(
            questions=ChosenQuestions(("sum", "total"))
        )
        heard = await world.listen(f"battle:{battle.id}")

        first = await world.submit(alice, battle, b"wrong", key="try-1")
        again = await world.submit(alice, battle, b"wrong", key="try-1")
        await world.scheduler.drain()

        assert again.id == first.id
        assert world.judge.compiled == [b"wrong"]
        assert kinds(heard).count("submission.queued") == 1
        assert len(await world.submissions.of_battle(battle.id)) == 1

    async def test_a_retry_after_the_end_returns_what_was_accepted_in_time(self, world):
        battle, (alice, _) = await world.running()
        first = await world.submit(alice, battle, b"slow", key="try-1")
        # The answer was lost on the way; the client retries after the end.
        world.clock.advance(TIME_LIMIT)

        again = await world.submit(alice, battle, b"slow", key="try-1")

        assert again.id == first.id
        world.judge.gate.set()
        await world.scheduler.drain()

    async def test_a_key_sent_again_with_other_code_is_refused(self, world):
        battle, (alice, _) = await world.running()
        first = await world.submit(alice, battle, b"wrong", key="try-1")

        with pytest.raises(InvalidInput) as refused:
            await world.submit(alice, battle, b"right", key="try-1")

        assert refused.value.field == "key"
        await world.scheduler.drain()
        stored = await world.submissions.of_battle(battle.id)
        assert [s.id for s in stored] == [first.id]

    async def test_a_player_waits_for_their_queued_ones_before_sending_more(
        self, world
    ):
        battle, (alice, bob) = await world.running(
            questions=ChosenQuestions(("sum", "total"))
        )
        for _ in range(world.arena.settings.max_queued):
            await world.submit(alice, battle, b"slow", "sum")

        with pytest.raises(RateLimited):
            await world.submit(alice, battle, b"wrong", "total")

        assert await world.submit(bob, battle, b"wrong")  # bob has his own
        world.judge.gate.set()
        await world.scheduler.drain()
        assert await world.submit(alice, battle, b"wrong", "total")
        await world.scheduler.drain()

    async def test_a_player_not_in_the_battle_is_refused(self, world):
        battle, _ = await world.running()
        carol = await world.player("carol")

        with pytest.raises(PermissionDenied):
            await world.submit(carol, battle)

    async def test_a_player_who_forfeited_sends_nothing_more(self, world):
        battle, (alice, bob, _) = await world.running(
            ("alice", "bob", "carol"), mode=Mode.FREE_FOR_ALL, sides=3
        )
        await world.arena.forfeit(bob, battle.id)

        with pytest.raises(BattleRuleViolation):
            await world.submit(bob, battle)

        assert (await world.battle(battle.id)).status is BattleStatus.RUNNING
        assert await world.submit(alice, battle, b"wrong")

    async def test_a_judge_failure_voids_a_rated_battle(self, world):
        battle, (alice, bob) = await world.running(rated=True)

        await world.submit(bob, battle, b"broken")
        await world.scheduler.drain()
        await world.submit(alice, battle)
        await world.scheduler.drain()

        finished = await world.battle(battle.id)
        assert finished.result is not None
        assert finished.result.voided
        assert finished.result.winners == (0,)
        assert await world.lobby_ratings() == {}

    async def test_a_rated_win_moves_both_ratings(self, world):
        battle, (alice, _) = await world.running(rated=True)

        await world.submit(alice, battle)
        await world.scheduler.drain()

        ratings = await world.lobby_ratings()
        assert ratings["alice"].rating > 1500 > ratings["bob"].rating
        assert ratings["alice"].rated_battles == ratings["bob"].rated_battles == 1


class TestTimeUp:
    async def test_one_sent_before_the_end_is_waited_for_then_counts(self, world):
        battle, (alice, _) = await world.running(
            questions=ChosenQuestions(("sum", "total"))
        )
        heard = await world.listen(f"battle:{battle.id}")
        world.clock.advance(TIME_LIMIT - 1)
        await world.submit(alice, battle, b"slow")

        world.clock.advance(1)
        waiting = await world.arena.advance(battle.id)
        world.judge.gate.set()
        await world.scheduler.drain()

        assert waiting is not None
        assert waiting.status is BattleStatus.RUNNING
        finished = await world.battle(battle.id)
        assert finished.result is not None
        assert finished.result.reason is EndReason.TIME_UP
        assert finished.result.ended_at == battle.ends_at
        assert finished.result.winners == (0,)
        assert kinds(heard)[-2:] == ["submission.judged", "battle.finished"]

    async def test_time_up_with_nothing_queued_finishes_at_once(self, world):
        battle, _ = await world.running()
        world.clock.advance(TIME_LIMIT)

        finished = await world.arena.advance(battle.id)

        assert finished is not None
        assert finished.result is not None
        assert finished.result.reason is EndReason.TIME_UP
        assert finished.result.winners == (0, 1)  # nobody solved anything
        assert await world.arena.due() == []

    async def test_the_verdicts_order_does_not_matter_only_when_sent(self, world):
        battle, (alice, bob) = await world.running()
        world.clock.advance(10)
        await world.submit(alice, battle, b"slow")
        world.clock.advance(10)

        await world.submit(bob, battle)  # judged first, but sent later
        await let_run()
        undecided = await world.battle(battle.id)
        world.judge.gate.set()
        await world.scheduler.drain()

        assert undecided.status is BattleStatus.RUNNING
        finished = await world.battle(battle.id)
        assert finished.result is not None
        assert finished.result.winners == (0,)
        assert finished.result.ended_at == battle.starts_at + 10

    async def test_one_sent_after_a_side_solved_everything_is_discarded(self, world):
        battle, (alice, bob) = await world.running()
        world.clock.advance(10)
        await world.submit(alice, battle, b"slow")
        world.clock.advance(10)
        told = await world.listen("user:bob")

        late = await world.submit(bob, battle, b"slow")
        world.judge.gate.set()
        await world.scheduler.drain()

        finished = await world.battle(battle.id)
        stored = await world.submissions.get(late.id)
        assert finished.result is not None
        assert finished.result.winners == (0,)
        assert stored is not None
        assert stored.status is SubmissionStatus.DISCARDED
        assert "submission.discarded" in kinds(told)


class TestForfeit:
    async def test_a_player_offline_after_the_grace_forfeits(self, world):
        battle, _ = await world.running()
        await world.arena.connected("bob", battle.id)
        heard = await world.listen(f"battle:{battle.id}")

        gone = await world.arena.disconnected("bob", battle.id)
        await world.arena.grace_over("bob", battle.id)

        assert gone
        finished = await world.battle(battle.id)
        assert finished.forfeited("bob")
        assert finished.result is not None
        assert finished.result.reason is EndReason.LAST_SIDE_STANDING
        assert finished.result.winners == (0,)
        assert kinds(heard) == [
            "presence.changed",
            "battle.forfeited",
            "battle.finished",
        ]

    async def test_a_player_back_within_the_grace_plays_on(self, world):
        battle, _ = await world.running()
        await world.arena.connected("bob", battle.id)
        await world.arena.disconnected("bob", battle.id)
        await world.arena.connected("bob", battle.id)

        await world.arena.grace_over("bob", battle.id)

        running = await world.battle(battle.id)
        assert not running.forfeited("bob")
        assert running.status is BattleStatus.RUNNING

    async def test_giving_up_in_a_duel_ends_it_for_the_other_side(self, world):
        battle, (alice, bob) = await world.running()
        world.clock.advance(30)

        finished = await world.arena.forfeit(alice, battle.id)

        assert finished.result is not None
        assert finished.result.reason is EndReason.LAST_SIDE_STANDING
        assert finished.result.ended_at == battle.starts_at + 30
        assert finished.result.winners == (1,)
        with pytest.raises(BattleOver):
            await world.arena.forfeit(bob, battle.id)

    async def test_the_answer_is_the_finished_battle_when_another_finished_it(
        self, world
    ):
        battle, (alice, _) = await world.running()
        other = world.make_arena("instance-b", StepScheduler())
        finish = world.battles.finish

        async def finished_first_by_the_other(*args: Any) -> Any:
            world.battles.finish = finish  # type: ignore[method-assign]
            await other.advance(battle.id)  # its sweep saw the forfeit first
            return await finish(*args)

        world.battles.finish = finished_first_by_the_other  # type: ignore[method-assign]

        answer = await world.arena.forfeit(alice, battle.id)

        assert answer.status is BattleStatus.FINISHED
        assert answer.result is not None
        assert answer.result.reason is EndReason.LAST_SIDE_STANDING

    async def test_a_free_for_all_goes_on_until_one_side_is_left(self, world):
        names = ("alice", "bob", "carol")
        battle, (alice, bob, _) = await world.running(
            names, mode=Mode.FREE_FOR_ALL, sides=3
        )

        after_one = await world.arena.forfeit(alice, battle.id)
        after_two = await world.arena.forfeit(bob, battle.id)

        assert after_one.status is BattleStatus.RUNNING
        assert after_two.result is not None
        assert after_two.result.winners == (2,)

    async def test_one_outside_the_battle_cannot_forfeit_it(self, world):
        battle, _ = await world.running()
        carol = await world.player("carol")

        with pytest.raises(PermissionDenied):
            await world.arena.forfeit(carol, battle.id)


class TestCountdownForfeit:
    async def test_nobody_gives_up_a_battle_that_has_not_started(self, world):
        battle, (alice, _) = await world.started()

        with pytest.raises(BattleRuleViolation):
            await world.arena.forfeit(alice, battle.id)

        assert not (await world.battle(battle.id)).forfeited("alice")


class TestRematch:
    async def test_every_player_votes_then_the_same_sides_meet_on_new_questions(
        self, world
    ):
        battle, (alice, bob) = await world.running(questions=RandomQuestions(1))
        await world.arena.forfeit(bob, battle.id)
        heard = await world.listen(f"battle:{battle.id}")

        first = await world.arena.vote_rematch(alice, battle.id)
        rematch = await world.arena.vote_rematch(bob, battle.id)

        assert first.id == battle.id
        assert first.rematch is None
        assert rematch.id != battle.id
        assert rematch.sides == battle.sides
        assert rematch.previous == battle.id
        assert set(rematch.question_ids).isdisjoint(battle.question_ids)
        assert rematch.status is BattleStatus.COUNTDOWN
        assert (await world.battle(battle.id)).rematch == rematch.id
        assert kinds(heard) == ["rematch.voted", "rematch.voted", "battle.rematch"]
        assert heard[0].data["waiting_for"] == ["bob"]

    async def test_a_rematch_of_chosen_questions_says_it_drew_as_many(self, world):
        battle, (alice, bob) = await world.running()
        await world.arena.forfeit(bob, battle.id)

        await world.arena.vote_rematch(alice, battle.id)
        rematch = await world.arena.vote_rematch(bob, battle.id)

        assert battle.settings.questions == ChosenQuestions(("sum",))
        assert rematch.settings.questions == RandomQuestions(1)
        assert rematch.question_ids == ("total",)

    async def test_no_rematch_before_the_end_nor_a_second_one(self, world):
        battle, (alice, bob) = await world.running()

        with pytest.raises(BattleRuleViolation):
            await world.arena.vote_rematch(alice, battle.id)
        await world.arena.forfeit(bob, battle.id)
        await world.arena.vote_rematch(alice, battle.id)
        await world.arena.vote_rematch(bob, battle.id)

        with pytest.raises(BattleRuleViolation):
            await world.arena.vote_rematch(alice, battle.id)

    async def test_a_second_click_of_one_player_changes_nothing(self, world):
        battle, (alice, bob) = await world.running()
        await world.arena.forfeit(bob, battle.id)
        await world.arena.vote_rematch(alice, battle.id)
        heard = await world.listen(f"battle:{battle.id}")

        again = await world.arena.vote_rematch(alice, battle.id)

        assert again.rematch is None
        assert again.rematch_votes == frozenset({"alice"})
        assert heard == []

    async def test_a_rematch_that_could_not_begin_begins_at_the_next_click(self, world):
        battle, (alice, bob) = await world.running(questions=RandomQuestions(1))
        await world.arena.forfeit(bob, battle.id)
        for question in QUESTIONS:  # the catalog emptied as the battle ended
            await world.catalog.delete(question.id)
        await world.arena.vote_rematch(alice, battle.id)
        with pytest.raises(InvalidInput):
            await world.arena.vote_rematch(bob, battle.id)
        fresh = replace(QUESTIONS[0], id="fresh")
        await world.catalog.add(CatalogEntry(fresh, 1, None, 0.0, 0.0))

        rematch = await world.arena.vote_rematch(bob, battle.id)

        assert rematch.previous == battle.id
        assert rematch.question_ids == ("fresh",)

    async def test_only_the_battles_players_vote(self, world):
        battle, (_, bob) = await world.running()
        await world.arena.forfeit(bob, battle.id)
        carol = await world.player("carol")

        with pytest.raises(PermissionDenied):
            await world.arena.vote_rematch(carol, battle.id)


class TestRoomAfterTheBattle:
    async def test_the_room_reopens_with_its_players_seated_and_none_ready(self, world):
        battle, (alice, bob) = await world.running()
        in_room = await world.listen(f"room:{battle.room_id}")
        in_lobby = await world.listen("lobby")

        await world.arena.forfeit(bob, battle.id)

        room = await world.lobby.room(alice, battle.room_id)
        assert room.room.status is RoomStatus.OPEN
        assert room.room.seats == (("alice",), ("bob",))
        assert room.room.ready == frozenset()
        assert room.battle == battle.id
        assert kinds(in_room) == [
            "room.reopened",
            "readiness.changed",
            "readiness.changed",
        ]
        assert kinds(in_lobby) == ["room.listed"]

    async def test_a_player_in_a_battle_sits_in_no_other_room(self, world):
        _, (_, bob) = await world.running()

        with pytest.raises(RoomRuleViolation, match="leave your current room"):
            await world.lobby.create_room(bob, room_settings())

    async def test_after_the_battle_a_player_leaves_and_sits_elsewhere(self, world):
        battle, (_, bob) = await world.running()
        await world.arena.forfeit(bob, battle.id)

        await world.lobby.leave(bob, battle.room_id)
        elsewhere = await world.lobby.create_room(bob, room_settings())

        assert elsewhere.room.players == ("bob",)

    async def test_the_room_starts_a_new_battle_once_all_ready_again(self, world):
        battle, (alice, bob) = await world.running()
        await world.arena.forfeit(bob, battle.id)

        for player in (alice, bob):
            await world.lobby.set_ready(player, battle.room_id, True)
        second = await world.arena.start_room(alice, battle.room_id)

        room = await world.lobby.room(alice, battle.room_id)
        assert room.room.status is RoomStatus.IN_BATTLE
        assert room.battle == second.id
        assert second.previous is None

    async def test_a_rematch_takes_the_room_into_its_battle(self, world):
        battle, (alice, bob) = await world.running()
        await world.arena.forfeit(bob, battle.id)
        in_room = await world.listen(f"room:{battle.room_id}")

        await world.arena.vote_rematch(alice, battle.id)
        rematch = await world.arena.vote_rematch(bob, battle.id)

        room = await world.lobby.room(alice, battle.room_id)
        assert room.room.status is RoomStatus.IN_BATTLE
        assert room.battle == rematch.id
        assert kinds(in_room) == ["battle.starting", "battle.created"]

    async def test_no_rematch_once_a_player_left_the_room(self, world):
        battle, (alice, bob) = await world.running()
        await world.arena.forfeit(bob, battle.id)
        await world.lobby.leave(bob, battle.room_id)
        await world.arena.vote_rematch(alice, battle.id)

        with pytest.raises(RoomRuleViolation, match="players changed"):
            await world.arena.vote_rematch(bob, battle.id)

        assert (await world.battle(battle.id)).rematch is None
        room = await world.lobby.room(alice, battle.room_id)
        assert room.room.status is RoomStatus.OPEN

    async def test_a_room_whose_battle_could_not_begin_opens_again(self, world):
        alice, bob = await world.player("alice"), await world.player("bob")
        room = await world.lobby.create_room(alice, room_settings())
        await world.lobby.join(bob, room.id)
        for player in (alice, bob):
            await world.lobby.set_ready(player, room.id, True)
        await world.catalog.delete("sum")

        with pytest.raises(InvalidInput):
            await world.arena.start_room(alice, room.id)

        reopened = await world.lobby.room(alice, room.id)
        assert reopened.room.status is RoomStatus.OPEN


class TestVisibility:
    async def test_a_private_battle_is_hidden_from_outsiders(self, world):
        battle, (alice, _) = await world.running(private=True)
        submission = await world.submit(alice, battle, b"wrong")
        carol = await world.player("carol")
        admin = await world.player("root", Role.ADMIN)

        with pytest.raises(BattleNotFound):
            await world.arena.view(carol, battle.id)
        with pytest.raises(BattleNotFound):
            await world.arena.authorize(carol, battle.id)
        with pytest.raises(BattleNotFound):
            await world.submit(carol, battle)
        with pytest.raises(SubmissionNotFound):
            await world.arena.submission(carol, submission.id)

        assert (await world.arena.view(admin, battle.id)).battle.id == battle.id
        await world.scheduler.drain()

    async def test_anyone_may_watch_a_public_battle(self, world):
        battle, _ = await world.running()
        carol = await world.player("carol")

        view = await world.arena.view(carol, battle.id)

        assert [s["side"] for s in view.standings] == [0, 1]

    async def test_code_is_its_authors_until_the_end_then_the_players(self, world):
        battle, (alice, bob) = await world.running()
        carol = await world.player("carol")
        submission = await world.submit(alice, battle, b"wrong")
        await world.scheduler.drain()

        _, author_reads = await world.arena.submission(alice, submission.id)
        _, rival_reads = await world.arena.submission(bob, submission.id)
        await world.arena.forfeit(bob, battle.id)
        _, rival_reads_after = await world.arena.submission(bob, submission.id)

        assert author_reads
        assert not rival_reads
        assert rival_reads_after
        with pytest.raises(SubmissionNotFound):
            await world.arena.submission(carol, submission.id)


class TestHistory:
    async def _played(self, world, privacy: Sequence[bool]) -> Principal:
        """Alice's finished battles, oldest first, private where asked."""
        battle, (alice, bob) = await world.running()
        await world.arena.forfeit(bob, battle.id)
        finished = await world.battle(battle.id)
        assert finished.result is not None
        for number, private in enumerate(privacy):
            await world.battles.add(
                replace(
                    finished,
                    id=f"past{number}",
                    settings=replace(finished.settings, private=private),
                    result=replace(finished.result, ended_at=float(number)),
                )
            )
        return alice

    async def test_another_viewer_gets_full_pages_past_hidden_battles(self, world):
        alice = await self._played(world, [False, False, True, True, True, False])
        carol = await world.player("carol")

        first = await world.arena.history(carol, "alice", None, limit=2)
        second = await world.arena.history(carol, "alice", first.next_cursor, 2)

        assert [b.id for b in first.battles][1:] == ["past5"]
        assert [b.id for b in second.battles] == ["past1", "past0"]
        assert second.next_cursor is None
        mine = await world.arena.history(alice, "alice", None, limit=10)
        assert len(mine.battles) == 7

    async def test_a_viewer_who_played_sees_the_private_battles(self, world):
        await self._played(world, [True, True])
        bob = Principal("bob", "session-bob", Role.PLAYER)

        page = await world.arena.history(bob, "alice", None, limit=10)

        assert len(page.battles) == 3


class TestRecovery:
    async def _stopped_instance(self, world) -> tuple[LiveBattle, BattleSubmission]:
        """Instance a took a submission, then stopped before judging it."""
        battle, (alice, _) = await world.running()
        submission = await world.submit(alice, battle, b"slow")
        await let_run()
        assert world.arena.holding == (submission.id,)
        await world.scheduler.stop()
        world.judge.gate.set()
        return battle, submission

    async def test_another_instance_judges_one_whose_lease_ran_out(self, world):
        battle, submission = await self._stopped_instance(world)
        scheduler = StepScheduler()
        other = world.make_arena("instance-b", scheduler)

        world.clock.advance(30)
        too_early = await other.recover()
        world.clock.advance(31)
        taken = await other.recover()
        await scheduler.drain()

        assert (too_early, taken) == (0, 1)
        stored = await world.submissions.get(submission.id)
        assert stored is not None
        assert stored.verdict is Verdict.ACCEPTED
        finished = await world.battle(battle.id)
        assert finished.result is not None
        assert finished.result.winners == (0,)
        assert other.holding == ()

    async def test_released_leases_are_taken_at_once(self, world):
        _, submission = await self._stopped_instance(world)
        await world.arena.release_leases([submission.id])
        scheduler = StepScheduler()
        other = world.make_arena("instance-b", scheduler)

        taken = await other.recover()
        await scheduler.drain()

        assert taken == 1
        stored = await world.submissions.get(submission.id)
        assert stored is not None
        assert stored.status is SubmissionStatus.JUDGED

    async def test_a_renewed_lease_is_not_taken(self, world):
        battle, (alice, _) = await world.running()
        await world.submit(alice, battle, b"slow")
        other = world.make_arena("instance-b", StepScheduler())

        world.clock.advance(50)
        await world.arena.renew_leases()
        world.clock.advance(50)

        assert await other.recover() == 0
        world.judge.gate.set()
        await world.scheduler.drain()


class TestTiesLateLeavesAndRetries:
    """Ties at one instant, leaving once time is up, and retries at the limit."""

    def test_the_first_of_two_simultaneous_forfeits_loses(self):
        battle = live_duel()
        first, second = battle.players
        at = BATTLE_START  # as in the countdown: both clamped to the start
        battle = battle.with_forfeit(first, at).with_forfeit(second, at)

        result = result_of(battle, [])

        assert result.reason is EndReason.LAST_SIDE_STANDING
        assert result.winners == (1,)  # the second stayed longer

    def test_a_forfeit_after_the_time_is_up_does_not_count(self):
        battle = live_battle(Mode.DUEL, 2, 1, ("q1", "q2"))
        alice, _ = battle.players
        solved = judged(battle, alice, "q1", Verdict.ACCEPTED, BATTLE_START + 10)
        battle = battle.with_forfeit(alice, battle.ends_at + 5)

        decision = replay(battle, [solved], battle.ends_at + 10)
        result = rated_result(battle, [solved], decision, {})

        assert result.reason is EndReason.TIME_UP
        assert result.winners == (0,)

    async def test_both_gone_in_the_countdown_the_first_loses(self, world):
        battle, _ = await world.started()
        for player in ("alice", "bob"):  # closed the tab; the grace ran out
            await world.arena.connected(player, battle.id)
            await world.arena.disconnected(player, battle.id)
            await world.arena.grace_over(player, battle.id)

        world.clock.advance(COUNTDOWN)
        finished = await world.arena.advance(battle.id)

        assert finished is not None
        assert finished.result is not None
        assert finished.result.winners == (1,)

    async def test_leaving_after_the_time_is_up_changes_nothing(self, world):
        battle, (alice, bob) = await world.running(
            questions=ChosenQuestions(("sum", "total"))
        )
        world.clock.advance(10)
        await world.submit(alice, battle, b"right", "sum")
        await world.scheduler.drain()
        world.clock.advance(TIME_LIMIT - 11)
        await world.submit(bob, battle, b"slow", "sum")  # a last-second try
        world.clock.advance(1)
        waiting = await world.arena.advance(battle.id)  # time up: it waits

        # alice closes her tab while bob's verdict is pending, and the
        # grace period runs out before it comes.
        await world.arena.connected("alice", battle.id)
        await world.arena.disconnected("alice", battle.id)
        world.clock.advance(30)
        await world.arena.grace_over("alice", battle.id)
        world.judge.gate.set()
        await world.scheduler.drain()

        assert waiting is not None
        assert waiting.status is BattleStatus.RUNNING
        finished = await world.battle(battle.id)
        assert finished.result is not None
        assert finished.result.reason is EndReason.TIME_UP
        assert finished.result.winners == (0,)  # both solved one; alice sooner

    async def test_a_retry_at_the_queue_limit_returns_what_was_stored(self, world):
        battle, (alice, _) = await world.running()
        for n in range(world.arena.settings.max_queued):
            last = await world.submit(alice, battle, b"slow", key=f"try-{n}")

        again = await world.submit(alice, battle, b"slow", key=last.key)

        assert again.id == last.id
        world.judge.gate.set()
        await world.scheduler.drain()
