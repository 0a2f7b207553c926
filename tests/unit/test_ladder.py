"""The ladder: rating rules and rebuilds, soft resets, leaderboards, seasons
without gaps, and the arena rating finished battles through it, all on
in-memory adapters and a manual clock."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitcode_adapters.events import InProcessEventBus
from bitcode_adapters.ladder import (
    InMemoryLadderStore,
    InMemoryLeaderboard,
    InMemorySeasonRepository,
)
from bitcode_adapters.memory import (
    InMemoryUserRepository,
)
from bitcode_adapters.system_secrets import SystemSecrets
from bitcode_core.accounts.model import Principal, Role, User
from bitcode_core.arena.model import BattleStatus, LiveBattle
from bitcode_core.elo import EloRules, RatedSide
from bitcode_core.errors import InvalidInput, PermissionDenied, UserNotFound
from bitcode_core.ladder import seasons as season_rules
from bitcode_core.ladder.ladder import Ladder
from bitcode_core.ladder.model import (
    ALL_TIME,
    DEFAULT_TIERS,
    Board,
    LadderKey,
    LadderRating,
    Scope,
    Season,
    Tier,
    Tiers,
)
from bitcode_core.ladder.rules import (
    LadderRules,
    LadderUpdate,
    RatedBattle,
    rate,
    rebuild,
)
from bitcode_core.ports import PlayerRating
from bitcode_core.rooms.settings import Mode
from tests.fakes import ManualClock
from tests.strategies import rated_battle_histories
from tests.unit.test_arena import (
    COUNTDOWN,
    World,
    build_world,
    let_run,
    room_settings,
)

pytestmark = pytest.mark.anyio

RULES = LadderRules(EloRules())
START = RULES.elo.initial_rating
DAY = 86_400.0
ADMIN = Principal("root", "session-root", Role.ADMIN)
PLAYER = Principal("ann", "session-ann", Role.PLAYER)


def ladder_over(
    store: InMemoryLadderStore | None = None,
    seasons: InMemorySeasonRepository | None = None,
    clock: ManualClock | None = None,
    length_s: float = season_rules.DEFAULT_LENGTH_S,
    users: InMemoryUserRepository | None = None,
) -> Ladder:
    store = store or InMemoryLadderStore()
    return Ladder(
        seasons=seasons or InMemorySeasonRepository(),
        store=store,
        database_board=InMemoryLeaderboard(store),
        index=None,
        bus=InProcessEventBus(clock or ManualClock()),
        secrets=SystemSecrets(),
        clock=clock or ManualClock(),
        rules=RULES,
        tiers=DEFAULT_TIERS,
        season_length_s=length_s,
        users=users,
    )


def duel(
    winner: str,
    loser: str,
    *,
    at: float = 1.0,
    season: str = "s1",
    previous: str | None = None,
    draw: bool = False,
    battle_id: str = "b",
) -> RatedBattle:
    sides = (RatedSide((winner,), 1), RatedSide((loser,), 1 if draw else 2))
    return RatedBattle(battle_id, Mode.DUEL, sides, at, season, previous)


def played(
    battles: Sequence[RatedBattle], book: dict[LadderKey, LadderRating]
) -> list[LadderUpdate]:
    """Rate each battle into ``book`` as a store does; the updates."""
    updates = []
    for battle in battles:
        update = rate(battle, book, RULES)
        for rating in update.ratings:
            book[rating.key] = rating
        updates.append(update)
    return updates


def rating_of(
    book: dict[LadderKey, LadderRating], player: str, season: str = "s1"
) -> LadderRating:
    return book[LadderKey(season, Scope.OVERALL, player)]


# Rebuilds


class TestRebuild:
    @given(rated_battle_histories())
    def test_rebuilding_from_the_history_gives_the_stored_ratings(self, battles):
        book: dict[LadderKey, LadderRating] = {}

        played(battles, book)

        assert rebuild(battles, RULES) == book

    @given(rated_battle_histories())
    def test_a_rebuild_over_the_store_finds_nothing_to_change(self, battles):
        store = InMemoryLadderStore()
        for update in played(battles, {}):
            store.apply(update)

        report = asyncio.run(ladder_over(store).rebuild_ratings(write=False))

        assert report.differed == 0
        assert report.battles == len(battles)

    @given(rated_battle_histories(), st.data())
    def test_a_rebuild_finds_and_restores_one_corrupted_rating(self, battles, data):
        store = InMemoryLadderStore()
        for update in played(battles, {}):
            store.apply(update)
        ladder = ladder_over(store)
        good = rebuild(battles, RULES)
        spoiled = data.draw(st.sampled_from(sorted(good, key=repr)))
        changed = replace(good[spoiled], rating=good[spoiled].rating + 1)

        async def scenario() -> tuple[int, int, int]:
            await store.replace_all([*(good | {spoiled: changed}).values()])
            found = await ladder.rebuild_ratings(write=False)
            restored = await ladder.rebuild_ratings(write=True)
            again = await ladder.rebuild_ratings(write=False)
            return found.differed, restored.differed, again.differed

        found, restored, again = asyncio.run(scenario())

        assert (found, restored, again) == (1, 1, 0)
        assert asyncio.run(store.ratings(good)) == good


# Soft resets

# Ratings a millionth of a point apart or more, and shares up to 0.99: closer
# ratings or a share nearer 1 leave a difference after the reset below a
# float's resolution near 1500 (any map that shrinks distances must merge
# some neighbouring floats), which is rounding, not a change of order.
distinct_pairs = st.tuples(st.floats(100.0, 3500.0), st.floats(1e-6, 3000.0)).map(
    lambda pair: (pair[0] + pair[1], pair[0])
)
shares = st.floats(0.0, 0.99)


class TestSoftReset:
    @given(distinct_pairs, shares)
    def test_a_soft_reset_keeps_the_order_of_ratings(self, pair, share):
        higher, lower = pair
        rules = LadderRules(reset_share=share)

        assert rules.soft_reset(higher) > rules.soft_reset(lower)

    @given(st.floats(100.0, 3500.0), st.floats(100.0, 3500.0), st.floats(0.0, 1.0))
    def test_a_soft_reset_never_swaps_two_ratings(self, one, other, share):
        higher, lower = max(one, other), min(one, other)
        rules = LadderRules(reset_share=share)

        assert rules.soft_reset(higher) >= rules.soft_reset(lower)

    @given(st.floats(100.0, 3500.0))
    def test_a_full_reset_starts_everyone_afresh(self, rating):
        assert LadderRules(reset_share=1.0).soft_reset(rating) == START

    @given(st.floats(100.0, 3500.0))
    def test_no_reset_keeps_every_rating(self, rating):
        assert LadderRules(reset_share=0.0).soft_reset(rating) == rating

    @pytest.mark.parametrize(
        "share",
        [pytest.param(-0.1, id="below"), pytest.param(1.01, id="above")],
    )
    def test_a_share_outside_zero_to_one_is_refused(self, share):
        with pytest.raises(InvalidInput):
            LadderRules(reset_share=share)

    def test_a_new_seasons_first_battle_starts_from_the_soft_reset(self):
        book: dict[LadderKey, LadderRating] = {}
        played([duel("ann", "ben", battle_id=f"b{n}") for n in range(3)], book)
        last = rating_of(book, "ann")
        last_duel = book[LadderKey("s1", Scope.DUEL, "ann")]

        update = rate(duel("ann", "ben", season="s2", previous="s1"), book, RULES)

        changes = {(c.season, c.scope): c for c in update.changes if c.player == "ann"}
        assert changes["s2", Scope.OVERALL].before == RULES.soft_reset(last.rating)
        assert changes["s2", Scope.DUEL].before == RULES.soft_reset(last_duel.rating)
        assert (
            changes[ALL_TIME, Scope.OVERALL].before
            == book[LadderKey(ALL_TIME, Scope.OVERALL, "ann")].rating
        )

    def test_a_newcomer_to_the_season_without_a_past_one_starts_at_the_start(self):
        book: dict[LadderKey, LadderRating] = {}
        played([duel("ann", "ben")], book)

        update = rate(duel("cat", "ann", season="s2", previous="s1"), book, RULES)

        cat = next(c for c in update.changes if c.player == "cat")
        assert cat.before == START

    @given(rated_battle_histories())
    def test_all_time_ratings_never_reset(self, battles):
        last: dict[tuple[Scope, str], float] = {}

        for update in played(battles, {}):
            for change in update.changes:
                if change.season == ALL_TIME:
                    key = (change.scope, change.player)
                    assert change.before == last.get(key, START)
                    last[key] = change.after


# Leaderboards

board_ratings = st.dictionaries(
    st.sampled_from([f"p{n:02}" for n in range(30)]),
    st.sampled_from([1400.0, 1450.5, 1500.0, 1612.25, 1800.0]),
    min_size=1,
)
BOARD = Board("s1", Scope.OVERALL)


def leaderboard_of(ratings: dict[str, float]) -> InMemoryLeaderboard:
    store = InMemoryLadderStore()
    asyncio.run(
        store.replace_all(
            LadderRating("s1", Scope.OVERALL, p, r) for p, r in ratings.items()
        )
    )
    return InMemoryLeaderboard(store)


def full_order(ratings: dict[str, float]) -> list[str]:
    return sorted(ratings, key=lambda p: (-ratings[p], p))


class TestLeaderboard:
    @given(board_ratings)
    def test_a_rank_is_one_more_than_the_number_rated_strictly_higher(self, ratings):
        board = leaderboard_of(ratings)

        for player, rating in ratings.items():
            found = asyncio.run(board.rank(BOARD, player))
            assert found is not None
            assert found.rank == 1 + sum(1 for r in ratings.values() if r > rating)

    @given(board_ratings, st.integers(0, 35), st.integers(1, 12))
    def test_a_page_is_a_slice_of_the_full_order(self, ratings, offset, limit):
        board = leaderboard_of(ratings)

        rows = asyncio.run(board.page(BOARD, offset, limit))

        assert [r.player for r in rows] == full_order(ratings)[offset:][:limit]
        assert asyncio.run(board.size(BOARD)) == len(ratings)

    @given(board_ratings, st.data(), st.integers(1, 12))
    def test_around_is_a_centred_contiguous_slice(self, ratings, data, size):
        board = leaderboard_of(ratings)
        order = full_order(ratings)
        player = data.draw(st.sampled_from(order))

        rows = asyncio.run(board.around(BOARD, player, size))

        names = [r.player for r in rows]
        at = order.index(player)
        start = max(0, min(at - size // 2, len(order) - size))
        assert len(rows) == min(size, len(order))
        assert names == order[start : start + len(rows)]
        assert player in names

    def test_around_is_empty_for_a_player_not_on_the_board(self):
        board = leaderboard_of({"ann": 1500.0})

        assert asyncio.run(board.around(BOARD, "ben", 5)) == []


class TestTop:
    @pytest.mark.parametrize(
        "cursor",
        [
            pytest.param("x", id="not-ours"),
            pytest.param("o-1", id="negative"),
            pytest.param("o\u00b2", id="a-superscript-digit"),
            pytest.param("o\u0663", id="an-arabic-indic-digit"),
        ],
    )
    async def test_a_cursor_it_did_not_give_is_refused(self, cursor):
        ladder = ladder_over()

        with pytest.raises(InvalidInput):
            await ladder.top(BOARD, cursor)


# Rules


class TestOutcomes:
    @pytest.mark.parametrize(
        ("ranks", "outcomes"),
        [
            pytest.param((1, 2), ("win", "loss"), id="duel-win"),
            pytest.param((1, 1), ("draw", "draw"), id="duel-draw"),
            pytest.param((1, 1, 3), ("draw", "draw", "loss"), id="shared-first"),
            pytest.param((2, 1, 2), ("loss", "win", "loss"), id="tied-second"),
        ],
    )
    def test_a_win_is_first_alone_and_a_draw_is_shared_first(self, ranks, outcomes):
        sides = tuple(RatedSide((f"p{i}",), rank) for i, rank in enumerate(ranks))
        battle = RatedBattle("b", Mode.FREE_FOR_ALL, sides, 1.0, "s1", None)

        update = rate(battle, {}, RULES)

        got = {c.player: c.outcome.value for c in update.changes}
        assert got == {f"p{i}": o for i, o in enumerate(outcomes)}

    def test_the_counts_follow_the_outcomes(self):
        book: dict[LadderKey, LadderRating] = {}

        played(
            [
                duel("ann", "ben", battle_id="b1"),
                duel("ben", "ann", battle_id="b2"),
                duel("ann", "ben", draw=True, battle_id="b3"),
                duel("ann", "ben", battle_id="b4"),
            ],
            book,
        )

        ann = rating_of(book, "ann")
        assert (ann.wins, ann.losses, ann.draws, ann.rated_battles) == (2, 1, 1, 4)
        ben = rating_of(book, "ben")
        assert (ben.wins, ben.losses, ben.draws) == (1, 2, 1)


class TestStreaks:
    @pytest.mark.parametrize(
        ("results", "streak"),
        [
            pytest.param("www", 3, id="three-wins"),
            pytest.param("lll", -3, id="three-losses"),
            pytest.param("wwl", -1, id="a-loss-ends-a-win-streak"),
            pytest.param("llw", 1, id="a-win-ends-a-losing-streak"),
            pytest.param("wwd", 0, id="a-draw-ends-it"),
            pytest.param("dw", 1, id="a-win-after-a-draw"),
            pytest.param("dl", -1, id="a-loss-after-a-draw"),
        ],
    )
    def test_a_streak_counts_wins_up_and_losses_down(self, results, streak):
        battles = [
            duel("ann", "ben", draw=r == "d", battle_id=f"b{n}")
            if r != "l"
            else duel("ben", "ann", battle_id=f"b{n}")
            for n, r in enumerate(results)
        ]
        book: dict[LadderKey, LadderRating] = {}

        played(battles, book)

        assert rating_of(book, "ann").streak == streak

    def test_the_best_rating_is_the_highest_reached(self):
        book: dict[LadderKey, LadderRating] = {}
        played([duel("ann", "ben", battle_id=f"w{n}") for n in range(3)], book)
        peak = rating_of(book, "ann").rating

        played([duel("ben", "ann", battle_id=f"l{n}") for n in range(2)], book)

        ann = rating_of(book, "ann")
        assert ann.best == peak > ann.rating
        assert rating_of(book, "ben").best == START


class TestFourLadders:
    def test_a_battle_moves_season_and_all_time_in_mode_and_overall(self):
        battle = RatedBattle(
            "b",
            Mode.SQUADS,
            (RatedSide(("ann", "ben"), 1), RatedSide(("cat", "dan"), 2)),
            7.0,
            "s2",
            "s1",
        )

        update = rate(battle, {}, RULES)

        keys = {r.key for r in update.ratings}
        ladders = {
            (s, scope)
            for s in ("s2", ALL_TIME)
            for scope in (
                Scope.SQUADS,
                Scope.OVERALL,
            )
        }
        assert keys == {
            LadderKey(s, scope, p)
            for s, scope in ladders
            for p in ("ann", "ben", "cat", "dan")
        }
        assert {(c.season, c.scope) for c in update.changes} == ladders
        assert all(r.last_at == 7.0 for r in update.ratings)
        assert update.battle == battle


class TestProvisionalK:
    def test_a_veteran_gets_provisional_k_in_a_new_seasons_first_battles(self):
        elo = RULES.elo
        veteran = {
            LadderKey(season, scope, p): LadderRating(
                season, scope, p, START, rated_battles=40
            )
            for season in ("s1", ALL_TIME)
            for scope in (Scope.DUEL, Scope.OVERALL)
            for p in ("ann", "ben")
        }

        update = rate(duel("ann", "ben", season="s2", previous="s1"), veteran, RULES)

        ks = {(c.season, c.scope): c.k for c in update.changes}
        assert ks["s2", Scope.OVERALL] == ks["s2", Scope.DUEL] == elo.provisional_k
        assert ks[ALL_TIME, Scope.OVERALL] == elo.standard_k
        assert ks[ALL_TIME, Scope.DUEL] == elo.standard_k

    def test_k_drops_once_the_season_has_enough_battles(self):
        book: dict[LadderKey, LadderRating] = {}
        battles = [
            duel("ann", "ben", battle_id=f"b{n}", draw=True)
            for n in range(RULES.elo.provisional_battles + 1)
        ]

        updates = played(battles, book)

        assert updates[-2].changes[0].k == RULES.elo.provisional_k
        assert updates[-1].changes[0].k == RULES.elo.standard_k


class TestTiers:
    def test_parse_reads_names_and_floors(self):
        tiers = Tiers.parse(" Bronze:0, Silver : 1400,Gold:1600.5 ")

        assert tiers.bands == (
            Tier("Bronze", 0.0),
            Tier("Silver", 1400.0),
            Tier("Gold", 1600.5),
        )

    @pytest.mark.parametrize(
        "text",
        [
            pytest.param("", id="empty"),
            pytest.param("Bronze", id="no-floor"),
            pytest.param("Bronze:low", id="floor-not-a-number"),
            pytest.param(":100", id="no-name"),
            pytest.param("Bronze:0,Silver:0", id="floors-repeat"),
            pytest.param("Silver:1400,Bronze:0", id="floors-fall"),
            pytest.param("Bronze:0,,Gold:1600", id="empty-band"),
        ],
    )
    def test_parse_refuses_bad_tiers(self, text):
        with pytest.raises(InvalidInput):
            Tiers.parse(text)

    @pytest.mark.parametrize(
        ("rating", "tier"),
        [
            pytest.param(-50.0, "Bronze", id="below-the-first-floor"),
            pytest.param(1399.999, "Bronze", id="just-below-silver"),
            pytest.param(1400.0, "Silver", id="on-silver"),
            pytest.param(2399.99, "Master", id="just-below-grandmaster"),
            pytest.param(2400.0, "Grandmaster", id="on-grandmaster"),
            pytest.param(9999.0, "Grandmaster", id="far-above"),
        ],
    )
    def test_a_rating_falls_in_the_band_whose_floor_it_reached(self, rating, tier):
        assert DEFAULT_TIERS.of(rating).name == tier


# Seasons


def back_to_back(lengths: Sequence[float], start: float = 0.0) -> list[Season]:
    seasons: list[Season] = []
    ends = start
    for n, length in enumerate(lengths, 1):
        ends += length
        seasons.append(
            season_rules.scheduled(
                seasons,
                season_id=f"s{n}",
                name=f"S{n}",
                ends_at=ends,
                starts_at=None,
                now=start,
            )
        )
    return seasons


class TestSeasonRules:
    @given(
        st.lists(st.integers(1, 100).map(lambda n: n * DAY), min_size=1, max_size=6),
        st.data(),
    )
    def test_exactly_one_season_is_current_at_any_moment(self, lengths, data):
        seasons = back_to_back(lengths)
        edge = data.draw(st.sampled_from([s.starts_at for s in seasons]))
        at = edge + data.draw(st.sampled_from([-1e-9, 0.0, 1e-9, 0.5]))
        at = min(max(at, 0.0), seasons[-1].ends_at - 1e-9)

        covering = [s for s in seasons if s.contains(at)]

        assert len(covering) == 1
        assert season_rules.current(seasons, at) == covering[0]

    @given(st.floats(0.0, 50 * DAY))
    def test_due_seasons_follow_on_until_one_covers_the_time(self, later):
        first = Season("s1", 1, "Kickoff", 0.0, 10 * DAY)
        ids = iter(f"id{n}" for n in range(100))

        added = season_rules.due([first], 10 * DAY + later, ids.__next__)

        chain = [first, *added]
        assert all(
            a.ends_at == b.starts_at and b.number == a.number + 1
            for a, b in itertools.pairwise(chain)
        )
        assert all(s.ends_at - s.starts_at == 10 * DAY for s in added)
        assert [s.name for s in added] == [f"Season {s.number}" for s in added]
        assert season_rules.current(chain, 10 * DAY + later) == chain[-1]

    def test_after_a_long_gap_every_missed_season_is_added(self):
        first = Season("s1", 1, "Kickoff", 0.0, 10 * DAY)
        ids = iter(f"id{n}" for n in range(100))

        added = season_rules.due([first], 45 * DAY, ids.__next__)

        assert [(s.number, s.starts_at) for s in added] == [
            (2, 10 * DAY),
            (3, 20 * DAY),
            (4, 30 * DAY),
            (5, 40 * DAY),
        ]

    def test_nothing_is_due_while_a_season_covers_the_time(self):
        first = Season("s1", 1, "Kickoff", 0.0, 10 * DAY)

        assert season_rules.due([first], 10 * DAY - 1, lambda: "x") == []

    def test_the_first_season_begins_at_the_time_asked(self):
        (first,) = season_rules.due([], 123.0, lambda: "x", 10.0)

        assert first == Season("x", 1, "Season 1", 123.0, 133.0)


def season_world(
    now: float = 0.0,
) -> tuple[Ladder, InMemorySeasonRepository, ManualClock]:
    clock = ManualClock(now)
    repo = InMemorySeasonRepository()
    return ladder_over(seasons=repo, clock=clock, length_s=10 * DAY), repo, clock


class TestSeasonAt:
    async def test_due_seasons_begin_by_themselves(self):
        ladder, repo, _ = season_world()
        await ladder.season_at(0.0)

        season, before = await ladder.season_at(35 * DAY)

        assert season.number == 4
        assert before is not None
        assert before.number == 3
        assert [s.number for s in await repo.all()] == [1, 2, 3, 4]

    async def test_two_instances_at_once_add_each_season_once(self):
        _, repo, clock = season_world()
        first, second = (
            ladder_over(seasons=repo, clock=clock),
            ladder_over(seasons=repo, clock=clock),
        )
        await first.season_at(0.0)

        found = await asyncio.gather(
            first.season_at(95 * 3 * DAY), second.season_at(95 * 3 * DAY)
        )

        numbers = [s.number for s in await repo.all()]
        assert numbers == list(range(1, len(numbers) + 1))
        assert found[0][0].number == found[1][0].number == numbers[-1]

    async def test_the_first_season_has_no_season_before(self):
        ladder, _, _ = season_world()

        season, before = await ladder.season_at(5.0)

        assert (season.number, season.starts_at, before) == (1, 5.0, None)


class TestSchedule:
    async def test_a_season_starts_when_the_one_before_ends(self):
        ladder, _, _ = season_world()
        first = await ladder.schedule(ADMIN, name="Kickoff", ends_at=10 * DAY)

        second = await ladder.schedule(
            ADMIN, name="  Second \n round ", ends_at=30 * DAY
        )

        assert (first.number, first.starts_at) == (1, 0.0)
        assert (second.number, second.starts_at, second.name) == (
            2,
            10 * DAY,
            "Second round",
        )

    async def test_a_player_cannot_schedule(self):
        ladder, repo, _ = season_world()

        with pytest.raises(PermissionDenied):
            await ladder.schedule(PLAYER, name="Mine", ends_at=DAY)

        assert await repo.all() == []

    @pytest.mark.parametrize(
        ("name", "ends_at", "starts_at"),
        [
            pytest.param("Two", 10 * DAY, None, id="ends-when-it-starts"),
            pytest.param("Two", 5 * DAY, None, id="ends-before-it-starts"),
            pytest.param("Two", 20 * DAY, 12 * DAY, id="a-gap"),
            pytest.param("Two", 20 * DAY, 8 * DAY, id="an-overlap"),
            pytest.param("   ", 20 * DAY, None, id="a-blank-name"),
            pytest.param("x" * 65, 20 * DAY, None, id="a-long-name"),
            pytest.param("Two\x00", 20 * DAY, None, id="a-nul-in-the-name"),
            pytest.param("T\x1bwo", 20 * DAY, None, id="an-escape-in-the-name"),
        ],
    )
    async def test_a_bad_season_is_refused(self, name, ends_at, starts_at):
        ladder, repo, _ = season_world()
        await ladder.schedule(ADMIN, name="One", ends_at=10 * DAY)

        with pytest.raises(InvalidInput):
            await ladder.schedule(
                ADMIN, name=name, ends_at=ends_at, starts_at=starts_at
            )

        assert len(await repo.all()) == 1

    @pytest.mark.parametrize(
        "ends_at",
        [
            pytest.param(DAY + 1, id="a-second-long"),
            pytest.param(2 * DAY - 1, id="a-second-short-of-a-day"),
            pytest.param(1e12 * DAY, id="past-the-year-3000"),
        ],
    )
    async def test_a_season_of_an_absurd_length_is_refused(self, ends_at):
        ladder, repo, clock = season_world()
        clock.advance(DAY)

        with pytest.raises(InvalidInput):
            await ladder.schedule(ADMIN, name="Odd", ends_at=ends_at)

        assert await repo.all() == []

    async def test_the_first_season_cannot_start_in_the_past(self):
        # Every season from then to now would begin at once on the next read.
        ladder, repo, clock = season_world()
        clock.advance(400 * DAY)

        with pytest.raises(InvalidInput):
            await ladder.schedule(ADMIN, name="Old", starts_at=0.0, ends_at=DAY)

        assert await repo.all() == []

    async def test_the_next_season_lasts_at_least_a_day(self):
        ladder, repo, _ = season_world()
        await ladder.schedule(ADMIN, name="One", ends_at=10 * DAY)

        with pytest.raises(InvalidInput):
            await ladder.schedule(ADMIN, name="Blink", ends_at=10 * DAY + 1)

        assert len(await repo.all()) == 1

    async def test_a_name_of_sixty_four_characters_is_taken(self):
        ladder, _, _ = season_world()

        season = await ladder.schedule(ADMIN, name="x" * 64, ends_at=DAY)

        assert season.name == "x" * 64


class TestChangeSeason:
    async def test_any_season_can_be_renamed(self):
        ladder, repo, clock = season_world()
        first = await ladder.schedule(ADMIN, name="One", ends_at=10 * DAY)
        await ladder.schedule(ADMIN, name="Two", ends_at=20 * DAY)
        clock.advance(15 * DAY)

        renamed = await ladder.change_season(ADMIN, first.id, name="Opening")

        assert renamed == replace(first, name="Opening")
        assert (await repo.all())[0] == renamed

    async def test_the_last_seasons_end_moves(self):
        ladder, _, _ = season_world()
        await ladder.schedule(ADMIN, name="One", ends_at=10 * DAY)
        last = await ladder.schedule(ADMIN, name="Two", ends_at=20 * DAY)

        moved = await ladder.change_season(ADMIN, last.id, ends_at=25 * DAY)

        assert moved == replace(last, ends_at=25 * DAY)

    async def test_an_earlier_seasons_end_stays(self):
        ladder, _, _ = season_world()
        first = await ladder.schedule(ADMIN, name="One", ends_at=10 * DAY)
        await ladder.schedule(ADMIN, name="Two", ends_at=20 * DAY)

        with pytest.raises(InvalidInput):
            await ladder.change_season(ADMIN, first.id, ends_at=12 * DAY)

    @pytest.mark.parametrize(
        "ends_at",
        [
            pytest.param(4 * DAY, id="before-now"),
            pytest.param(5 * DAY, id="now"),
            pytest.param(0.0, id="at-its-start"),
        ],
    )
    async def test_an_end_cannot_move_into_the_past(self, ends_at):
        ladder, _, clock = season_world()
        season = await ladder.schedule(ADMIN, name="One", ends_at=10 * DAY)
        clock.advance(5 * DAY)

        with pytest.raises(InvalidInput):
            await ladder.change_season(ADMIN, season.id, ends_at=ends_at)

    async def test_a_name_with_a_control_character_is_refused(self):
        ladder, repo, _ = season_world()
        season = await ladder.schedule(ADMIN, name="One", ends_at=10 * DAY)

        with pytest.raises(InvalidInput):
            await ladder.change_season(ADMIN, season.id, name="O\x00ne")

        assert (await repo.all())[0].name == "One"

    @pytest.mark.parametrize(
        "ends_at",
        [
            pytest.param(10 * DAY + 1, id="a-second-after-it-starts"),
            pytest.param(1e12 * DAY, id="past-the-year-3000"),
        ],
    )
    async def test_an_end_cannot_make_the_season_absurd(self, ends_at):
        ladder, _, _ = season_world()
        await ladder.schedule(ADMIN, name="One", ends_at=10 * DAY)
        last = await ladder.schedule(ADMIN, name="Two", ends_at=20 * DAY)

        with pytest.raises(InvalidInput):
            await ladder.change_season(ADMIN, last.id, ends_at=ends_at)

    async def test_a_player_cannot_change_a_season(self):
        ladder, _, _ = season_world()
        season = await ladder.schedule(ADMIN, name="One", ends_at=10 * DAY)

        with pytest.raises(PermissionDenied):
            await ladder.change_season(PLAYER, season.id, name="Mine")


# What quick match reads


class TestRatingsFor:
    async def seasons_of(
        self, *battles: tuple[int, str, str]
    ) -> tuple[Ladder, ManualClock, dict[LadderKey, LadderRating], list[str]]:
        """Two seasons of ten days and the duels (season number, winner,
        loser) rated in them."""
        store = InMemoryLadderStore()
        clock = ManualClock(0.0)
        ladder = ladder_over(store, clock=clock, length_s=10 * DAY)
        await ladder.schedule(ADMIN, name="One", ends_at=10 * DAY)
        await ladder.schedule(ADMIN, name="Two", ends_at=20 * DAY)
        ids = [s.id for s in await ladder.seasons()]
        book: dict[LadderKey, LadderRating] = {}
        rated = [
            duel(
                winner,
                loser,
                season=ids[number - 1],
                previous=ids[number - 2] if number > 1 else None,
                battle_id=f"b{n}",
            )
            for n, (number, winner, loser) in enumerate(battles)
        ]
        for update in played(rated, book):
            store.apply(update)
        return ladder, clock, book, ids

    async def test_this_seasons_overall_rating_once_played(self):
        ladder, clock, book, ids = await self.seasons_of(
            (1, "ann", "ben"), (2, "ann", "ben")
        )
        clock.advance(15 * DAY)

        found = await ladder.ratings_for(["ann", "ann"])

        now = rating_of(book, "ann", ids[1])
        assert found == {"ann": PlayerRating("ann", now.rating, 1)}

    async def test_the_soft_reset_of_last_seasons_before_the_first_battle(self):
        ladder, clock, book, ids = await self.seasons_of((1, "ann", "ben"))
        clock.advance(15 * DAY)

        found = await ladder.ratings_for(["ann", "ben"])

        old = rating_of(book, "ann", ids[0]).rating
        assert found["ann"] == PlayerRating("ann", RULES.soft_reset(old), 0)
        assert found["ben"].rating == RULES.soft_reset(
            rating_of(book, "ben", ids[0]).rating
        )

    async def test_absent_for_a_player_unrated_this_season_and_last(self):
        ladder, clock, _, _ = await self.seasons_of((1, "ann", "ben"))
        clock.advance(15 * DAY)

        assert await ladder.ratings_for(["cat"]) == {}

    async def test_the_season_before_last_is_not_read(self):
        ladder, clock, _, _ = await self.seasons_of((1, "ann", "ben"))
        clock.advance(25 * DAY)  # season 3 began by itself; season 2 unplayed

        assert await ladder.ratings_for(["ann"]) == {}


class TestCheckPlayer:
    async def ladder_with(self, *accounts: str) -> Ladder:
        """A ladder over ``accounts`` and a rated duel between ann and ben,
        whose account is closed since."""
        users = InMemoryUserRepository()
        for name in accounts:
            await users.add(User(name, f"{name}@example.org", name, None, 0.0))
        store = InMemoryLadderStore()
        book: dict[LadderKey, LadderRating] = {}
        for update in played([duel("ann", "ben", season="s1")], book):
            store.apply(update)
        return ladder_over(store, users=users)

    async def test_an_account_is_a_player_before_any_battle(self):
        ladder = await self.ladder_with("ann", "cat")

        await ladder.check_player("cat")

    async def test_a_closed_account_rated_once_is_still_a_player(self):
        ladder = await self.ladder_with("ann")

        await ladder.check_player("ben")

    async def test_an_id_neither_an_account_nor_rated_is_not_found(self):
        ladder = await self.ladder_with("ann")

        with pytest.raises(UserNotFound):
            await ladder.check_player("nobody")


# The arena rates finished battles through the ladder


@pytest.fixture
async def world() -> AsyncIterator[World]:
    """The arena's in-memory world, its seasons ten days long."""
    built = await build_world(season_length_s=10 * DAY)
    yield built
    built.judge.gate.set()
    await built.scheduler.stop()


