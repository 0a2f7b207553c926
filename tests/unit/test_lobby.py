"""The lobby's use cases on the in-memory adapters: what each action allows,
refuses and announces."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitcode_adapters.events import InProcessEventBus
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
from bitcode_core.catalog.model import CatalogEntry
from bitcode_core.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    RoomNotFound,
    RoomRuleViolation,
    UnknownLanguage,
)
from bitcode_core.languages import LanguageTable
from bitcode_core.ports import PlayerRating
from bitcode_core.questions import Difficulty, Question
from bitcode_core.questions import TestCase as Example
from bitcode_core.rooms.channels import Channel, ChannelKind
from bitcode_core.rooms.lobby import Lobby, RoomQuery
from bitcode_core.rooms.matchmaking import (
    MatchRules,
    balanced_sides,
    find_matches,
)
from bitcode_core.rooms.ports import Envelope, MatchTicket
from bitcode_core.rooms.settings import (
    ChosenQuestions,
    Mode,
    RandomQuestions,
    RoomSettings,
)
from tests.fakes import ManualClock

pytestmark = pytest.mark.anyio

LANGUAGES = LanguageTable.from_mapping(
    {
        "python3": {
            "name": "Python 3",
            "extensions": ["py"],
            "source_file": "main.py",
            "run": ["python3", "main.py"],
        },
        "cpp": {
            "name": "C++",
            "extensions": ["cpp"],
            "source_file": "main.cpp",
            "run": ["./main"],
        },
    }
)


@dataclass
class Ratings:
    known: dict[str, float] = field(default_factory=dict)

    async def get_many(self, players: Iterable[str]) -> Mapping[str, PlayerRating]:
        return {p: PlayerRating(p, self.known[p]) for p in players if p in self.known}


@dataclass
class World:
    lobby: Lobby
    bus: InProcessEventBus
    clock: ManualClock
    ratings: Ratings
    users: InMemoryUserRepository
    heard: list[Envelope] = field(default_factory=list)

    async def player(self, name: str, role: Role = Role.PLAYER) -> Principal:
        user = User(name, f"{name}@example.org", name, None, 0.0, role, True)
        await self.users.add(user)
        return Principal(name, f"session-{name}", role)

    async def listen(self, channel: str) -> list[Envelope]:
        heard: list[Envelope] = []
        await self.bus.subscribe(channel, heard.append)
        return heard


def settings(mode: Mode = Mode.DUEL, **changes: Any) -> RoomSettings:
    preset = mode.preset
    values: dict[str, Any] = {
        "mode": mode,
        "sides": preset.min_sides,
        "seats_per_side": preset.min_seats,
        "questions": ChosenQuestions(("sum",)),
        "languages": frozenset({"python3"}),
        "time_limit_s": 600,
    }
    return RoomSettings(**(values | changes))


@pytest.fixture
async def world() -> World:
    clock = ManualClock()
    catalog = InMemoryQuestionCatalog()
    for question_id, difficulty, tags in [
        ("sum", Difficulty.EASY, ("math",)),
        ("paths", Difficulty.HARD, ("graphs",)),
    ]:
        question = Question(
            question_id,
            question_id.title(),
            "",
            difficulty=difficulty,
            tags=tags,
            samples=(Example("1", b"1\n", b"1\n"),),
        )
        await catalog.add(CatalogEntry(question, 1, None, 0.0, 0.0))
    users = InMemoryUserRepository()
    bus = InProcessEventBus(clock)
    ratings = Ratings()
    lobby = Lobby(
        rooms=InMemoryRoomRepository(),
        bus=bus,
        chat=InMemoryChatLog(),
        queue=InMemoryMatchQueue(),
        presence=InMemoryPresence(),
        users=users,
        catalog=catalog,
        languages=LANGUAGES,
        ratings=ratings,
        limiter=InMemoryRateLimiter(clock),
        secrets=SystemSecrets(),
        clock=clock,
    )
    return World(lobby, bus, clock, ratings, users)


class TestCreateRoom:
    async def test_the_host_sits_first_and_the_lobby_hears_of_it(self, world):
        alice = await world.player("alice")
        lobby_heard = await world.listen("lobby")

        room = await world.lobby.create_room(alice, settings(), "  duel   me ")

        assert room.room.seats == (("alice",), ())
        assert room.title == "duel me"
        assert [e.type for e in lobby_heard] == ["room.listed"]
        assert lobby_heard[0].data["id"] == room.id

    async def test_a_private_room_is_not_announced_in_the_lobby(self, world):
        alice = await world.player("alice")
        lobby_heard = await world.listen("lobby")

        await world.lobby.create_room(alice, settings(private=True))

        assert lobby_heard == []

    @pytest.mark.parametrize(
        ("changes", "error"),
        [
            pytest.param(
                {"questions": ChosenQuestions(("nope",))}, InvalidInput, id="unknown-q"
            ),
            pytest.param(
                {"languages": frozenset({"cobol"})}, UnknownLanguage, id="unknown-lang"
            ),
            pytest.param(
                {"questions": RandomQuestions(2, Difficulty.HARD)},
                InvalidInput,
                id="not-enough-questions",
            ),
            pytest.param(
                {"questions": RandomQuestions(1, tags=frozenset({"dp"}))},
                InvalidInput,
                id="no-question-with-tag",
            ),
        ],
    )
    async def test_settings_the_catalog_cannot_serve_are_refused(
        self, world, changes, error
    ):
        alice = await world.player("alice")

        with pytest.raises(error):
            await world.lobby.create_room(alice, settings(**changes))

    async def test_a_player_sits_in_one_room_at_a_time(self, world):
        alice = await world.player("alice")
        await world.lobby.create_room(alice, settings())

        with pytest.raises(RoomRuleViolation, match="leave your current room"):
            await world.lobby.create_room(alice, settings())

    async def test_a_title_over_sixty_characters_names_the_field(self, world):
        alice = await world.player("alice")

        with pytest.raises(InvalidInput) as refused:
            await world.lobby.create_room(alice, settings(), "x" * 61)

        assert refused.value.field == "title"


class TestJoinAndLeave:
    async def test_joining_announces_the_player_on_the_rooms_channel(self, world):
        alice, bob = await world.player("alice"), await world.player("bob")
        room = await world.lobby.create_room(alice, settings())
        heard = await world.listen(f"room:{room.id}")

        joined = await world.lobby.join(bob, room.id)

        assert joined.room.seats == (("alice",), ("bob",))
        assert [(e.type, e.data["player"], e.seq) for e in heard] == [
            ("player.joined", "bob", 1)
        ]
        assert heard[0].data["name"] == "bob"

    async def test_a_private_room_is_joined_by_its_invite_code(self, world):
        alice, bob = await world.player("alice"), await world.player("bob")
        room = await world.lobby.create_room(alice, settings(private=True))

        joined = await world.lobby.join_by_invite(bob, room.room.invite_code.lower())

        assert "bob" in joined.room.players

    async def test_an_unknown_invite_code_is_not_found(self, world):
        bob = await world.player("bob")

        with pytest.raises(RoomNotFound):
            await world.lobby.join_by_invite(bob, "NOSUCHCODE")

    async def test_the_last_player_leaving_closes_the_room(self, world):
        alice = await world.player("alice")
        room = await world.lobby.create_room(alice, settings())
        lobby_heard = await world.listen("lobby")

        await world.lobby.leave(alice, room.id)

        assert [e.type for e in lobby_heard] == ["room.unlisted"]
        with pytest.raises(RoomNotFound):
            await world.lobby.room(alice, room.id)
        assert (await world.lobby.list_rooms(RoomQuery())).rooms == ()

    async def test_a_host_who_leaves_hands_the_room_to_the_next(self, world):
        alice, bob = await world.player("alice"), await world.player("bob")
        room = await world.lobby.create_room(alice, settings())
        await world.lobby.join(bob, room.id)

        left = await world.lobby.leave(alice, room.id)

        assert left.room.host == "bob"
        assert await world.lobby.create_room(alice, settings())

    async def test_a_private_room_is_hidden_from_outsiders(self, world):
        alice, bob = await world.player("alice"), await world.player("bob")
        admin = await world.player("root", Role.ADMIN)
        room = await world.lobby.create_room(alice, settings(private=True))

        with pytest.raises(RoomNotFound):
            await world.lobby.room(bob, room.id)
        with pytest.raises(RoomNotFound):
            await world.lobby.room(None, room.id)
        assert (await world.lobby.room(admin, room.id)).id == room.id


class TestListing:
    async def test_filters_and_pages_cover_every_room_once(self, world):
        made = []
        for index in range(7):
            host = await world.player(f"host{index}")
            mode = Mode.DUEL if index % 2 else Mode.SQUADS
            made.append(await world.lobby.create_room(host, settings(mode)))
            world.clock.advance(1)

        duels = await world.lobby.list_rooms(RoomQuery(mode=Mode.DUEL))
        seen, cursor = [], None
        while True:
            page = await world.lobby.list_rooms(RoomQuery(cursor=cursor, limit=3))
            seen += [r.id for r in page.rooms]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor

        assert seen == [r.id for r in reversed(made)]
        assert {r.room.settings.mode for r in duels.rooms} == {Mode.DUEL}
        assert len(duels.rooms) == 3

    async def test_a_full_room_is_left_out_when_space_is_asked_for(self, world):
        alice, bob = await world.player("alice"), await world.player("bob")
        room = await world.lobby.create_room(alice, settings())
        await world.lobby.join(bob, room.id)

        with_space = await world.lobby.list_rooms(RoomQuery(has_space=True))
        full = await world.lobby.list_rooms(RoomQuery(has_space=False))

        assert with_space.rooms == ()
        assert [r.id for r in full.rooms] == [room.id]

    @pytest.mark.parametrize("cursor", ["garbage", "1.5_", "nan_abc", "1.5_a;b"])
    async def test_a_cursor_not_from_the_list_is_refused(self, world, cursor):
        with pytest.raises(InvalidInput):
            await world.lobby.list_rooms(RoomQuery(cursor=cursor))


class TestChat:
    async def _room(self, world, mode=Mode.SQUADS):
        players = [await world.player(n) for n in ("alice", "bob", "carol", "dave")]
        room = await world.lobby.create_room(players[0], settings(mode))
        for player, side in zip(players[1:], (0, 1, 1), strict=True):
            await world.lobby.join(player, room.id, side)
        return room, players

    async def test_room_chat_reaches_the_room_and_is_kept_for_newcomers(self, world):
        room, (alice, bob, *_) = await self._room(world)
        heard = await world.listen(f"room:{room.id}")

        message = await world.lobby.post(alice, f"room:{room.id}", " gl hf ")

        assert [(e.type, e.data["text"]) for e in heard] == [("chat.message", "gl hf")]
        history = await world.lobby.chat_history(bob, f"room:{room.id}")
        assert [m.id for m in history] == [message.id]

    async def test_only_the_side_may_read_or_post_in_its_channel(self, world):
        room, (alice, bob, carol, _) = await self._room(world)
        side = f"room:{room.id}:side:0"

        await world.lobby.post(bob, side, "go left")

        assert [m.text for m in await world.lobby.chat_history(alice, side)] == [
            "go left"
        ]
        with pytest.raises(PermissionDenied):
            await world.lobby.post(carol, side, "I hear you")
        with pytest.raises(PermissionDenied):
            await world.lobby.authorize(carol, side)

    async def test_a_duel_has_no_side_channels(self, world):
        alice = await world.player("alice")
        room = await world.lobby.create_room(alice, settings())

        with pytest.raises(NotFound):
            await world.lobby.post(alice, f"room:{room.id}:side:0", "me")

    async def test_no_one_outside_a_room_posts_in_it(self, world):
        room, _ = await self._room(world)
        outsider = await world.player("eve")

        with pytest.raises(PermissionDenied):
            await world.lobby.post(outsider, f"room:{room.id}", "hello")

    async def test_the_host_mutes_and_unmutes_a_player(self, world):
        room, (alice, bob, *_) = await self._room(world)

        await world.lobby.mute(alice, room.id, "bob", True)
        with pytest.raises(PermissionDenied, match="muted"):
            await world.lobby.post(bob, f"room:{room.id}", "let me speak")
        await world.lobby.mute(alice, room.id, "bob", False)

        assert await world.lobby.post(bob, f"room:{room.id}", "thanks")
        with pytest.raises(PermissionDenied):
            await world.lobby.mute(bob, room.id, "alice", True)

    async def test_admins_delete_messages_and_everyone_hears_it(self, world):
        _, (alice, bob, *_) = await self._room(world)
        admin = await world.player("root", Role.ADMIN)
        message = await world.lobby.post(bob, "lobby", "rude words")
        heard = await world.listen("lobby")

        await world.lobby.delete_message(admin, "lobby", message.id)

        assert [(e.type, e.data["id"]) for e in heard] == [("chat.deleted", message.id)]
        assert await world.lobby.chat_history(alice, "lobby") == []
        with pytest.raises(PermissionDenied):
            await world.lobby.delete_message(alice, "lobby", message.id)

    @pytest.mark.parametrize(
        "text", [pytest.param("", id="empty"), pytest.param("x" * 501, id="too-long")]
    )
    async def test_messages_have_a_length_limit(self, world, text):
        alice = await world.player("alice")

        with pytest.raises(InvalidInput):
            await world.lobby.post(alice, "lobby", text)

    async def test_a_player_posting_too_fast_is_told_when_to_come_back(self, world):
        alice = await world.player("alice")
        for index in range(world.lobby.settings.chat_burst):
            await world.lobby.post(alice, "lobby", f"message {index}")

        with pytest.raises(RateLimited) as refused:
            await world.lobby.post(alice, "lobby", "one more")

        assert 0 < refused.value.retry_after_s <= world.lobby.settings.chat_window_s


class TestPresence:
    async def test_a_player_who_does_not_come_back_leaves_an_open_room(self, world):
        alice, bob = await world.player("alice"), await world.player("bob")
        room = await world.lobby.create_room(alice, settings())
        await world.lobby.join(bob, room.id)
        await world.lobby.connected("bob", room.id)
        heard = await world.listen(f"room:{room.id}")

        gone = await world.lobby.disconnected("bob", room.id)
        await world.lobby.grace_over("bob", room.id)

        assert gone
        assert [e.type for e in heard] == ["presence.changed", "player.left"]
        assert (await world.lobby.room(alice, room.id)).room.players == ("alice",)

    async def test_a_player_back_within_the_grace_period_stays(self, world):
        alice = await world.player("alice")
        room = await world.lobby.create_room(alice, settings())
        await world.lobby.connected("alice", room.id)
        await world.lobby.connected("alice", room.id)  # a second tab

        gone = await world.lobby.disconnected("alice", room.id)
        await world.lobby.grace_over("alice", room.id)

        assert not gone
        assert (await world.lobby.room(alice, room.id)).room.players == ("alice",)


class TestQuickMatch:
    async def test_two_close_players_are_seated_in_a_rated_private_room(self, world):
        alice, bob = await world.player("alice"), await world.player("bob")
        world.ratings.known |= {"alice": 1500, "bob": 1560}
        told = await world.listen("user:bob")

        first = await world.lobby.queue_for_match(alice, Mode.DUEL)
        second = await world.lobby.queue_for_match(bob, Mode.DUEL)

        assert first.room_id is None
        assert second.room_id is not None
        room = await world.lobby.room(bob, second.room_id)
        assert room.room.settings.rated
        assert room.room.settings.private
        assert sorted(room.room.players) == ["alice", "bob"]
        assert [e.data["room"] for e in told] == [second.room_id]
        assert await world.lobby.match_ticket(alice) is None

    async def test_far_apart_players_wait_until_the_band_widens(self, world):
        alice, bob = await world.player("alice"), await world.player("bob")
        world.ratings.known |= {"alice": 1200, "bob": 1800}
        await world.lobby.queue_for_match(alice, Mode.DUEL)
        await world.lobby.queue_for_match(bob, Mode.DUEL)

        early = await world.lobby.match(Mode.DUEL)
        world.clock.advance(60)
        later = await world.lobby.match(Mode.DUEL)

        assert early == []
        assert [sorted(r.room.players) for r in later] == [["alice", "bob"]]

    async def test_a_queued_player_cannot_open_a_room_until_they_leave(self, world):
        alice = await world.player("alice")
        await world.lobby.queue_for_match(alice, Mode.SQUADS)

        with pytest.raises(RoomRuleViolation, match="queue"):
            await world.lobby.create_room(alice, settings())
        assert await world.lobby.leave_queue(alice)
        assert await world.lobby.create_room(alice, settings())


def _tickets(ratings: list[float], waits: list[float]) -> list[MatchTicket]:
    return [
        MatchTicket(f"p{i}", f"p{i}", Mode.DUEL, r, 1000.0 - w)
        for i, (r, w) in enumerate(zip(ratings, waits, strict=False))
    ]


ratings_and_waits = st.integers(0, 12).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(0, 3000), min_size=n, max_size=n),
        st.lists(st.floats(0, 300), min_size=n, max_size=n),
    )
)


class TestMatchingRules:
    @given(ratings_and_waits, st.sampled_from([2, 3, 4, 6]))
    def test_every_group_is_full_and_no_player_is_in_two(self, data, size):
        tickets = _tickets(*data)

        groups = find_matches(tickets, size, 1000.0, MatchRules())

        players = [t.player for g in groups for t in g]
        assert all(len(g) == size for g in groups)
        assert len(players) == len(set(players))

    @given(ratings_and_waits)
    def test_every_pair_is_within_the_wider_band(self, data):
        rules = MatchRules()
        tickets = _tickets(*data)

        groups = find_matches(tickets, 2, 1000.0, rules)

        for a, b in groups:
            widest = max(rules.band(1000.0 - a.since), rules.band(1000.0 - b.since))
            assert abs(a.rating - b.rating) <= widest

    @given(ratings_and_waits)
    def test_no_two_players_left_waiting_could_have_been_paired(self, data):
        rules = MatchRules()
        tickets = _tickets(*data)

        groups = find_matches(tickets, 2, 1000.0, rules)

        taken = {t.player for g in groups for t in g}
        left = [t for t in tickets if t.player not in taken]
        for a in left:
            for b in left:
                if a is not b:
                    band = max(rules.band(1000 - a.since), rules.band(1000 - b.since))
                    assert abs(a.rating - b.rating) > band

    @given(st.floats(0, 1e6), st.floats(0, 1e6))
    def test_the_band_never_narrows_with_waiting(self, a, b):
        rules = MatchRules()

        assert rules.band(min(a, b)) <= rules.band(max(a, b)) <= rules.max_band

    @given(st.lists(st.floats(0, 3000), min_size=4, max_size=4, unique=True))
    def test_snake_dealing_fills_every_side_evenly(self, ratings):
        group = _tickets(ratings, [0.0] * 4)

        sides = balanced_sides(group, 2)

        ranked = sorted(group, key=lambda t: -t.rating)
        assert [len(s) for s in sides] == [2, 2]
        assert {ranked[0].player, ranked[3].player} == set(sides[0])


class TestChannels:
    @pytest.mark.parametrize(
        ("name", "kind", "room", "side"),
        [
            pytest.param("lobby", ChannelKind.LOBBY, None, None, id="lobby"),
            pytest.param("room:abc", ChannelKind.ROOM, "abc", None, id="room"),
            pytest.param("room:abc:side:1", ChannelKind.SIDE, "abc", 1, id="side"),
        ],
    )
    def test_channel_names_are_parsed(self, name, kind, room, side):
        channel = Channel.parse(name)

        assert (channel.kind, channel.room_id, channel.side) == (kind, room, side)

    @pytest.mark.parametrize(
        "name", ["", "lobby2", "room:", "room:a b", "room:x:side:", "user:", "x" * 500]
    )
    def test_anything_else_is_refused_naming_the_field(self, name):
        with pytest.raises(InvalidInput) as refused:
            Channel.parse(name)

        assert refused.value.field == "channel"
