"""The Redis rank index against the real Redis on 127.0.0.1:6379: the same
answers as the in-memory leaderboard (the reference), kept through rating and
country changes, and rebuilt into a fresh generation readers switch to whole.

Each test writes under a key prefix of its own, deleted afterwards.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st
from redis.asyncio import Redis

from bitcode_adapters.ladder import (
    InMemoryLadderStore,
    InMemoryLeaderboard,
    RankIndexUnavailable,
    RebuildInterrupted,
    RedisRankIndex,
)
from bitcode_adapters.ladder import redis as redis_index
from bitcode_core.ladder.model import (
    ALL_TIME,
    Board,
    LadderKey,
    LadderRating,
    Ranked,
    Scope,
)

pytestmark = pytest.mark.anyio

REDIS = {"host": "127.0.0.1", "port": 6379}
S1 = Board("s1", Scope.OVERALL)
S1_FR = Board("s1", Scope.OVERALL, "FR")
S1_DE = Board("s1", Scope.OVERALL, "DE")
S1_DUEL = Board("s1", Scope.DUEL)
ALL = Board(ALL_TIME, Scope.OVERALL)
ALL_FR = Board(ALL_TIME, Scope.OVERALL, "FR")
ALL_DE = Board(ALL_TIME, Scope.OVERALL, "DE")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def new_prefix() -> str:
    return f"bitcode:test:ladder:{uuid.uuid4().hex}:"


async def delete_prefix(redis: Redis, prefix: str) -> None:
    keys = [k async for k in redis.scan_iter(match=f"{prefix}*")]
    if keys:
        await redis.delete(*keys)


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    async with Redis(**REDIS) as client:
        yield client


@pytest.fixture
async def prefix(redis: Redis) -> AsyncIterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = new_prefix()
    yield prefix
    await delete_prefix(redis, prefix)


@pytest.fixture
def index(redis: Redis, prefix: str) -> RedisRankIndex:
    return RedisRankIndex(redis, prefix)


def rating(
    player: str, value: float, board: Board = S1, battles: int = 1
) -> LadderRating:
    return LadderRating(board.season, board.scope, player, value, battles)


class Ladder:
    """The store and its reference leaderboard, with the index told of every
    change as the core tells it."""

    def __init__(self, index: RedisRankIndex) -> None:
        self.index = index
        self.store = InMemoryLadderStore()
        self.reference = InMemoryLeaderboard(self.store)
        self.ratings: dict[LadderKey, LadderRating] = {}

    async def rate(
        self,
        ratings: Sequence[LadderRating],
        countries: Mapping[str, str | None] | None = None,
    ) -> None:
        countries = countries or {
            r.player: self.store.countries.get(r.player) for r in ratings
        }
        await self.store_only(ratings, countries)
        await self.index.put(ratings, countries)

    async def store_only(
        self, ratings: Iterable[LadderRating], countries: Mapping[str, str | None]
    ) -> None:
        self.ratings.update({r.key: r for r in ratings})
        self.store.countries.update(countries)
        await self.store.replace_all(self.ratings.values())


@pytest.fixture
async def ladder(index: RedisRankIndex) -> Ladder:
    # A rebuild of nothing makes a current generation for the puts to reach.
    await index.rebuild(InMemoryLadderStore())
    return Ladder(index)


async def assert_same_answers(ladder: Ladder, board: Board) -> None:
    """Every query on ``board``, by the index and by the reference."""
    index, reference = ladder.index, ladder.reference
    total = await reference.size(board)
    assert await index.size(board) == total
    assert await index.page(board, 0, total + 1) == await reference.page(
        board, 0, total + 1
    )
    for offset in range(total + 2):
        for limit in (1, 2, 3):
            assert await index.page(board, offset, limit) == await reference.page(
                board, offset, limit
            ), (offset, limit)
    for player in [*ladder.store.countries, "nobody"]:
        assert await index.rank(board, player) == await reference.rank(board, player)
        for size in (1, 2, 3, 4, 5, 21):
            assert await index.around(board, player, size) == await reference.around(
                board, player, size
            ), (player, size)


class TestQueries:
    async def test_ties_share_a_rank_and_are_listed_by_player(
        self, ladder: Ladder
    ) -> None:
        await ladder.rate(
            [
                rating("cat", 1500, battles=3),
                rating("ant", 1500),
                rating("bee", 1600, battles=7),
                rating("dog", 1400),
            ]
        )

        rows = await ladder.index.page(S1, 0, 10)

        assert rows == [
            Ranked(1, "bee", 1600, 7),
            Ranked(2, "ant", 1500, 1),
            Ranked(2, "cat", 1500, 3),
            Ranked(4, "dog", 1400, 1),
        ]
        await assert_same_answers(ladder, S1)

    async def test_a_page_that_starts_inside_a_tie_gives_the_tie_its_first_rank(
        self, ladder: Ladder
    ) -> None:
        await ladder.rate([rating(p, 1500) for p in "abcde"] + [rating("z", 1700)])

        rows = await ladder.index.page(S1, 3, 2)

        assert [(r.rank, r.player) for r in rows] == [(2, "c"), (2, "d")]

    async def test_fractional_and_negative_ratings_keep_their_order(
        self, ladder: Ladder
    ) -> None:
        values = [1500.25, 1500.125, -3.5, 0.0, 1e-9, 2400.000001, 1500.25]
        await ladder.rate([rating(f"p{i}", v) for i, v in enumerate(values)])

        await assert_same_answers(ladder, S1)

    async def test_boards_of_seasons_and_scopes_are_apart(self, ladder: Ladder) -> None:
        await ladder.rate(
            [
                rating("ann", 1510),
                rating("ann", 1490, S1_DUEL, battles=4),
                rating("ann", 1700, ALL, battles=9),
                rating("bob", 1520, S1_DUEL),
            ]
        )

        assert await ladder.index.rank(S1_DUEL, "ann") == Ranked(2, "ann", 1490, 4)
        assert await ladder.index.rank(ALL, "ann") == Ranked(1, "ann", 1700, 9)
        assert await ladder.index.rank(S1, "bob") is None
        for board in (S1, S1_DUEL, ALL):
            await assert_same_answers(ladder, board)

    async def test_a_new_rating_replaces_the_old(self, ladder: Ladder) -> None:
        await ladder.rate([rating("ann", 1500), rating("bob", 1550)])

        await ladder.rate([rating("ann", 1600, battles=2)])

        assert await ladder.index.rank(S1, "ann") == Ranked(1, "ann", 1600, 2)
        assert await ladder.index.size(S1) == 2
        await assert_same_answers(ladder, S1)

    @pytest.mark.parametrize(
        ("player", "size", "expected"),
        [
            pytest.param("p0", 5, ["p0", "p1", "p2", "p3", "p4"], id="top"),
            pytest.param("p9", 5, ["p5", "p6", "p7", "p8", "p9"], id="bottom"),
            pytest.param("p5", 4, ["p3", "p4", "p5", "p6"], id="even-size"),
            pytest.param("p5", 30, [f"p{i}" for i in range(10)], id="all-of-it"),
        ],
    )
    async def test_around_shifts_its_window_to_stay_on_the_board(
        self, ladder: Ladder, player: str, size: int, expected: list[str]
    ) -> None:
        await ladder.rate([rating(f"p{i}", 2000 - i) for i in range(10)])

        rows = await ladder.index.around(S1, player, size)

        assert [r.player for r in rows] == expected
        await assert_same_answers(ladder, S1)

    async def test_an_absent_player_or_board_has_no_rows(self, ladder: Ladder) -> None:
        await ladder.rate([rating("ann", 1500)])
        empty = Board("s9", Scope.TEAMS)

        assert await ladder.index.rank(S1, "bob") is None
        assert await ladder.index.around(S1, "bob", 5) == []
        assert await ladder.index.page(empty, 0, 10) == []
        assert await ladder.index.size(empty) == 0
        assert await ladder.index.page(S1, 1, 10) == []
        assert await ladder.index.page(S1, 0, 0) == []
        assert await ladder.index.around(S1, "ann", 0) == []


class TestCountries:
    async def test_a_country_board_holds_only_that_country(
        self, ladder: Ladder
    ) -> None:
        await ladder.rate(
            [rating("ann", 1500), rating("bob", 1600), rating("cy", 1700)],
            {"ann": "FR", "bob": "DE", "cy": None},
        )

        assert await ladder.index.page(S1_FR, 0, 10) == [Ranked(1, "ann", 1500, 1)]
        assert await ladder.index.rank(S1, "ann") == Ranked(3, "ann", 1500, 1)
        for board in (S1, S1_FR, S1_DE):
            await assert_same_answers(ladder, board)

    async def test_a_player_who_moves_leaves_the_old_country_on_every_board(
        self, ladder: Ladder
    ) -> None:
        await ladder.rate(
            [rating("ann", 1500), rating("ann", 1800, ALL), rating("bob", 1400)],
            {"ann": "FR", "bob": "FR"},
        )

        await ladder.rate([rating("ann", 1510, S1_DUEL)], {"ann": "DE"})

        assert await ladder.index.rank(S1_FR, "ann") is None
        assert await ladder.index.rank(ALL_FR, "ann") is None
        assert await ladder.index.rank(S1_DE, "ann") == Ranked(1, "ann", 1500, 1)
        assert await ladder.index.rank(S1_FR, "bob") == Ranked(1, "bob", 1400, 1)
        for board in (S1, S1_FR, S1_DE, ALL, ALL_FR, S1_DUEL):
            await assert_same_answers(ladder, board)

    @pytest.mark.parametrize(
        ("country", "boards"),
        [
            pytest.param("DE", (S1_DE, ALL_DE), id="to-another"),
            pytest.param(None, (), id="to-none"),
        ],
    )
    async def test_a_player_who_moves_without_a_battle_changes_boards(
        self, ladder: Ladder, country: str | None, boards: tuple[Board, ...]
    ) -> None:
        await ladder.rate(
            [rating("ann", 1500), rating("ann", 1800, ALL), rating("bob", 1400)],
            {"ann": "FR", "bob": "FR"},
        )

        await ladder.index.move("ann", country)
        await ladder.store_only([], {"ann": country})

        assert await ladder.index.rank(S1_FR, "ann") is None
        assert await ladder.index.rank(ALL_FR, "ann") is None
        for board in boards:
            assert await ladder.index.rank(board, "ann") is not None
        for board in (S1, S1_FR, S1_DE, ALL, ALL_FR, ALL_DE):
            await assert_same_answers(ladder, board)

    async def test_a_player_not_ranked_who_moves_joins_no_board(
        self, ladder: Ladder
    ) -> None:
        await ladder.index.move("cy", "FR")

        assert await ladder.index.size(S1_FR) == 0
        assert await ladder.index.rank(S1, "cy") is None

    @pytest.mark.parametrize(
        "countries",
        [
            pytest.param({"ann": None}, id="country-none"),
            pytest.param({}, id="country-not-given"),
        ],
    )
    async def test_a_player_without_a_country_is_on_no_country_board(
        self, ladder: Ladder, countries: dict[str, str | None]
    ) -> None:
        await ladder.rate(
            [rating("ann", 1500), rating("ann", 1600, ALL)], {"ann": "FR"}
        )

        await ladder.index.put([rating("ann", 1550)], countries)
        await ladder.store_only([rating("ann", 1550)], {"ann": None})

        assert await ladder.index.size(S1_FR) == 0
        assert await ladder.index.size(ALL_FR) == 0
        for board in (S1, S1_FR, ALL, ALL_FR):
            await assert_same_answers(ladder, board)


ratings_by_player = st.dictionaries(
    st.text("abcdef", min_size=1, max_size=3),
    st.one_of(
        st.integers(1490, 1510).map(float),
        st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    ),
    max_size=40,
)


class TestOrderProperty:
    @given(ratings=ratings_by_player, offset=st.integers(0, 45))
    def test_a_rank_is_one_more_than_those_rated_higher_and_pages_are_sorted(
        self, ratings: dict[str, float], offset: int
    ) -> None:
        ranks, page, rows = asyncio.run(self._answers(ratings, offset))

        for player, value in ratings.items():
            higher = sum(1 for v in ratings.values() if v > value)
            assert ranks[player] == Ranked(higher + 1, player, value, 1)
        ordered = sorted(ratings.items(), key=lambda pv: (-pv[1], pv[0]))
        assert [(r.player, r.rating) for r in rows] == ordered
        assert page == rows[offset : offset + 5]

    @staticmethod
    async def _answers(
        ratings: dict[str, float], offset: int
    ) -> tuple[dict[str, Ranked | None], Sequence[Ranked], Sequence[Ranked]]:
        prefix = new_prefix()
        async with Redis(**REDIS) as redis:
            index = RedisRankIndex(redis, prefix)
            try:
                await index.rebuild(InMemoryLadderStore())
                await index.put([rating(p, v) for p, v in ratings.items()], {})
                ranks = {p: await index.rank(S1, p) for p in ratings}
                return (
                    ranks,
                    await index.page(S1, offset, 5),
                    await index.page(S1, 0, 100),
                )
            finally:
                await delete_prefix(redis, prefix)


async def filled_store() -> InMemoryLadderStore:
    """Three boards, ties, and players of two countries and of none."""
    store = InMemoryLadderStore()
    ratings = [rating(f"p{i:02}", 1500 + (i * 37) % 11, S1, i) for i in range(30)]
    ratings += [rating(f"p{i:02}", 1400 + i % 4, ALL) for i in range(0, 30, 2)]
    ratings += [rating(f"p{i:02}", 1450.5, S1_DUEL) for i in range(0, 30, 3)]
    await store.replace_all(ratings)
    store.countries.update({f"p{i:02}": ("FR", "DE", None)[i % 3] for i in range(30)})
    return store


BOARDS = (S1, S1_FR, S1_DE, S1_DUEL, ALL, ALL_FR, ALL_DE)


async def rebuilt_ladder(index: RedisRankIndex, store: InMemoryLadderStore) -> Ladder:
    ladder = Ladder(index)
    ladder.store = store
    ladder.reference = InMemoryLeaderboard(store)
    ladder.ratings = {r.key: r for r, _ in await store.scan(None, 10_000)}
    return ladder


class PausingStore:
    """A store whose second page is read, then held back until let go: what
    changes meanwhile reaches the index, and the page is stale when it comes."""

    def __init__(self, store: InMemoryLadderStore) -> None:
        self.store = store
        self.paused = asyncio.Event()
        self.go_on = asyncio.Event()
        self._pages = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    async def scan(
        self, after: LadderKey | None, limit: int
    ) -> Sequence[tuple[LadderRating, str | None]]:
        self._pages += 1
        page = await self.store.scan(after, limit)
        if self._pages == 2:
            self.paused.set()
            await self.go_on.wait()
        return page


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages and scripts of a few ratings, so a rebuild takes many of each."""
    monkeypatch.setattr(redis_index, "SCAN_PAGE", 7)
    monkeypatch.setattr(redis_index, "SCRIPT_ROWS", 3)