async def running_duel(
    world: World, players: Sequence[Principal], **changes: Any
) -> LiveBattle:
    """A duel of the two ``players`` who have an account, begun."""
    first, second = players
    room = await world.lobby.create_room(first, room_settings(**changes))
    await world.lobby.join_by_invite(second, room.room.invite_code)
    for player in players:
        await world.lobby.set_ready(player, room.id, True)
    battle = await world.arena.start_room(first, room.id)
    world.clock.advance(COUNTDOWN)
    running = await world.arena.advance(battle.id)
    assert running is not None
    return running


async def won_by_alice(
    world: World,
    players: Sequence[Principal] = (),
    delay: float = 0.0,
    **changes: Any,
) -> LiveBattle:
    """A duel of alice and bob (``players``: theirs, when they have played
    before) that alice wins by solving it ``delay`` seconds after the start;
    the finished battle."""
    players = players or [await world.player(n) for n in ("alice", "bob")]
    battle = await running_duel(world, players, **changes)
    world.clock.advance(delay)
    await world.submit(players[0], battle)
    await world.scheduler.drain()
    for player in players:  # the reopened room: free for the next duel
        await world.lobby.leave(player, battle.room_id)
    return await world.battle(battle.id)


def ladder_keys(season: str, player: str) -> list[LadderKey]:
    return [
        LadderKey(s, scope, player)
        for s in (season, ALL_TIME)
        for scope in (Scope.DUEL, Scope.OVERALL)
    ]


