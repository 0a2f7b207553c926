"""The lobby's stores and event buses, one contract each, in the process and
in the real Redis on 127.0.0.1:6379, the Redis ones through two clients as two
server instances hold them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from redis.asyncio import Redis

from bitcode_adapters.clock import SystemClock
from bitcode_adapters.events import InProcessEventBus, RedisEventBus
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
    RedisChatLog,
    RedisMatchQueue,
    RedisPresence,
    RedisRoomRepository,
)
from bitcode_adapters.system_secrets import SystemSecrets
from bitcode_core.accounts.model import Principal, Role, User
from bitcode_core.errors import RoomNotFound, RoomRuleViolation
from bitcode_core.languages import LanguageTable
from bitcode_core.rooms.lobby import Lobby
from bitcode_core.rooms.lobby_room import LobbyRoom
from bitcode_core.rooms.model import Room
from bitcode_core.rooms.ports import ChatMessage, Envelope, MatchTicket
from bitcode_core.rooms.settings import ChosenQuestions, Mode, RoomSettings

pytestmark = [pytest.mark.anyio, pytest.mark.no_skip]

REDIS = {"host": "127.0.0.1", "port": 6379}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    prefix = f"bitcode:test:lobby:{uuid.uuid4().hex}:"
    yield prefix
    async with Redis(**REDIS) as redis:
        keys = [k async for k in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)


@dataclass
class Stores:
    """Two handles on the same stores, as two instances would hold."""

    rooms: tuple[Any, Any]
    chat: tuple[Any, Any]
    queue: tuple[Any, Any]
    presence: tuple[Any, Any]


@pytest.fixture(params=["memory", "redis"])
async def stores(request: pytest.FixtureRequest, prefix: str) -> AsyncIterator[Stores]:
    if request.param == "memory":
        rooms, chat = InMemoryRoomRepository(), InMemoryChatLog()
        queue, presence = InMemoryMatchQueue(), InMemoryPresence()
        yield Stores((rooms, rooms), (chat, chat), (queue, queue), (presence,) * 2)
        return
    async with Redis(**REDIS) as one, Redis(**REDIS) as two:
        yield Stores(
            (RedisRoomRepository(one, prefix), RedisRoomRepository(two, prefix)),
            (RedisChatLog(one, prefix), RedisChatLog(two, prefix)),
            (RedisMatchQueue(one, prefix), RedisMatchQueue(two, prefix)),
            (RedisPresence(one, prefix), RedisPresence(two, prefix)),
        )


def duel(
    room_id: str = "r1", private: bool = False, at: float = 1.0, host: str = "host"
) -> LobbyRoom:
    settings = RoomSettings(
        mode=Mode.DUEL,
        sides=2,
        seats_per_side=1,
        questions=ChosenQuestions(("q",)),
        languages=frozenset({"python3"}),
        time_limit_s=600,
        private=private,
    )
    room = Room.open(room_id, f"CODE{room_id.upper()}", host, settings)
    return LobbyRoom(room, f"room {room_id}", at, names={host: host.title()})


class TestRoomRepository:
    async def test_a_stored_room_comes_back_as_it_was(self, stores):
        first, second = stores.rooms
        room = duel()
        room.muted.add("host")

        await first.add(room)
        again = await second.get("r1")
        by_code = await second.by_invite("CODER1")

        assert again is not None
        assert by_code is not None
        assert (again.room.seats, again.names, again.muted, again.title) == (
            (("host",), ()),
            {"host": "Host"},
            {"host"},
            "room r1",
        )
        assert by_code.id == "r1"
        assert await second.room_of("host") == "r1"

    async def test_a_change_is_stored_and_its_events_returned(self, stores):
        first, second = stores.rooms
        await first.add(duel())

        changed, events = await second.change("r1", lambda r: r.room.join("bob"))

        assert [type(e).__name__ for e in events] == ["PlayerJoined"]
        stored = await first.get("r1")
        assert stored is not None
        assert stored.room.players == changed.room.players == ("host", "bob")
        assert await first.room_of("bob") == "r1"

    async def test_a_change_that_raises_stores_nothing(self, stores):
        first, second = stores.rooms
        await first.add(duel())

        def breaks(room: LobbyRoom) -> list[Any]:
            room.room.join("bob")
            raise RoomRuleViolation("changed my mind")

        with pytest.raises(RoomRuleViolation):
            await second.change("r1", breaks)

        stored = await first.get("r1")
        assert stored is not None
        assert stored.room.players == ("host",)
        assert await first.room_of("bob") is None

    async def test_changing_a_missing_room_is_not_found(self, stores):
        with pytest.raises(RoomNotFound):
            await stores.rooms[0].change("nope", lambda r: [])

    async def test_concurrent_joins_to_the_last_seat_seat_one_player(self, stores):
        first, second = stores.rooms
        await first.add(duel())

        async def join(index: int) -> bool:
            repository = (first, second)[index % 2]
            try:
                await repository.change("r1", lambda r: r.room.join(f"p{index}"))
            except RoomRuleViolation:
                return False
            return True

        results = await asyncio.gather(*(join(i) for i in range(20)))

        stored = await first.get("r1")
        assert stored is not None
        assert sum(results) == 1
        assert len(stored.room.players) == 2
        seated = [p for p in (f"p{i}" for i in range(20)) if await first.room_of(p)]
        assert seated == [stored.room.players[1]]

    async def test_open_rooms_are_listed_newest_first_and_removed_ones_not(
        self, stores
    ):
        first, second = stores.rooms
        for index in range(3):
            await first.add(duel(f"r{index}", at=float(index), host=f"h{index}"))

        await second.remove("r1")

        assert [r.id for r in await second.list_open()] == ["r2", "r0"]
        assert await first.get("r1") is None
        assert await first.by_invite("CODER1") is None
        assert await first.room_of("h1") is None
        assert await first.room_of("h2") == "r2"

    async def test_a_player_who_leaves_no_longer_sits_there(self, stores):
        first, second = stores.rooms
        await first.add(duel())
        await first.change("r1", lambda r: r.room.join("bob"))

        await second.change("r1", lambda r: r.room.leave("bob"))

        assert await first.room_of("bob") is None
        assert await first.room_of("host") == "r1"


class TestChatLog:
    async def test_recent_messages_are_kept_oldest_first_up_to_the_limit(self, stores):
        first, second = stores.chat
        for index in range(5):
            message = ChatMessage(f"m{index}", "lobby", "a", "A", f"hi {index}", 1.0)
            await first.append(message, keep=3)

        recent = await second.recent("lobby", 10)

        assert [m.id for m in recent] == ["m2", "m3", "m4"]
        assert [m.id for m in await second.recent("lobby", 2)] == ["m3", "m4"]

    async def test_a_deleted_message_is_gone_for_everyone(self, stores):
        first, second = stores.chat
        for index in range(3):
            message = ChatMessage(f"m{index}", "lobby", "a", "A", "x", 1.0)
            await first.append(message, keep=10)

        deleted = await second.delete("lobby", "m1")

        assert deleted is not None
        assert deleted.id == "m1"
        assert [m.id for m in await first.recent("lobby", 10)] == ["m0", "m2"]
        assert await second.delete("lobby", "m1") is None


class TestMatchQueue:
    async def test_tickets_are_kept_by_mode_and_taken_once_matched(self, stores):
        first, second = stores.queue
        await first.put(MatchTicket("a", "A", Mode.DUEL, 1500, 1.0))
        await first.put(MatchTicket("b", "B", Mode.DUEL, 1510, 2.0))
        await first.put(MatchTicket("c", "C", Mode.SQUADS, 1500, 3.0))

        await second.take(Mode.DUEL, ["a"])

        assert [t.player for t in await second.tickets(Mode.DUEL)] == ["b"]
        assert await first.ticket_of("a") is None
        assert (await first.ticket_of("c")).mode is Mode.SQUADS

    async def test_a_new_ticket_replaces_the_players_earlier_one(self, stores):
        first, second = stores.queue
        await first.put(MatchTicket("a", "A", Mode.DUEL, 1500, 1.0))

        await second.put(MatchTicket("a", "A", Mode.TEAMS, 1500, 2.0))

        assert await first.tickets(Mode.DUEL) == []
        assert [t.mode for t in await first.tickets(Mode.TEAMS)] == [Mode.TEAMS]
        assert await first.cancel("a")
        assert not await second.cancel("a")

    async def test_one_matcher_at_a_time_holds_a_mode(self, stores):
        first, second = stores.queue
        inside: list[str] = []

        async def match(queue: Any, name: str) -> None:
            async with queue.locked(Mode.DUEL):
                inside.append(f"{name} in")
                await asyncio.sleep(0.05)
                inside.append(f"{name} out")

        await asyncio.gather(match(first, "one"), match(second, "two"))

        assert inside[0].endswith("in")
        assert inside[1] == inside[0].replace("in", "out")


class TestPresence:
    async def test_sockets_are_counted_across_instances(self, stores):
        first, second = stores.presence

        assert await first.connect("r1", "a") == 1
        assert await second.connect("r1", "a") == 2
        assert await first.disconnect("r1", "a") == 1
        assert await second.online("r1") == {"a"}
        assert await second.disconnect("r1", "a") == 0
        assert await first.online("r1") == frozenset()
        assert await first.disconnect("r1", "a") == 0


@pytest.fixture(params=["memory", "redis"])
async def buses(
    request: pytest.FixtureRequest, prefix: str
) -> AsyncIterator[tuple[Any, Any]]:
    clock = SystemClock()
    if request.param == "memory":
        bus = InProcessEventBus(clock, keep=5)
        yield bus, bus
        return
    async with Redis(**REDIS) as one, Redis(**REDIS) as two:
        first = RedisEventBus(one, clock, prefix, keep=5, reconnect_s=0.05)
        second = RedisEventBus(two, clock, prefix, keep=5, reconnect_s=0.05)
        try:
            yield first, second
        finally:
            await first.close()
            await second.close()


async def _until(heard: list[Envelope], count: int) -> None:
    async with asyncio.timeout(5):
        while len(heard) < count:
            await asyncio.sleep(0.01)


class TestEventBus:
    async def test_events_are_numbered_and_reach_every_subscriber_in_order(self, buses):
        first, second = buses
        heard: list[Envelope] = []
        await second.subscribe("room:a", heard.append)

        for index in range(3):
            await first.publish("room:a", "tick", {"n": index})
        await _until(heard, 3)

        assert [(e.seq, e.data["n"]) for e in heard] == [(1, 0), (2, 1), (3, 2)]
        assert heard[0].room == "a"

    async def test_history_replays_what_came_after_a_seq(self, buses):
        first, second = buses
        for index in range(4):
            await first.publish("room:a", "tick", {"n": index})

        after = await second.history("room:a", 2)

        assert after.complete
        assert after.last_seq == 4
        assert [e.seq for e in after.events] == [3, 4]

    async def test_history_older_than_what_is_kept_is_incomplete(self, buses):
        first, second = buses
        for index in range(8):
            await first.publish("room:a", "tick", {"n": index})

        old = await second.history("room:a", 1)
        recent = await second.history("room:a", 3)

        assert not old.complete
        assert recent.complete
        assert [e.seq for e in recent.events] == [4, 5, 6, 7, 8]

    async def test_channels_are_numbered_apart(self, buses):
        first, _ = buses

        a = await first.publish("room:a", "x", {})
        b = await first.publish("room:b", "x", {})

        assert (a.seq, b.seq) == (1, 1)

    async def test_a_failing_listener_does_not_stop_the_others(self, buses):
        first, second = buses
        heard: list[Envelope] = []

        def broken(envelope: Envelope) -> None:
            raise RuntimeError("a bad subscriber")

        await second.subscribe("lobby", broken)
        await second.subscribe("lobby", heard.append)
        await first.publish("lobby", "x", {"ok": True})
        await _until(heard, 1)

        assert heard[0].data == {"ok": True}

    async def test_an_unsubscribed_listener_hears_nothing_more(self, buses):
        first, second = buses
        heard: list[Envelope] = []
        await second.subscribe("lobby", heard.append)
        await first.publish("lobby", "x", {})
        await _until(heard, 1)

        await second.unsubscribe("lobby", heard.append)
        await first.publish("lobby", "x", {})
        await asyncio.sleep(0.1)

        assert len(heard) == 1


class TestRedisEventBusReconnects:
    async def test_a_dropped_connection_loses_no_event(self, prefix):
        name = f"listener-{uuid.uuid4().hex[:8]}"
        async with Redis(**REDIS) as one, Redis(**REDIS, client_name=name) as two:
            publisher = RedisEventBus(one, SystemClock(), prefix, reconnect_s=0.05)
            listener = RedisEventBus(two, SystemClock(), prefix, reconnect_s=0.05)
            heard: list[Envelope] = []
            await listener.subscribe("room:a", heard.append)
            await publisher.publish("room:a", "tick", {"n": 0})
            await _until(heard, 1)

            killed = [
                await one.client_kill_filter(_id=client["id"])
                for client in await one.client_list(_type="pubsub")
                if client["name"] == name
            ]
            for index in range(1, 6):
                await publisher.publish("room:a", "tick", {"n": index})
            await asyncio.sleep(0.3)
            await publisher.publish("room:a", "tick", {"n": 6})
            await _until(heard, 7)

            assert killed == [1]
            assert [e.seq for e in heard] == list(range(1, 8))
            await publisher.close()
            await listener.close()


class TestAnnouncementOrder:
    async def test_two_instances_announce_a_rooms_changes_in_stored_order(self, prefix):
        users = InMemoryUserRepository()
        players = [Principal(n, f"s-{n}", Role.PLAYER) for n in "ab"]
        for name in "ab":
            await users.add(User(name, f"{name}@example.org", name, None, 0.0))
        async with Redis(**REDIS) as one, Redis(**REDIS) as two:
            clock = SystemClock()
            lobbies = [
                Lobby(
                    rooms=RedisRoomRepository(client, prefix),
                    bus=RedisEventBus(client, clock, prefix),
                    chat=RedisChatLog(client, prefix),
                    queue=RedisMatchQueue(client, prefix),
                    presence=RedisPresence(client, prefix),
                    users=users,
                    catalog=InMemoryQuestionCatalog(),
                    languages=LanguageTable([]),
                    ratings=_NoRatings(),
                    limiter=InMemoryRateLimiter(clock),
                    secrets=SystemSecrets(),
                    clock=clock,
                )
                for client in (one, two)
            ]
            stores = RedisRoomRepository(one, prefix)
            room = duel("r9", host="a")
            room.room.join("b")
            await stores.add(room)

            async def toggle(index: int) -> None:
                player = players[index % 2]
                lobby = lobbies[(index // 2) % 2]
                await lobby.set_ready(player, "r9", index % 4 < 2)

            await asyncio.gather(*(toggle(i) for i in range(40)))

            replayed: dict[str, bool] = {}
            history = await RedisEventBus(one, clock, prefix).history("room:r9", 0)
            for envelope in history.events:
                if envelope.type == "readiness.changed":
                    replayed[str(envelope.data["player"])] = bool(
                        envelope.data["ready"]
                    )
            stored = await stores.get("r9")
            assert stored is not None
            ready = {p: p in stored.room.ready for p in "ab"}
            assert {p: replayed.get(p, False) for p in "ab"} == ready


class _NoRatings:
    async def get_many(self, players: Any) -> dict[str, Any]:
        return {}


class TestOneRoomAPlayer:
    async def test_a_player_joining_two_rooms_at_once_gets_one_seat(self, stores):
        first, second = stores.rooms
        await first.add(duel("r1", host="h1"))
        await first.add(duel("r2", host="h2"))

        async def join(repository: Any, room_id: str) -> bool:
            try:
                await repository.change(room_id, lambda r: r.room.join("bob"))
            except RoomRuleViolation:
                return False
            return True

        results = await asyncio.gather(join(first, "r1"), join(second, "r2"))

        assert sorted(results) == [False, True]
        seated_in = await first.room_of("bob")
        room = await first.get(str(seated_in))
        assert room is not None
        assert "bob" in room.room.players

    async def test_a_host_cannot_open_a_second_room_at_the_same_time(self, stores):
        first, second = stores.rooms

        async def open_room(repository: Any, room_id: str) -> bool:
            try:
                await repository.add(duel(room_id, host="alice"))
            except RoomRuleViolation:
                return False
            return True

        results = await asyncio.gather(open_room(first, "r1"), open_room(second, "r2"))

        assert sorted(results) == [False, True]
        assert len(await first.list_open()) == 1

    async def test_a_room_holds_its_players_through_its_battle(self, stores):
        first, second = stores.rooms
        await first.add(duel("r1", host="alice"))
        await first.change("r1", lambda r: r.room.join("bob"))
        for player in ("alice", "bob"):
            await first.change("r1", lambda r, p=player: r.room.set_ready(p, True))

        await first.change("r1", lambda r: r.room.start("alice", 1.0))
        await first.change("r1", lambda r: r.room.battle_began() or [])

        assert await second.room_of("alice") == "r1"
        assert await second.room_of("bob") == "r1"
        assert await second.list_open() == []
        with pytest.raises(RoomRuleViolation):
            await second.add(duel("r2", host="bob"))

    async def test_a_reopened_room_is_listed_again_with_its_players(self, stores):
        first, second = stores.rooms
        await first.add(duel("r1", host="alice"))
        await first.change("r1", lambda r: r.room.join("bob"))
        for player in ("alice", "bob"):
            await first.change("r1", lambda r, p=player: r.room.set_ready(p, True))
        await first.change("r1", lambda r: r.room.start("alice", 1.0))

        await second.change("r1", lambda r: r.room.reopen())

        assert [r.id for r in await first.list_open()] == ["r1"]
        assert await first.room_of("bob") == "r1"
        await first.change("r1", lambda r: r.room.leave("bob"))
        assert await second.room_of("bob") is None