class TestRebuild:
    async def test_a_rebuild_gives_the_stores_answers(
        self, index: RedisRankIndex, small_pages: None
    ) -> None:
        store = await filled_store()

        count = await index.rebuild(store)

        assert count == 30 + 15 + 10
        ladder = await rebuilt_ladder(index, store)
        for board in BOARDS:
            await assert_same_answers(ladder, board)

    async def test_an_empty_prefix_is_not_built(self, index: RedisRankIndex) -> None:
        assert not await index.built()
        assert await index.size(S1) == 0
        assert await index.page(S1, 0, 10) == []
        assert await index.rank(S1, "p00") is None

    async def test_the_index_is_built_after_a_rebuild_until_redis_loses_its_keys(
        self, redis: Redis, prefix: str, index: RedisRankIndex
    ) -> None:
        await index.rebuild(await filled_store())
        built = await index.built()

        await delete_prefix(redis, prefix)

        assert built
        assert not await index.built()

    async def test_a_rebuild_unlinks_the_generation_it_replaces(
        self, redis: Redis, prefix: str, index: RedisRankIndex
    ) -> None:
        await index.rebuild(await filled_store())
        before = {k async for k in redis.scan_iter(match=f"{prefix}*")}
        fresh = InMemoryLadderStore()
        await fresh.replace_all([rating("new", 1500)])

        await index.rebuild(fresh)

        after = {k async for k in redis.scan_iter(match=f"{prefix}*")}
        assert after & before == {f"{prefix}current".encode()}
        assert await index.page(S1, 0, 10) == [Ranked(1, "new", 1500, 1)]
        assert await index.size(S1_FR) == 0

    async def test_readers_see_the_old_generation_until_the_new_one_is_whole(
        self, index: RedisRankIndex, small_pages: None
    ) -> None:
        old = InMemoryLadderStore()
        await old.replace_all([rating("old", 1500)])
        await index.rebuild(old)
        pausing = PausingStore(await filled_store())

        rebuilding = asyncio.create_task(index.rebuild(pausing))  # type: ignore[arg-type]
        await pausing.paused.wait()
        during = (await index.page(S1, 0, 100), await index.built())
        pausing.go_on.set()
        await rebuilding

        assert during == ([Ranked(1, "old", 1500, 1)], True)
        ladder = await rebuilt_ladder(index, pausing.store)
        for board in BOARDS:
            await assert_same_answers(ladder, board)

    async def test_ratings_put_during_a_rebuild_are_kept(
        self, index: RedisRankIndex, small_pages: None
    ) -> None:
        store = await filled_store()
        await index.rebuild(store)
        pausing = PausingStore(store)
        ladder = await rebuilt_ladder(index, store)

        rebuilding = asyncio.create_task(index.rebuild(pausing))  # type: ignore[arg-type]
        await pausing.paused.wait()
        # Pages go all-time first: p00-p12 are written, p14-p26 are read (and
        # now stale), the s1 boards are still to come.
        await ladder.rate([rating("p00", 1900, ALL, 99), rating("p14", 1300, ALL, 98)])
        await ladder.rate([rating("p27", 1000, S1, 97)])
        await ladder.rate([rating("p03", 1600, ALL)], {"p03": "DE"})
        await ladder.rate([rating("p20", 1501, S1)], {"p20": "FR"})
        await ladder.rate([rating("p16", 1502, S1)], {"p16": None})
        pausing.go_on.set()
        await rebuilding

        assert await index.rank(ALL, "p00") == Ranked(1, "p00", 1900, 99)
        assert await index.rank(ALL, "p14") == Ranked(16, "p14", 1300, 98)
        assert await index.rank(ALL_FR, "p20") is not None
        for board in BOARDS:
            await assert_same_answers(ladder, board)

    async def test_a_move_during_a_rebuild_is_kept(
        self, index: RedisRankIndex, small_pages: None
    ) -> None:
        store = await filled_store()
        await index.rebuild(store)
        pausing = PausingStore(store)
        ladder = await rebuilt_ladder(index, store)

        rebuilding = asyncio.create_task(index.rebuild(pausing))  # type: ignore[arg-type]
        await pausing.paused.wait()
        # Both had none: p02's all-time page is written, p20's read (stale).
        for player, country in (("p02", "DE"), ("p20", "DE")):
            await index.move(player, country)
            await ladder.store_only([], {player: country})
        pausing.go_on.set()
        await rebuilding

        assert await index.rank(ALL_DE, "p02") is not None
        assert await index.rank(ALL_DE, "p20") is not None
        for board in BOARDS:
            await assert_same_answers(ladder, board)

    async def test_a_failed_rebuild_leaves_the_old_generation_and_no_keys(
        self, redis: Redis, prefix: str, index: RedisRankIndex
    ) -> None:
        await index.rebuild(await filled_store())
        before = {k async for k in redis.scan_iter(match=f"{prefix}*")}

        class Broken(InMemoryLadderStore):
            async def scan(
                self, after: LadderKey | None, limit: int
            ) -> Sequence[tuple[LadderRating, str | None]]:
                raise OSError("the database went away")

        with pytest.raises(OSError, match="went away"):
            await index.rebuild(Broken())

        assert {k async for k in redis.scan_iter(match=f"{prefix}*")} == before
        assert await index.built()
        assert await index.size(S1) == 30

    async def test_a_rebuild_whose_lease_lapsed_is_refused(
        self,
        index: RedisRankIndex,
        small_pages: None,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(redis_index, "LEASE_MS", 300)
        pausing = PausingStore(await filled_store())

        rebuilding = asyncio.create_task(index.rebuild(pausing))  # type: ignore[arg-type]
        await pausing.paused.wait()
        await asyncio.sleep(0.8)
        pausing.go_on.set()

        with pytest.raises(RebuildInterrupted):
            await rebuilding
        assert not await index.built()

    async def test_the_next_rebuild_unlinks_one_that_died(
        self, redis: Redis, prefix: str, index: RedisRankIndex
    ) -> None:
        dead = "0" * 32
        await redis.sadd(f"{prefix}building", dead)
        await redis.sadd(f"{prefix}g:{dead}:keys", f"{prefix}g:{dead}:rank:s1:overall")
        await redis.zadd(f"{prefix}g:{dead}:rank:s1:overall", {"ghost": -1500})

        await index.rebuild(await filled_store())

        keys = {k.decode() async for k in redis.scan_iter(match=f"{prefix}*")}
        assert not any(dead in k for k in keys)
        assert await redis.smembers(f"{prefix}building") == set()


class TestClients:
    async def test_a_client_that_decodes_replies_gets_the_same_answers(
        self, prefix: str
    ) -> None:
        async with Redis(**REDIS, decode_responses=True) as redis:
            index = RedisRankIndex(redis, prefix)
            store = await filled_store()
            await index.rebuild(store)
            ladder = await rebuilt_ladder(index, store)

            for board in BOARDS:
                await assert_same_answers(ladder, board)

    async def test_an_unreachable_redis_is_reported_as_unavailable(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        async with Redis(host="127.0.0.1", port=port) as redis:
            index = RedisRankIndex(redis, new_prefix())

            with pytest.raises(RankIndexUnavailable):
                await index.rank(S1, "ann")
            with pytest.raises(RankIndexUnavailable):
                await index.put([rating("ann", 1500)], {})