class TestArenaRates:
    async def test_a_rated_duels_end_writes_four_ratings_per_player(self, world):
        finished = await won_by_alice(world, rated=True)

        season = await world.arena_ladder.current_season()
        keys = [k for p in ("alice", "bob") for k in ladder_keys(season.id, p)]
        stored = await world.battles.ladder.ratings(keys)
        assert set(stored) == set(keys)
        assert all(r.rated_battles == 1 for r in stored.values())
        assert {k.player for k, r in stored.items() if r.wins == 1} == {"alice"}
        assert finished.result is not None
        assert finished.result.season == season.id

    async def test_the_leaderboard_channel_hears_the_ratings_and_tiers(self, world):
        heard = await world.listen("leaderboard")

        finished = await won_by_alice(world, rated=True)

        assert [e.type for e in heard] == ["leaderboard.changed"]
        data = heard[0].data
        stored = await world.battles.ladder.ratings(
            [
                k
                for p in ("alice", "bob")
                for k in ladder_keys(finished.result.season, p)
            ]
        )
        assert data["battle"] == finished.id
        assert sorted(
            (r["player"], r["season"], r["scope"], r["rating"], r["tier"])
            for r in data["ratings"]
        ) == sorted(
            (
                k.player,
                k.season,
                k.scope.value,
                r.rating,
                DEFAULT_TIERS.of(r.rating).name,
            )
            for k, r in stored.items()
        )

    async def test_the_results_rating_changes_are_the_season_overall_ones(self, world):
        finished = await won_by_alice(world, rated=True)

        result = finished.result
        assert result is not None
        shown = {c.player: (c.before, c.after, c.k) for c in result.rating_changes}
        overall = {
            c.player: (c.before, c.after, c.k)
            for c in result.ladder
            if c.season == result.season and c.scope is Scope.OVERALL
        }
        assert shown == overall
        assert set(shown) == {"alice", "bob"}
        assert len(result.ladder) == 8

    async def test_an_unrated_battle_moves_no_ladder(self, world):
        heard = await world.listen("leaderboard")

        finished = await won_by_alice(world)

        assert finished.result is not None
        assert finished.result.rating_changes == ()
        assert await world.battles.ladder.rated_battles() == []
        assert heard == []

    async def test_a_voided_battle_moves_no_ladder(self, world):
        heard = await world.listen("leaderboard")
        battle, (alice, bob) = await world.running(rated=True)
        await world.submit(bob, battle, b"broken")
        await world.scheduler.drain()

        await world.submit(alice, battle)
        await world.scheduler.drain()

        finished = await world.battle(battle.id)
        assert finished.result is not None
        assert finished.result.voided
        assert await world.battles.ladder.rated_battles() == []
        assert heard == []

    async def test_a_battle_ending_after_the_boundary_is_rated_in_the_new_season(
        self, world
    ):
        players = [await world.player(n) for n in ("alice", "bob")]
        await won_by_alice(world, players, rated=True)
        first = await world.arena_ladder.current_season()
        before = await world.battles.ladder.ratings(ladder_keys(first.id, "alice"))
        world.clock.advance(first.ends_at - world.clock.now() - COUNTDOWN - 10)

        finished = await won_by_alice(world, players, delay=20, rated=True)

        result = finished.result
        assert result is not None
        second = await world.arena_ladder.current_season()
        assert second.number == first.number + 1
        assert result.season == second.id
        starts = {
            (c.season, c.scope): c.before for c in result.ladder if c.player == "alice"
        }
        old = {k.scope: r.rating for k, r in before.items() if k.season == first.id}
        assert starts[second.id, Scope.OVERALL] == RULES.soft_reset(old[Scope.OVERALL])
        assert starts[second.id, Scope.DUEL] == RULES.soft_reset(old[Scope.DUEL])
        all_time = before[LadderKey(ALL_TIME, Scope.OVERALL, "alice")]
        assert starts[ALL_TIME, Scope.OVERALL] == all_time.rating


