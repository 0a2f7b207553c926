"""The arena's stores, one contract run on every backend: memory, SQLite and
PostgreSQL. The in-memory stores are the reference. Races run through two
handles on one store, as two server instances hold them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import pytest

from bitcode_adapters.arena import (
    InMemoryBattleRepository,
    InMemorySubmissionRepository,
)
from bitcode_adapters.ladder import InMemoryLadderStore
from bitcode_adapters.sql import (
    Database,
    SqlBattleRepository,
    SqlLadderStore,
    SqlSubmissionRepository,
)
from bitcode_adapters.sql.tables import metadata
from bitcode_core.arena.model import (
    BattleResult,
    BattleSide,
    BattleStatus,
    BattleSubmission,
    Forfeit,
    LiveBattle,
    QuestionRef,
    SideStanding,
    SubmissionStatus,
    with_ratings,
)
from bitcode_core.arena.ports import (
    BattleRepository,
    Decide,
    Finished,
    SubmissionRepository,
)
from bitcode_core.battles import EndReason
from bitcode_core.elo import RatedSide, RatingChange
from bitcode_core.errors import InvalidInput
from bitcode_core.ladder.model import LadderKey, LadderRating, Scope
from bitcode_core.ladder.ports import LadderStore
from bitcode_core.ladder.rules import LadderRules, RatedBattle, keys_needed, rate
from bitcode_core.rooms.settings import ChosenQuestions, Mode, RoomSettings
from bitcode_core.verdicts import SubmissionResult, Verdict
from bitcode_core.verdicts import TestOutcome as Outcome

pytestmark = [pytest.mark.anyio, pytest.mark.no_skip]

NOW = 1_700_000_000.0
PLAYERS = ("p1", "p2")
SEASON = "s1"
RULES = LadderRules()
SETTINGS = RoomSettings(
    mode=Mode.DUEL,
    sides=2,
    seats_per_side=1,
    questions=ChosenQuestions(("q1", "q2")),
    languages=frozenset({"python3", "cpp17"}),
    time_limit_s=600,
    rated=True,
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Arena:
    """Two handles on the same stores, and the ladder beside them."""

    battles: tuple[BattleRepository, BattleRepository]
    submissions: tuple[SubmissionRepository, SubmissionRepository]
    ladder: LadderStore


@pytest.fixture
async def arena(storage_url: str | None) -> AsyncIterator[Arena]:
    if storage_url is None:
        submissions = InMemorySubmissionRepository()
        ladder = InMemoryLadderStore()
        battles = InMemoryBattleRepository(submissions, ladder)
        yield Arena((battles,) * 2, (submissions,) * 2, ladder)
        return
    one, two = Database(storage_url), Database(storage_url)
    async with one.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    try:
        yield Arena(
            (SqlBattleRepository(one), SqlBattleRepository(two)),
            (SqlSubmissionRepository(one), SqlSubmissionRepository(two)),
            SqlLadderStore(one),
        )
    finally:
        await one.dispose()
        await two.dispose()


def a_battle(battle_id: str = "b1", **changes: Any) -> LiveBattle:
    battle = LiveBattle(
        id=battle_id,
        room_id="r1",
        settings=SETTINGS,
        sides=(BattleSide(0, ("p1",)), BattleSide(1, ("p2",))),
        questions=(QuestionRef("q1", 1), QuestionRef("q2", 3)),
        names={"p1": "Ada", "p2": "Grace"},
        created_at=NOW,
        starts_at=NOW + 5,
        ends_at=NOW + 605,
    )
    return replace(battle, **changes)


def a_result(ended_at: float = NOW + 300, *changes: RatingChange) -> BattleResult:
    return BattleResult(
        EndReason.ALL_SOLVED,
        ended_at,
        (
            SideStanding(0, 1, 2, 120.5, 0.0, False),
            SideStanding(1, 2, 1, 60.0, 0.5, True),
        ),
        changes,
    )


def a_submission(
    submission_id: str = "s1", battle_id: str = "b1", **changes: Any
) -> BattleSubmission:
    submission = BattleSubmission(
        id=submission_id,
        battle_id=battle_id,
        player="p1",
        question_id="q1",
        language="python3",
        source=b"print(input())\n\x00",
        submitted_at=NOW + 10,
    )
    return replace(submission, **changes)


def a_rated_battle(battle_id: str = "b1") -> RatedBattle:
    sides = (RatedSide(("p1",), 1), RatedSide(("p2",), 2))
    return RatedBattle(battle_id, Mode.DUEL, sides, NOW + 300, SEASON, None)


async def finish(
    repository: BattleRepository,
    battle_id: str = "b1",
    discard: Iterable[str] = (),
    calls: list[Mapping[LadderKey, LadderRating]] | None = None,
) -> Finished | None:
    """Finish a battle with a win for p1 that moves the ladder."""
    rated = a_rated_battle(battle_id)

    def decide(book: Mapping[LadderKey, LadderRating]) -> Finished:
        if calls is not None:
            calls.append(dict(book))
        update = rate(rated, book, RULES)
        return with_ratings(a_result(), update, SEASON), update

    return await repository.finish(battle_id, keys_needed(rated), decide, list(discard))


def ending_at(ended_at: float) -> Decide:
    return lambda _book: (a_result(ended_at), None)


ACCEPTED = SubmissionResult(
    Verdict.ACCEPTED,
    (
        Outcome("t1", Verdict.ACCEPTED, 0.25, 1024, sample=True),
        Outcome("t2", Verdict.ACCEPTED, 0.5, 2048, message="ok"),
    ),
    total_tests=2,
    compile_log="warning: none",
)


async def running(arena: Arena, battle: LiveBattle | None = None) -> LiveBattle:
    battle = battle or a_battle()
    await arena.battles[0].add(battle)
    await arena.battles[0].begin(battle.id)
    return replace(battle, status=BattleStatus.RUNNING)


class TestStoringBattles:
    async def test_a_battle_comes_back_with_every_field(self, arena: Arena) -> None:
        change = RatingChange("p1", 1500.0, 1516.25, 32.0)
        battle = a_battle(
            status=BattleStatus.FINISHED,
            penalty_s=120.0,
            previous="b0",
            forfeits=(Forfeit("p2", NOW + 50.5), Forfeit("p1", NOW + 60)),
            rematch_votes=frozenset({"p1", "p2"}),
            rematch="b2",
            result=replace(a_result(NOW + 60, change), voided=True),
        )

        await arena.battles[0].add(battle)

        assert await arena.battles[1].get("b1") == battle

    async def test_an_unknown_battle_is_none(self, arena: Arena) -> None:
        assert await arena.battles[0].get("nope") is None

    async def test_begin_happens_once(self, arena: Arena) -> None:
        await arena.battles[0].add(a_battle())

        first = await arena.battles[0].begin("b1")
        second = await arena.battles[1].begin("b1")
        stored = await arena.battles[1].get("b1")

        assert (first, second) == (True, False)
        assert stored is not None
        assert stored.status is BattleStatus.RUNNING

    async def test_a_forfeit_is_recorded_once_per_player(self, arena: Arena) -> None:
        await running(arena)

        first = await arena.battles[0].add_forfeit("b1", "p2", NOW + 20)
        again = await arena.battles[1].add_forfeit("b1", "p2", NOW + 30)
        other = await arena.battles[1].add_forfeit("b1", "p1", NOW + 40)
        stored = await arena.battles[0].get("b1")

        assert (first, again, other) == (True, False, True)
        assert stored is not None
        assert stored.forfeits == (Forfeit("p2", NOW + 20), Forfeit("p1", NOW + 40))

    async def test_a_forfeit_sent_twice_at_once_counts_once(self, arena: Arena) -> None:
        await running(arena)

        outcomes = await asyncio.gather(
            arena.battles[0].add_forfeit("b1", "p2", NOW + 20),
            arena.battles[1].add_forfeit("b1", "p2", NOW + 21),
        )
        stored = await arena.battles[0].get("b1")

        assert sorted(outcomes) == [False, True]
        assert stored is not None
        assert len(stored.forfeits) == 1

    async def test_no_forfeit_after_the_end(self, arena: Arena) -> None:
        await running(arena)
        await finish(arena.battles[0], "b1")

        assert await arena.battles[0].add_forfeit("b1", "p2", NOW + 400) is False


class TestFinishingBattles:
    async def test_the_result_and_the_ladder_it_moves_are_stored_once(
        self, arena: Arena
    ) -> None:
        await running(arena)
        seeded = LadderRating(SEASON, Scope.OVERALL, "p1", 1600.0, 4, best=1600.0)
        await arena.ladder.replace_all([seeded])
        calls: list[Mapping[LadderKey, LadderRating]] = []

        finished = await finish(arena.battles[0], calls=calls)
        again = await finish(arena.battles[1], calls=calls)
        stored = await arena.battles[1].get("b1")
        keys = keys_needed(a_rated_battle())
        ladder = await arena.ladder.ratings(keys)
        history = await arena.ladder.changes("p1", SEASON, Scope.OVERALL)

        assert finished is not None
        result, update = finished
        assert update is not None
        assert again is None
        assert calls == [{seeded.key: seeded}]
        assert stored is not None
        assert (stored.status, stored.result) == (BattleStatus.FINISHED, result)
        assert result.season == SEASON
        assert result.ladder == update.changes
        assert ladder == {r.key: r for r in update.ratings}
        assert ladder[seeded.key].rated_battles == 5
        assert [c.before for c in history] == [1600.0]
        assert await arena.ladder.rated_battles() == [a_rated_battle()]

    async def test_a_battle_not_running_is_not_finished(self, arena: Arena) -> None:
        await arena.battles[0].add(a_battle())

        assert await finish(arena.battles[0]) is None
        assert await finish(arena.battles[0], "nope") is None

    async def test_a_battle_that_rates_nobody_moves_no_rating(
        self, arena: Arena
    ) -> None:
        await running(arena)

        finished = await arena.battles[0].finish("b1", (), ending_at(NOW + 50), ())

        assert finished == (a_result(NOW + 50), None)
        assert await arena.ladder.rated_battles() == []
        assert await arena.ladder.scan(None, 10) == []

    async def test_two_instances_finishing_at_once_store_one_result(
        self, arena: Arena
    ) -> None:
        ids = [f"b{n}" for n in range(5)]
        for battle_id in ids:
            await running(arena, a_battle(battle_id))
        calls: list[Mapping[LadderKey, LadderRating]] = []

        results = await asyncio.gather(
            *(finish(arena.battles[n % 2], b, calls=calls) for b in ids for n in (0, 1))
        )
        key = LadderKey(SEASON, Scope.OVERALL, "p1")
        ratings = await arena.ladder.ratings([key])

        assert sum(r is not None for r in results) == len(ids)
        assert len(calls) == len(ids)
        assert ratings[key].rated_battles == len(ids)

    async def test_late_submissions_are_discarded_and_judged_ones_kept(
        self, arena: Arena
    ) -> None:
        await running(arena)
        submissions = arena.submissions[0]
        for submission_id in ("s1", "s2", "s3"):
            await submissions.add(a_submission(submission_id), "h1", NOW + 100)
        await submissions.judged("s1", ACCEPTED, NOW + 15)

        await finish(arena.battles[0], "b1", ["s1", "s2"])
        statuses = [s.status for s in await submissions.of_battle("b1")]

        assert statuses == [
            SubmissionStatus.JUDGED,
            SubmissionStatus.DISCARDED,
            SubmissionStatus.QUEUED,
        ]
        assert await submissions.judged("s2", ACCEPTED, NOW + 20) is None


class TestRematches:
    async def test_votes_gather_on_the_battle(self, arena: Arena) -> None:
        await arena.battles[0].add(a_battle())

        first = await arena.battles[0].vote_rematch("b1", "p1")
        both = await arena.battles[1].vote_rematch("b1", "p2")
        again = await arena.battles[0].vote_rematch("b1", "p2")

        assert first.rematch_votes == {"p1"}
        assert both.rematch_votes == again.rematch_votes == {"p1", "p2"}

    async def test_votes_sent_at_once_are_all_kept(self, arena: Arena) -> None:
        await arena.battles[0].add(a_battle())

        await asyncio.gather(
            arena.battles[0].vote_rematch("b1", "p1"),
            arena.battles[1].vote_rematch("b1", "p2"),
        )
        stored = await arena.battles[0].get("b1")

        assert stored is not None
        assert stored.rematch_votes == {"p1", "p2"}

    async def test_a_battle_has_one_rematch(self, arena: Arena) -> None:
        await arena.battles[0].add(a_battle())
        rematch = a_battle("b2", previous="b1", created_at=NOW + 700)

        first = await arena.battles[0].link_rematch("b1", rematch)
        second = await arena.battles[1].link_rematch("b1", a_battle("b3"))
        old = await arena.battles[1].get("b1")

        assert (first, second) == (True, False)
        assert old is not None
        assert old.rematch == "b2"
        assert await arena.battles[1].get("b2") == rematch
        assert await arena.battles[1].get("b3") is None

    async def test_two_links_at_once_make_one_rematch(self, arena: Arena) -> None:
        await arena.battles[0].add(a_battle())

        linked = await asyncio.gather(
            arena.battles[0].link_rematch("b1", a_battle("b2")),
            arena.battles[1].link_rematch("b1", a_battle("b3")),
        )
        old = await arena.battles[0].get("b1")

        assert sorted(linked) == [False, True]
        assert old is not None
        assert old.rematch == ("b2" if linked[0] else "b3")


class TestWhatIsDue:
    async def test_countdowns_and_battles_whose_time_is_up(self, arena: Arena) -> None:
        battles = arena.battles[0]
        await battles.add(a_battle("waiting", starts_at=NOW + 100))
        await battles.add(a_battle("starting", starts_at=NOW - 1))
        await running(arena, a_battle("playing", starts_at=NOW - 10))
        await running(arena, a_battle("over", ends_at=NOW))
        await running(arena, a_battle("done", ends_at=NOW - 5))
        await finish(battles, "done")

        due = await battles.due(NOW, 10)
        limited = await battles.due(NOW, 1)

        assert sorted(due) == ["over", "starting"]
        assert len(limited) == 1
        assert set(limited) <= {"over", "starting"}

    async def test_running_lists_every_battle_not_finished(self, arena: Arena) -> None:
        battles = arena.battles[0]
        await battles.add(a_battle("waiting"))
        await running(arena, a_battle("playing"))
        await running(arena, a_battle("done"))
        await finish(battles, "done")

        assert sorted(await battles.running()) == ["playing", "waiting"]


class TestHistory:
    async def _played(self, arena: Arena) -> None:
        ends = {"b1": 100.0, "b2": 300.0, "b3": 200.0, "b4": 300.0, "b5": 50.0}
        for battle_id, ended in ends.items():
            await running(arena, a_battle(battle_id))
            await arena.battles[0].finish(battle_id, (), ending_at(NOW + ended), ())
        await running(arena, a_battle("b6"))  # not over yet
        others = (BattleSide(0, ("p3",)), BattleSide(1, ("p4",)))
        await running(arena, a_battle("b7", sides=others))
        await finish(arena.battles[0], "b7")

    async def test_newest_first_ties_by_id(self, arena: Arena) -> None:
        await self._played(arena)

        page = await arena.battles[1].history("p1", None, 10)

        assert [b.id for b in page.battles] == ["b4", "b2", "b3", "b1", "b5"]
        assert page.next_cursor is None

    async def test_pages_follow_one_another(self, arena: Arena) -> None:
        await self._played(arena)
        seen: list[str] = []
        cursor: str | None = None

        for _ in range(3):
            page = await arena.battles[1].history("p2", cursor, 2)
            seen.extend(b.id for b in page.battles)
            cursor = page.next_cursor

        assert seen == ["b4", "b2", "b3", "b1", "b5"]
        assert cursor is None

    async def test_a_cursor_is_the_same_on_every_store(self, arena: Arena) -> None:
        await self._played(arena)

        page = await arena.battles[0].history("p1", None, 1)

        assert page.next_cursor == f"{NOW + 300!r}_b4"

    async def test_no_battles_no_cursor(self, arena: Arena) -> None:
        page = await arena.battles[0].history("p1", None, 5)

        assert (page.battles, page.next_cursor) == ((), None)

    @pytest.mark.parametrize(
        "cursor",
        [
            pytest.param("garbage", id="no-time"),
            pytest.param("inf_b1", id="infinite"),
            pytest.param("12.5_b-1", id="bad-id"),
            pytest.param("12.5_", id="no-id"),
        ],
    )
    async def test_a_bad_cursor_is_invalid_input(
        self, arena: Arena, cursor: str
    ) -> None:
        with pytest.raises(InvalidInput):
            await arena.battles[0].history("p1", cursor, 5)


class TestSubmissions:
    async def test_a_submission_comes_back_as_it_was(self, arena: Arena) -> None:
        await arena.battles[0].add(a_battle())
        submission = a_submission(key="k1")

        stored, fresh = await arena.submissions[0].add(submission, "h1", NOW + 60)

        assert (stored, fresh) == (submission, True)
        assert await arena.submissions[1].get("s1") == submission
        assert await arena.submissions[1].get("nope") is None

    async def test_a_resend_with_the_same_key_is_the_first(self, arena: Arena) -> None:
        await arena.battles[0].add(a_battle())
        first = a_submission("s1", key="k1")
        await arena.submissions[0].add(first, "h1", NOW + 60)

        again = await arena.submissions[1].add(a_submission("s2", key="k1"), "h2", 0)
        other_player = await arena.submissions[1].add(
            a_submission("s3", key="k1", player="p2"), "h2", 0
        )
        no_key = await arena.submissions[1].add(a_submission("s4"), "h2", 0)
        no_key_again = await arena.submissions[1].add(a_submission("s5"), "h2", 0)

        assert again == (first, False)
        assert (other_player[1], no_key[1], no_key_again[1]) == (True, True, True)
        assert len(await arena.submissions[0].of_battle("b1")) == 4

    async def test_two_resends_at_once_store_one(self, arena: Arena) -> None:
        await arena.battles[0].add(a_battle())

        outcomes = await asyncio.gather(
            arena.submissions[0].add(a_submission("s1", key="k"), "h1", NOW),
            arena.submissions[1].add(a_submission("s2", key="k"), "h2", NOW),
        )

        assert sorted(fresh for _, fresh in outcomes) == [False, True]
        assert outcomes[0][0].id == outcomes[1][0].id
        assert len(await arena.submissions[0].of_battle("b1")) == 1

    async def test_a_battle_lists_them_in_the_order_accepted(
        self, arena: Arena
    ) -> None:
        await arena.battles[0].add(a_battle())
        await arena.battles[0].add(a_battle("b2"))
        times = {"s1": 10.0, "s9": 20.0, "s2": 20.0, "s5": 30.0}
        for submission_id, at in times.items():
            submission = a_submission(submission_id, submitted_at=NOW + at)
            await arena.submissions[0].add(submission, "h1", NOW)
        await arena.submissions[0].add(a_submission("x", "b2"), "h1", NOW)

        listed = await arena.submissions[1].of_battle("b1")

        assert [s.id for s in listed] == ["s1", "s9", "s2", "s5"]

    async def test_queued_counts_a_players_waiting_submissions(
        self, arena: Arena
    ) -> None:
        await arena.battles[0].add(a_battle())
        await arena.battles[0].add(a_battle("b2"))
        submissions = arena.submissions[0]
        await submissions.add(a_submission("s1"), "h1", NOW)
        await submissions.add(a_submission("s2"), "h1", NOW)
        await submissions.add(a_submission("s3"), "h1", NOW)
        await submissions.add(a_submission("s4", player="p2"), "h1", NOW)
        await submissions.add(a_submission("s5", "b2"), "h1", NOW)
        await submissions.judged("s1", ACCEPTED, NOW + 20)

        assert await submissions.queued_of("b1", "p1") == 2
        assert await submissions.queued_of("b1", "p3") == 0

    async def test_a_player_at_the_queue_limit_stores_no_more(
        self, arena: Arena
    ) -> None:
        await arena.battles[0].add(a_battle())
        for n in range(2):
            await arena.submissions[0].add(
                a_submission(f"s{n}", key=f"k{n}"), "h1", NOW
            )

        over = await arena.submissions[1].add(
            a_submission("s9"), "h2", NOW, max_queued=2
        )
        resend = await arena.submissions[1].add(
            a_submission("s8", key="k1"), "h2", NOW, max_queued=2
        )
        other = await arena.submissions[1].add(
            a_submission("s7", player="p2"), "h2", NOW, max_queued=2
        )

        assert over is None
        assert resend is not None
        assert resend[0].id == "s1"
        assert other is not None
        assert await arena.submissions[0].queued_of("b1", "p1") == 2

    async def test_sent_at_once_a_player_stores_no_more_than_the_limit(
        self, arena: Arena
    ) -> None:
        await arena.battles[0].add(a_battle())

        outcomes = await asyncio.gather(
            *(
                arena.submissions[n % 2].add(
                    a_submission(f"s{n}"), "h", NOW, max_queued=3
                )
                for n in range(8)
            )
        )

        assert sum(1 for o in outcomes if o is not None) == 3
        assert await arena.submissions[0].queued_of("b1", "p1") == 3

    async def test_a_verdict_is_stored_once(self, arena: Arena) -> None:
        await arena.battles[0].add(a_battle())
        await arena.submissions[0].add(a_submission(), "h1", NOW)

        judged = await arena.submissions[0].judged("s1", ACCEPTED, NOW + 20)
        again = await arena.submissions[1].judged("s1", ACCEPTED, NOW + 21)
        unknown = await arena.submissions[1].judged("nope", ACCEPTED, NOW + 21)

        expected = replace(
            a_submission(),
            status=SubmissionStatus.JUDGED,
            verdict=Verdict.ACCEPTED,
            tests=ACCEPTED.tests,
            tests_total=2,
            compile_log="warning: none",
            judged_at=NOW + 20,
        )
        assert judged == expected
        assert await arena.submissions[1].get("s1") == expected
        assert (again, unknown) == (None, None)


class TestLeases:
    async def _queued(self, arena: Arena, *ids_and_leases: tuple[str, float]) -> None:
        await arena.battles[0].add(a_battle())
        for submission_id, until in ids_and_leases:
            await arena.submissions[0].add(a_submission(submission_id), "h1", until)

    async def test_an_expired_lease_is_claimed_and_a_live_one_is_not(
        self, arena: Arena
    ) -> None:
        await self._queued(arena, ("s1", NOW - 1), ("s2", NOW + 60))

        claimed = await arena.submissions[1].claim_stale("h2", NOW, NOW + 30, 10)
        again = await arena.submissions[0].claim_stale("h3", NOW + 1, NOW + 30, 10)

        assert [s.id for s in claimed] == ["s1"]
        assert claimed[0].status is SubmissionStatus.QUEUED
        assert again == []

    async def test_the_holder_renews_and_no_one_else(self, arena: Arena) -> None:
        await self._queued(arena, ("s1", NOW + 10), ("s2", NOW + 10))

        await arena.submissions[0].renew(["s1"], "h1", NOW + 100)
        await arena.submissions[0].renew(["s2"], "h9", NOW + 100)
        claimed = await arena.submissions[1].claim_stale("h2", NOW + 50, NOW + 80, 10)

        assert [s.id for s in claimed] == ["s2"]

    async def test_the_new_holder_renews_what_it_claimed(self, arena: Arena) -> None:
        await self._queued(arena, ("s1", NOW - 1))
        await arena.submissions[1].claim_stale("h2", NOW, NOW + 30, 10)

        await arena.submissions[0].renew(["s1"], "h1", NOW + 500)
        await arena.submissions[0].renew(["s1"], "h2", NOW + 200)

        assert await arena.submissions[0].claim_stale("h3", NOW + 100, 0, 10) == []
        assert len(await arena.submissions[0].claim_stale("h3", NOW + 300, 0, 10)) == 1

    async def test_judged_and_discarded_submissions_are_not_claimed(
        self, arena: Arena
    ) -> None:
        await self._queued(arena, ("s1", NOW - 1), ("s2", NOW - 1))
        await arena.battles[0].begin("b1")
        await arena.submissions[0].judged("s1", ACCEPTED, NOW)
        await finish(arena.battles[0], "b1", ["s2"])

        assert await arena.submissions[1].claim_stale("h2", NOW, NOW + 30, 10) == []

    async def test_two_claimers_at_once_never_share_a_submission(
        self, arena: Arena
    ) -> None:
        await self._queued(arena, ("s1", NOW - 1))

        claims = await asyncio.gather(
            arena.submissions[0].claim_stale("h2", NOW, NOW + 30, 10),
            arena.submissions[1].claim_stale("h3", NOW, NOW + 30, 10),
        )

        assert sorted(len(c) for c in claims) == [0, 1]

    async def test_a_claim_takes_at_most_the_limit(self, arena: Arena) -> None:
        await self._queued(arena, ("s1", NOW - 3), ("s2", NOW - 2), ("s3", NOW - 1))

        first = await arena.submissions[0].claim_stale("h2", NOW, NOW + 30, 2)
        rest = await arena.submissions[1].claim_stale("h3", NOW, NOW + 30, 2)

        assert [s.id for s in first] == ["s1", "s2"]
        assert [s.id for s in rest] == ["s3"]
