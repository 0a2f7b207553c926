"""The arena on in-memory stores and a manual clock: the fair judging queue,
the replay of a battle into its result, and the use cases from the countdown
to the rematch, judged by a hand-written judge."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitcode_core.arena.fair_queue import FairQueue, QueueLimits
from bitcode_core.arena.model import (
    BattleSubmission,
    Forfeit,
    LiveBattle,
    decide,
    replay,
)
from bitcode_core.battles import (
    Attempt,
    Battle,
    BattleRules,
    EndReason,
    Side,
)
from bitcode_core.elo import EloRules
from bitcode_core.errors import (
    BattleRuleViolation,
    RateLimited,
)
from bitcode_core.ports import PlayerRating
from bitcode_core.rooms.settings import (
    Mode,
)
from bitcode_core.verdicts import Verdict
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
    return decide(battle, submissions, decision, ratings or {}, ELO)


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

        result = decide(battle, submissions, decision, {}, ELO)

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