class TestBeforeTheFirstSeason:
    """Times before the first season began: a battle rated late whose end
    came before the first rated battle's, and reads before an admin's first
    season begins. Both find no season (``NotFound``) today."""

    async def test_a_battle_that_ended_before_the_first_season_still_finishes(
        self, world
    ):
        slow, (alice, _) = await world.running(("alice", "bob"), rated=True)
        await world.submit(alice, slow, b"slow")  # judged after the other ends
        world.clock.advance(30)

        carol, dan = [await world.player(n) for n in ("carol", "dan")]
        quick = await running_duel(world, [carol, dan], rated=True)
        await world.submit(carol, quick)
        await let_run()
        quick = await world.battle(quick.id)
        world.judge.gate.set()
        await asyncio.wait(set(world.scheduler.tasks))

        first = (await world.arena_ladder.seasons())[0]
        late = await world.battle(slow.id)
        assert quick.result is not None
        assert quick.result.ended_at == first.starts_at
        assert late.status is BattleStatus.FINISHED
        assert late.result is not None
        assert late.result.ended_at < first.starts_at
        assert late.result.season is not None

    async def test_quick_match_reads_no_rating_before_a_scheduled_first_season(
        self,
    ):
        ladder, _, _ = season_world()
        await ladder.schedule(ADMIN, name="One", starts_at=DAY, ends_at=10 * DAY)

        assert await ladder.ratings_for(["ann"]) == {}
