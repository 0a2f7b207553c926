"""The ladder's stores, one contract run on every backend: memory, SQLite and
PostgreSQL. The in-memory stores are the reference. Races run through two
handles on one database, as two server instances hold them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bitcode_adapters.arena import (
    InMemoryBattleRepository,
    InMemorySubmissionRepository,
)
from bitcode_adapters.events.memory import InProcessEventBus
from bitcode_adapters.ladder import (
    InMemoryLadderStore,
    InMemoryLeaderboard,
    InMemorySeasonRepository,
)
from bitcode_adapters.sql import (
    Database,
    SqlBattleRepository,
    SqlLadderStore,
    SqlLeaderboard,
    SqlSeasonRepository,
    SqlSubmissionRepository,
)
from bitcode_adapters.sql import ladder as sql_ladder
from bitcode_adapters.sql.tables import metadata, users
from bitcode_adapters.system_secrets import SystemSecrets
from bitcode_core.arena.model import (
    BattleResult,
    BattleSide,
    BattleStatus,
    BattleSubmission,
    LiveBattle,
    QuestionRef,
    SideStanding,
    with_ratings,
)
from bitcode_core.arena.ports import (
    BattleRepository,
    Finished,
    SubmissionRepository,
)
from bitcode_core.battles import EndReason
from bitcode_core.elo import RatedSide
from bitcode_core.ladder.ladder import Ladder
from bitcode_core.ladder.model import (
    ALL_TIME,
    DEFAULT_TIERS,
    Board,
    LadderKey,
    LadderRating,
    Outcome,
    Ranked,
    Scope,
    Season,
)
from bitcode_core.ladder.ports import (
    LadderStore,
    Leaderboard,
    PlayedStats,
    SeasonRepository,
)
from bitcode_core.ladder.rules import (
    LadderRules,
    RatedBattle,
    keys_needed,
    rate,
)
from bitcode_core.rooms.settings import ChosenQuestions, Mode, RoomSettings
from bitcode_core.verdicts import SubmissionResult, Verdict
from tests.fakes import ManualClock

pytestmark = [pytest.mark.anyio, pytest.mark.no_skip]

NOW = 1_700_000_000.0
DAY = 86_400.0
RULES = LadderRules()
S1 = Season("s1", 1, "Season 1", NOW - 10 * DAY, NOW + 10 * DAY)
S2 = Season("s2", 2, "Season 2", NOW + 10 * DAY, NOW + 20 * DAY)
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
class Stores:
    """Two handles on the ladder's and the arena's stores, as two instances
    hold them, and a way to give players a country."""

    seasons: tuple[SeasonRepository, SeasonRepository]
    ladder: LadderStore
    board: Leaderboard
    battles: tuple[BattleRepository, BattleRepository]
    submissions: SubmissionRepository
    database: Database | None
    memory: InMemoryLadderStore | None

    async def live_in(self, countries: Mapping[str, str | None]) -> None:
        if self.memory is not None:
            self.memory.countries.update(countries)
            return
        assert self.database is not None
        rows = [_user(player, country) for player, country in countries.items()]
        async with self.database.begin() as connection:
            await connection.execute(users.insert(), rows)

    def rebuilder(self) -> Ladder:
        clock = ManualClock(NOW)
        return Ladder(
            seasons=self.seasons[0],
            store=self.ladder,
            database_board=self.board,
            index=None,
            bus=InProcessEventBus(clock),
            secrets=SystemSecrets(),
            clock=clock,
            rules=RULES,
            tiers=DEFAULT_TIERS,
        )


def _user(player: str, country: str | None) -> dict[str, Any]:
    return {
        "id": player,
        "email": f"{player}@example.test",
        "username": player,
        "password_hash": None,
        "created_at": NOW,
        "role": "player",
        "email_verified": True,
        "disabled": False,
        "display_name": player,
        "country": country,
        "bio": "",
        "avatar_url": None,
        "avatar_file_id": None,
    }


@pytest.fixture
async def stores(storage_url: str | None) -> AsyncIterator[Stores]:
    if storage_url is None:
        ladder = InMemoryLadderStore()
        submissions = InMemorySubmissionRepository()
        battles = InMemoryBattleRepository(submissions, ladder)
        seasons = InMemorySeasonRepository()
        yield Stores(
            (seasons, seasons),
            ladder,
            InMemoryLeaderboard(ladder),
            (battles, battles),
            submissions,
            None,
            ladder,
        )
        return
    one, two = Database(storage_url), Database(storage_url)
    async with one.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    try:
        yield Stores(
            (SqlSeasonRepository(one), SqlSeasonRepository(two)),
            SqlLadderStore(one),
            SqlLeaderboard(one),
            (SqlBattleRepository(one), SqlBattleRepository(two)),
            SqlSubmissionRepository(one),
            one,
            None,
        )
    finally:
        await one.dispose()
        await two.dispose()


def a_battle(battle_id: str, players: Sequence[str] = ("p1", "p2")) -> LiveBattle:
    return LiveBattle(
        id=battle_id,
        room_id="r1",
        settings=SETTINGS,
        sides=tuple(BattleSide(n, (p,)) for n, p in enumerate(players)),
        questions=(QuestionRef("q1", 1), QuestionRef("q2", 1)),
        names={p: p.upper() for p in players},
        created_at=NOW,
        starts_at=NOW + 5,
        ends_at=NOW + 605,
    )


def a_rated_battle(
    battle_id: str,
    players: Sequence[str] = ("p1", "p2"),
    season: Season = S1,
    previous: Season | None = None,
) -> RatedBattle:
    """The players ranked in the order given; the first one wins."""
    sides = tuple(RatedSide((p,), rank) for rank, p in enumerate(players, 1))
    at = season.starts_at + 300
    previous_id = previous.id if previous else None
    return RatedBattle(battle_id, Mode.DUEL, sides, at, season.id, previous_id)


def result_of(rated: RatedBattle) -> BattleResult:
    standings = tuple(
        SideStanding(n, s.rank, 0, 0.0, 0.0, False) for n, s in enumerate(rated.sides)
    )
    return BattleResult(EndReason.TIME_UP, rated.at, standings)


async def running(stores: Stores, battle: LiveBattle) -> None:
    await stores.battles[0].add(battle)
    await stores.battles[0].begin(battle.id)


async def finish_rated(
    repository: BattleRepository, rated: RatedBattle
) -> Finished | None:
    def decide(book: Mapping[LadderKey, LadderRating]) -> Finished:
        update = rate(rated, book, RULES)
        return with_ratings(result_of(rated), update, rated.season), update

    return await repository.finish(rated.battle_id, keys_needed(rated), decide, ())


async def play(stores: Stores, rated: RatedBattle, handle: int = 0) -> Finished | None:
    players = [p for side in rated.sides for p in side.members]
    await running(stores, a_battle(rated.battle_id, players))
    return await finish_rated(stores.battles[handle], rated)


async def every_rating(store: LadderStore, page: int = 1000) -> list[Any]:
    found: list[Any] = []
    after: LadderKey | None = None
    while chunk := await store.scan(after, page):
        found.extend(chunk)
        after = chunk[-1][0].key
    return found


def a_rating(
    player: str, rating: float, season: str = "s1", scope: Scope = Scope.OVERALL
) -> LadderRating:
    return LadderRating(season, scope, player, rating, rated_battles=3, best=rating)


class TestSeasons:
    async def test_listed_by_number(self, stores: Stores) -> None:
        await stores.seasons[0].add(S2)
        await stores.seasons[0].add(S1)

        assert await stores.seasons[1].all() == [S1, S2]

    async def test_a_number_is_taken_once(self, stores: Stores) -> None:
        await stores.seasons[0].add(S1)

        again = await stores.seasons[1].add(replace(S1, id="other", name="Other"))

        assert again is False
        assert await stores.seasons[0].all() == [S1]

    async def test_two_instances_beginning_a_season_at_once_add_one(
        self, stores: Stores
    ) -> None:
        mine, theirs = replace(S1, id="mine"), replace(S1, id="theirs")

        added = await asyncio.gather(
            stores.seasons[0].add(mine), stores.seasons[1].add(theirs)
        )
        stored = await stores.seasons[0].all()

        assert sorted(added) == [False, True]
        assert stored == [mine if added[0] else theirs]

    async def test_an_update_renames_and_moves_the_end(self, stores: Stores) -> None:
        await stores.seasons[0].add(S1)
        await stores.seasons[0].add(S2)
        moved = replace(S2, name="Summer", ends_at=S2.ends_at + DAY)

        await stores.seasons[1].update(moved)

        assert await stores.seasons[0].all() == [S1, moved]


class TestFinishingRatedBattles:
    async def test_ratings_changes_and_the_battle_are_stored_once(
        self, stores: Stores
    ) -> None:
        rated = a_rated_battle("b1")

        finished = await play(stores, rated)
        again = await finish_rated(stores.battles[1], rated)
        key = LadderKey("s1", Scope.DUEL, "p1")
        book = await stores.ladder.ratings([*keys_needed(rated), key])
        history = await stores.ladder.changes("p1", "s1", Scope.DUEL)
        stored = await stores.battles[1].get("b1")

        assert finished is not None
        result, update = finished
        assert update is not None
        assert again is None
        assert book == {r.key: r for r in update.ratings}
        assert len(book) == 8  # two players on four ladders
        assert book[key].wins == 1
        assert [(c.battle_id, c.outcome) for c in history] == [("b1", Outcome.WIN)]
        assert await stores.ladder.rated_battles() == [rated]
        assert stored is not None
        assert (stored.status, stored.result) == (BattleStatus.FINISHED, result)
        assert stored.result is not None
        assert stored.result.ladder == update.changes

    async def test_battles_are_listed_in_the_order_they_were_rated(
        self, stores: Stores
    ) -> None:
        battles = [
            a_rated_battle("b3", ("p1", "p2")),
            a_rated_battle("b1", ("p3", "p1")),
            a_rated_battle("b2", ("p2", "p3"), S2, S1),
        ]

        for rated in battles:
            await play(stores, rated)
        history = await stores.ladder.changes("p1", "s1", Scope.OVERALL)

        assert await stores.ladder.rated_battles() == battles
        assert [c.battle_id for c in history] == ["b3", "b1"]
        assert history[0].after == history[1].before

    async def test_a_new_season_starts_from_a_soft_reset(self, stores: Stores) -> None:
        await play(stores, a_rated_battle("b1"))
        await play(stores, a_rated_battle("b2", season=S2, previous=S1))
        old, new = (
            LadderKey("s1", Scope.OVERALL, "p1"),
            LadderKey("s2", Scope.OVERALL, "p1"),
        )

        book = await stores.ladder.ratings([old, new])
        first = (await stores.ladder.changes("p1", "s2", Scope.OVERALL))[0]

        assert first.before == RULES.soft_reset(book[old].rating)

    async def test_battles_sharing_a_player_finished_at_once_all_count(
        self, stores: Stores
    ) -> None:
        await play(stores, a_rated_battle("b0", ("p1", "p9")))
        rounds = [
            [
                a_rated_battle(f"r{n}a", ("p1", "p2"), S2, S1),
                a_rated_battle(f"r{n}b", ("p3", "p1"), S2, S1),
                a_rated_battle(f"r{n}c", ("p2", "p3"), S2, S1),
            ]
            for n in range(4)
        ]

        for battles in rounds:
            for rated in battles:
                players = [p for side in rated.sides for p in side.members]
                await running(stores, a_battle(rated.battle_id, players))
            await asyncio.gather(
                *(
                    finish_rated(stores.battles[n % 2], rated)
                    for n, rated in enumerate(battles)
                )
            )
        key = LadderKey("s2", Scope.OVERALL, "p1")
        p1 = (await stores.ladder.ratings([key]))[key]
        report = await stores.rebuilder().rebuild_ratings(write=False)

        assert p1.rated_battles == 8
        assert len(await stores.ladder.rated_battles()) == 13
        assert (report.battles, report.differed) == (13, 0)


class TestScanningAndReplacing:
    async def test_a_rebuild_puts_tampered_ratings_right(self, stores: Stores) -> None:
        await play(stores, a_rated_battle("b1"))
        await play(stores, a_rated_battle("b2", ("p2", "p3"), S2, S1))
        kept = [r for r, _ in await every_rating(stores.ladder)]
        await stores.ladder.replace_all([*kept[1:], a_rating("nobody", 3000.0)])
        ladder = stores.rebuilder()

        repaired = await ladder.rebuild_ratings()
        again = await ladder.rebuild_ratings(write=False)

        assert (repaired.battles, repaired.differed) == (2, 2)
        assert again.differed == 0
        assert [r for r, _ in await every_rating(stores.ladder)] == kept

    async def test_a_scan_pages_through_every_rating_in_key_order(
        self, stores: Stores
    ) -> None:
        ratings = [
            a_rating(player, 1500.0 + n, season, scope)
            for n, player in enumerate(["p2", "p10", "p1", "Z", "p3"])
            for season in ("s1", "s2", ALL_TIME)
            for scope in (Scope.OVERALL, Scope.FREE_FOR_ALL, Scope.DUEL)
        ]
        await stores.live_in({"p1": "GB", "p2": None, "p3": "FR"})
        await stores.ladder.replace_all(ratings)

        scanned = await every_rating(stores.ladder, page=4)

        order = sorted(ratings, key=lambda r: (r.season, r.scope.value, r.player))
        countries = {"p1": "GB", "p3": "FR"}
        assert scanned == [(r, countries.get(r.player)) for r in order]

    async def test_replacing_leaves_exactly_the_ratings_given(
        self, stores: Stores, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(sql_ladder, "REPLACE_CHUNK", 3)
        await play(stores, a_rated_battle("b1"))
        rebuilt = [a_rating(f"p{n}", 1400.0 + n) for n in range(10)]

        await stores.ladder.replace_all(rebuilt)
        gone = LadderKey("s1", Scope.DUEL, "p1")
        found = await stores.ladder.ratings([r.key for r in rebuilt] + [gone])

        assert [r for r, _ in await every_rating(stores.ladder)] == sorted(
            rebuilt, key=lambda r: r.player
        )
        assert found == {r.key: r for r in rebuilt}

    async def test_replacing_with_nothing_empties_the_ladder(
        self, stores: Stores
    ) -> None:
        await play(stores, a_rated_battle("b1"))

        await stores.ladder.replace_all([])

        assert await stores.ladder.scan(None, 10) == []
        assert len(await stores.ladder.rated_battles()) == 1


AC = SubmissionResult(Verdict.ACCEPTED, (), total_tests=0)
WA = SubmissionResult(Verdict.WRONG_ANSWER, (), total_tests=0)


class TestPlayedStats:
    async def _submit(
        self,
        stores: Stores,
        battle_id: str,
        sent: Iterable[tuple[str, str, str, SubmissionResult | None]],
    ) -> None:
        for n, (player, question, language, verdict) in enumerate(sent):
            submission = BattleSubmission(
                id=f"{battle_id}-{n}",
                battle_id=battle_id,
                player=player,
                question_id=question,
                language=language,
                source=b"x",
                submitted_at=NOW + 10 + n,
            )
            await stores.submissions.add(submission, "h1", NOW + 100)
            if verdict is not None:
                await stores.submissions.judged(submission.id, verdict, NOW + 20)

    async def _season_one(self, stores: Stores) -> None:
        await running(stores, a_battle("b1"))
        await self._submit(
            stores,
            "b1",
            [
                ("p1", "q1", "python3", WA),
                ("p1", "q1", "python3", AC),
                ("p1", "q2", "rust", AC),
                ("p1", "q2", "rust", AC),
                ("p1", "q2", "go", None),  # never judged: not counted
                ("p2", "q1", "go", AC),
            ],
        )
        await finish_rated(stores.battles[0], a_rated_battle("b1"))
        await running(stores, a_battle("unrated"))
        await self._submit(stores, "unrated", [("p1", "q1", "go", AC)] * 3)
        await stores.battles[0].finish(
            "unrated", (), lambda _: (result_of(a_rated_battle("unrated")), None), ()
        )

    async def test_the_language_used_most_ties_by_name(self, stores: Stores) -> None:
        await self._season_one(stores)

        played = await stores.ladder.played("p1", "s1", Scope.DUEL)
        other = await stores.ladder.played("p2", "s1", Scope.OVERALL)

        assert played == PlayedStats("python3", 2)
        assert other == PlayedStats("go", 1)

    async def test_all_time_counts_every_season_and_a_scope_its_mode(
        self, stores: Stores
    ) -> None:
        await self._season_one(stores)
        await running(stores, a_battle("b2", ("p1", "p3")))
        await self._submit(
            stores, "b2", [("p1", "q3", "rust", AC), ("p1", "q1", "rust", WA)]
        )
        await finish_rated(
            stores.battles[1], a_rated_battle("b2", ("p1", "p3"), S2, S1)
        )

        assert await stores.ladder.played("p1", ALL_TIME, Scope.OVERALL) == (
            PlayedStats("rust", 3)
        )
        assert await stores.ladder.played("p1", "s2", Scope.DUEL) == (
            PlayedStats("rust", 1)
        )
        assert await stores.ladder.played("p1", "s1", Scope.SQUADS) == (
            PlayedStats(None, 0)
        )
        assert await stores.ladder.played("p9", ALL_TIME, Scope.OVERALL) == (
            PlayedStats(None, 0)
        )


BOARD = Board("s1", Scope.OVERALL)
TIED = {"a": 1600.0, "b": 1550.0, "c": 1550.0, "d": 1500.0, "e": 1450.0}


class TestLeaderboards:
    async def _seeded(self, stores: Stores) -> None:
        ratings = [a_rating(p, r) for p, r in TIED.items()]
        ratings += [
            a_rating("z", 9999.0, "s2"),
            a_rating("z", 9999.0, scope=Scope.DUEL),
        ]
        await stores.live_in({"a": "GB", "c": "GB", "e": "FR", "z": "GB"})
        await stores.ladder.replace_all(ratings)

    async def test_a_page_lists_best_first_and_ties_share_a_rank(
        self, stores: Stores
    ) -> None:
        await self._seeded(stores)

        page = await stores.board.page(BOARD, 0, 10)

        assert [(r.rank, r.player, r.rating) for r in page] == [
            (1, "a", 1600.0),
            (2, "b", 1550.0),
            (2, "c", 1550.0),
            (4, "d", 1500.0),
            (5, "e", 1450.0),
        ]
        assert page[0] == Ranked(1, "a", 1600.0, 3)

    async def test_a_later_page_keeps_a_tie_from_the_page_before(
        self, stores: Stores
    ) -> None:
        await self._seeded(stores)

        page = await stores.board.page(BOARD, 2, 2)
        past = await stores.board.page(BOARD, 5, 2)

        assert [(r.rank, r.player) for r in page] == [(2, "c"), (4, "d")]
        assert past == []

    async def test_a_rank_is_one_more_than_those_rated_higher(
        self, stores: Stores
    ) -> None:
        await self._seeded(stores)

        assert await stores.board.rank(BOARD, "c") == Ranked(2, "c", 1550.0, 3)
        assert await stores.board.rank(BOARD, "nobody") is None
        assert await stores.board.size(BOARD) == 5
        assert await stores.board.size(Board("s9", Scope.OVERALL)) == 0

    @pytest.mark.parametrize(
        ("player", "size", "shown"),
        [
            pytest.param("c", 3, "bcd", id="centred"),
            pytest.param("a", 3, "abc", id="at-the-top"),
            pytest.param("e", 3, "cde", id="at-the-bottom"),
            pytest.param("d", 4, "bcde", id="even"),
            pytest.param("c", 9, "abcde", id="all"),
            pytest.param("nobody", 3, "", id="unranked"),
        ],
    )
    async def test_around_a_player_stays_on_the_board(
        self, stores: Stores, player: str, size: int, shown: str
    ) -> None:
        await self._seeded(stores)

        rows = await stores.board.around(BOARD, player, size)

        assert "".join(r.player for r in rows) == shown

    async def test_ranks_follow_ratings_as_battles_move_them(
        self, stores: Stores
    ) -> None:
        players = ["p1", "p2", "p3", "p4", "p5"]
        pairs = [(a, b) for a in players for b in players if a < b]
        for n, (one, two) in enumerate(pairs):
            rated = a_rated_battle(f"b{n}", (one, two) if n % 3 else (two, one))
            await running(stores, a_battle(rated.battle_id, [one, two]))
        await asyncio.gather(
            *(
                finish_rated(
                    stores.battles[n % 2],
                    a_rated_battle(f"b{n}", (one, two) if n % 3 else (two, one)),
                )
                for n, (one, two) in enumerate(pairs)
            )
        )

        ratings = {
            rating.player: rating.rating
            for rating, _ in await every_rating(stores.ladder)
            if rating.key.season == "s1" and rating.key.scope is Scope.OVERALL
        }
        assert len(set(ratings.values())) > 1
        assert await stores.board.size(BOARD) == len(players)
        for player, rating in ratings.items():
            ranked = await stores.board.rank(BOARD, player)
            assert ranked is not None
            assert ranked.rank == 1 + sum(1 for r in ratings.values() if r > rating)

    async def test_a_country_board_ranks_its_own_players(self, stores: Stores) -> None:
        await self._seeded(stores)
        british = Board("s1", Scope.OVERALL, "GB")

        page = await stores.board.page(british, 0, 10)

        assert [(r.rank, r.player) for r in page] == [(1, "a"), (2, "c")]
        assert await stores.board.rank(british, "c") == Ranked(2, "c", 1550.0, 3)
        assert await stores.board.rank(british, "b") is None
        assert await stores.board.size(british) == 2
        assert [r.player for r in await stores.board.around(british, "c", 1)] == ["c"]

    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        st.dictionaries(
            st.sampled_from([f"p{n}" for n in range(30)]),
            st.sampled_from([1400.0, 1450.5, 1500.0, 1612.25]),
            max_size=30,
        ),
        st.integers(1, 7),
    )
    async def test_ranks_and_pages_agree_with_a_full_sort(
        self, stores: Stores, ratings: dict[str, float], limit: int
    ) -> None:
        await stores.ladder.replace_all([a_rating(p, r) for p, r in ratings.items()])

        pages: list[Ranked] = []
        while chunk := await stores.board.page(BOARD, len(pages), limit):
            pages.extend(chunk)
        ranks = {p: await stores.board.rank(BOARD, p) for p in ratings}

        assert [r.player for r in pages] == sorted(
            ratings, key=lambda p: (-ratings[p], p)
        )
        for row in pages:
            higher = sum(1 for r in ratings.values() if r > ratings[row.player])
            assert row.rank == higher + 1
            assert ranks[row.player] == row
        assert await stores.board.size(BOARD) == len(ratings)

    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        st.dictionaries(
            st.sampled_from([f"p{n}" for n in range(30)]),
            st.sampled_from([1400.0, 1450.5, 1500.0, 1612.25]),
            min_size=1,
            max_size=30,
        ),
        st.integers(1, 9),
        st.integers(0, 29),
    )
    async def test_around_is_the_centred_slice_of_a_full_sort(
        self, stores: Stores, ratings: dict[str, float], size: int, pick: int
    ) -> None:
        await stores.ladder.replace_all([a_rating(p, r) for p, r in ratings.items()])
        order = sorted(ratings, key=lambda p: (-ratings[p], p))
        player = order[pick % len(order)]

        rows = await stores.board.around(BOARD, player, size)

        at = order.index(player)
        start = max(0, min(at - size // 2, len(order) - size))
        assert [r.player for r in rows] == order[start : start + size]
        for row in rows:
            higher = sum(1 for r in ratings.values() if r > ratings[row.player])
            assert row.rank == higher + 1
