"""The lobby's stores in the process: one server instance, nothing to run.

Rooms are kept encoded, as Redis keeps them, so a change works on a copy and a
change that raises leaves the stored room as it was.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from bitcode_adapters.rooms.codec import decode_room, encode_room
from bitcode_core.errors import Conflict, RoomNotFound, RoomRuleViolation
from bitcode_core.rooms.events import RoomEvent
from bitcode_core.rooms.lobby_room import LobbyRoom
from bitcode_core.rooms.model import RoomStatus
from bitcode_core.rooms.ports import ChatMessage, MatchTicket, RoomChange
from bitcode_core.rooms.settings import Mode


class InMemoryRoomRepository:
    def __init__(self) -> None:
        self._rooms: dict[str, bytes] = {}
        self._invites: dict[str, str] = {}
        self._seats: dict[str, str] = {}  # player -> the room they sit in
        self._lock = asyncio.Lock()
        self._announcing: dict[str, asyncio.Lock] = {}

    async def add(self, room: LobbyRoom) -> None:
        async with self._lock:
            if room.id in self._rooms or room.room.invite_code in self._invites:
                raise Conflict("a room with that id or invite code exists")
            self._check_free(room, seated_before=())
            self._store(room, seated_before=())
            self._invites[room.room.invite_code] = room.id

    async def get(self, room_id: str) -> LobbyRoom | None:
        data = self._rooms.get(room_id)
        return None if data is None else decode_room(data)

    async def by_invite(self, invite_code: str) -> LobbyRoom | None:
        room_id = self._invites.get(invite_code)
        return None if room_id is None else await self.get(room_id)

    async def change(
        self, room_id: str, change: RoomChange
    ) -> tuple[LobbyRoom, Sequence[RoomEvent]]:
        async with self._lock:
            data = self._rooms.get(room_id)
            if data is None:
                raise RoomNotFound()
            room = decode_room(data)
            before = room.room.players
            events = change(room)
            self._check_free(room, seated_before=before)
            self._store(room, seated_before=before)
            return room, events

    @asynccontextmanager
    async def announcing(self, room_id: str) -> AsyncIterator[None]:
        lock = self._announcing.setdefault(room_id, asyncio.Lock())
        async with lock:
            yield
        if not lock.locked() and room_id not in self._rooms:
            self._announcing.pop(room_id, None)

    async def remove(self, room_id: str) -> None:
        async with self._lock:
            data = self._rooms.pop(room_id, None)
            if data is None:
                return
            room = decode_room(data)
            self._invites.pop(room.room.invite_code, None)
            for player in room.room.players:
                if self._seats.get(player) == room_id:
                    del self._seats[player]

    async def list_open(self) -> Sequence[LobbyRoom]:
        rooms = [decode_room(data) for data in list(self._rooms.values())]
        open_rooms = [r for r in rooms if r.room.status is RoomStatus.OPEN]
        return sorted(open_rooms, key=lambda r: (r.created_at, r.id), reverse=True)

    async def room_of(self, player: str) -> str | None:
        return self._seats.get(player)

    def _check_free(self, room: LobbyRoom, seated_before: Sequence[str]) -> None:
        for player in set(room.room.players) - set(seated_before):
            if self._seats.get(player, room.id) != room.id:
                raise RoomRuleViolation("leave your current room first")

    def _store(self, room: LobbyRoom, seated_before: Sequence[str]) -> None:
        self._rooms[room.id] = encode_room(room)
        seated = room.room.players
        for player in set(seated_before) - set(seated):
            if self._seats.get(player) == room.id:
                del self._seats[player]
        for player in seated:
            self._seats[player] = room.id


class InMemoryChatLog:
    def __init__(self) -> None:
        self._channels: defaultdict[str, deque[ChatMessage]] = defaultdict(deque)

    async def append(self, message: ChatMessage, keep: int) -> None:
        messages = self._channels[message.channel]
        messages.append(message)
        while len(messages) > keep:
            messages.popleft()

    async def recent(self, channel: str, limit: int) -> Sequence[ChatMessage]:
        messages = self._channels.get(channel, deque())
        return list(messages)[-limit:] if limit > 0 else []

    async def delete(self, channel: str, message_id: str) -> ChatMessage | None:
        messages = self._channels.get(channel, deque())
        for message in messages:
            if message.id == message_id:
                messages.remove(message)
                return message
        return None


class InMemoryMatchQueue:
    def __init__(self) -> None:
        self._tickets: dict[str, MatchTicket] = {}
        self._locks: defaultdict[Mode, asyncio.Lock] = defaultdict(asyncio.Lock)

    @asynccontextmanager
    async def locked(self, mode: Mode) -> AsyncIterator[None]:
        async with self._locks[mode]:
            yield

    async def put(self, ticket: MatchTicket) -> None:
        self._tickets[ticket.player] = ticket

    async def cancel(self, player: str) -> bool:
        return self._tickets.pop(player, None) is not None

    async def ticket_of(self, player: str) -> MatchTicket | None:
        return self._tickets.get(player)

    async def tickets(self, mode: Mode) -> Sequence[MatchTicket]:
        return [t for t in self._tickets.values() if t.mode is mode]

    async def take(self, mode: Mode, players: Sequence[str]) -> None:
        for player in players:
            ticket = self._tickets.get(player)
            if ticket is not None and ticket.mode is mode:
                del self._tickets[player]


class InMemoryPresence:
    def __init__(self) -> None:
        self._sockets: defaultdict[str, dict[str, int]] = defaultdict(dict)

    async def connect(self, room_id: str, player: str) -> int:
        counts = self._sockets[room_id]
        counts[player] = counts.get(player, 0) + 1
        return counts[player]

    async def disconnect(self, room_id: str, player: str) -> int:
        counts = self._sockets.get(room_id, {})
        left = max(counts.get(player, 0) - 1, 0)
        if left:
            counts[player] = left
        else:
            counts.pop(player, None)
            if not counts:
                self._sockets.pop(room_id, None)
        return left

    async def online(self, room_id: str) -> frozenset[str]:
        return frozenset(self._sockets.get(room_id, {}))
