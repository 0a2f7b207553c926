"""Ports the lobby needs: where rooms live, how events reach people, chat
history, the quick-match queue and who is connected."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol

from bitcode_core.ports import PlayerRating
from bitcode_core.rooms.events import RoomEvent
from bitcode_core.rooms.lobby_room import LobbyRoom
from bitcode_core.rooms.settings import Mode

# JSON-shaped data, as events carry it across processes.
JsonValue = (
    str | int | float | bool | None | Sequence["JsonValue"] | Mapping[str, "JsonValue"]
)
EventData = Mapping[str, JsonValue]


@dataclass(frozen=True, slots=True)
class Envelope:
    """One event as every subscriber of its channel sees it. ``seq`` counts the
    channel's events from 1, with no gaps, in the order they happened."""

    channel: str
    seq: int
    type: str
    time: float
    data: EventData = field(default_factory=dict)

    @property
    def room(self) -> str | None:
        """The room a channel belongs to (``room:ID`` and its side channels)."""
        kind, _, rest = self.channel.partition(":")
        return rest.split(":", 1)[0] if kind == "room" and rest else None


@dataclass(frozen=True, slots=True)
class History:
    """A channel's events after a point. ``complete`` is False when some of them
    are no longer kept, so the reader must start over from a snapshot."""

    events: Sequence[Envelope]
    complete: bool
    last_seq: int


Listener = Callable[[Envelope], None]


class EventBus(Protocol):
    """Fans events out to every subscriber of a channel, on every instance that
    shares the bus, and keeps each channel's recent events for resuming."""

    async def publish(self, channel: str, type: str, data: EventData) -> Envelope: ...

    async def history(self, channel: str, after_seq: int) -> History: ...

    async def subscribe(self, channel: str, listener: Listener) -> None:
        """Call ``listener`` with each event of ``channel`` from now on, in
        ``seq`` order. It must not block: it runs on the bus's own task."""
        ...

    async def unsubscribe(self, channel: str, listener: Listener) -> None: ...


# A pure change to a room: it applies the rules and returns what happened.
RoomChange = Callable[[LobbyRoom], Sequence[RoomEvent]]


class RoomRepository(Protocol):
    async def add(self, room: LobbyRoom) -> None: ...

    async def get(self, room_id: str) -> LobbyRoom | None: ...

    async def by_invite(self, invite_code: str) -> LobbyRoom | None: ...

    async def change(
        self, room_id: str, change: RoomChange
    ) -> tuple[LobbyRoom, Sequence[RoomEvent]]:
        """Apply ``change`` to the stored room atomically and store the result:
        a change that lost a race with another is run again on the newer room,
        so no update is lost and no rule is checked on stale state. A change that
        raises stores nothing. ``RoomNotFound`` if there is no such room."""
        ...

    async def remove(self, room_id: str) -> None: ...

    def announcing(self, room_id: str) -> AbstractAsyncContextManager[None]:
        """Hold the room's announcements alone: changes made and announced
        inside are announced in the order they were stored, on every instance."""
        ...

    async def list_open(self) -> Sequence[LobbyRoom]:
        """Open rooms, newest first."""
        ...

    async def room_of(self, player: str) -> str | None:
        """The room a player sits in, if any: open, or in its battle."""
        ...


@dataclass(frozen=True, slots=True)
class ChatMessage:
    id: str
    channel: str
    author: str
    author_name: str
    text: str
    at: float


class ChatLog(Protocol):
    """The recent messages of each chat channel, oldest first."""

    async def append(self, message: ChatMessage, keep: int) -> None: ...

    async def recent(self, channel: str, limit: int) -> Sequence[ChatMessage]: ...

    async def delete(self, channel: str, message_id: str) -> ChatMessage | None: ...


@dataclass(frozen=True, slots=True)
class MatchTicket:
    player: str
    name: str
    mode: Mode
    rating: float
    since: float


class MatchQueue(Protocol):
    def locked(self, mode: Mode) -> AbstractAsyncContextManager[None]:
        """Hold the mode's queue alone while a matcher pairs its tickets."""
        ...

    async def put(self, ticket: MatchTicket) -> None:
        """Queue a ticket, replacing the player's earlier one."""
        ...

    async def cancel(self, player: str) -> bool: ...

    async def ticket_of(self, player: str) -> MatchTicket | None: ...

    async def tickets(self, mode: Mode) -> Sequence[MatchTicket]: ...

    async def take(self, mode: Mode, players: Sequence[str]) -> None:
        """Remove matched players' tickets."""
        ...


class RatingReader(Protocol):
    async def get_many(self, players: Iterable[str]) -> Mapping[str, PlayerRating]: ...


class Presence(Protocol):
    """How many sockets each player has on a room, across instances."""

    async def connect(self, room_id: str, player: str) -> int:
        """Count one more socket; the player's count after it."""
        ...

    async def disconnect(self, room_id: str, player: str) -> int: ...

    async def online(self, room_id: str) -> frozenset[str]: ...


__all__ = [
    "ChatLog",
    "ChatMessage",
    "Envelope",
    "EventBus",
    "EventData",
    "History",
    "JsonValue",
    "Listener",
    "MatchQueue",
    "MatchTicket",
    "Presence",
    "RatingReader",
    "RoomChange",
    "RoomRepository",
]
