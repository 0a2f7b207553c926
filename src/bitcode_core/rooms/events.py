"""What happened in a room, as past facts for adapters to broadcast."""

from __future__ import annotations

from dataclasses import dataclass

from bitcode_core.rooms.settings import RoomSettings


@dataclass(frozen=True, slots=True)
class RoomEvent:
    room_id: str


@dataclass(frozen=True, slots=True)
class PlayerJoined(RoomEvent):
    player: str
    side: int


@dataclass(frozen=True, slots=True)
class PlayerLeft(RoomEvent):
    player: str


@dataclass(frozen=True, slots=True)
class PlayerKicked(RoomEvent):
    player: str
    by: str


@dataclass(frozen=True, slots=True)
class HostChanged(RoomEvent):
    host: str


@dataclass(frozen=True, slots=True)
class SideSwitched(RoomEvent):
    player: str
    from_side: int
    to_side: int


@dataclass(frozen=True, slots=True)
class ReadinessChanged(RoomEvent):
    player: str
    ready: bool


@dataclass(frozen=True, slots=True)
class SettingsChanged(RoomEvent):
    settings: RoomSettings


@dataclass(frozen=True, slots=True)
class RoomClosed(RoomEvent):
    pass


@dataclass(frozen=True, slots=True)
class RoomReopened(RoomEvent):
    """The room's battle is over (or could not begin): it is open again."""


@dataclass(frozen=True, slots=True)
class BattleStarting(RoomEvent):
    sides: tuple[tuple[str, ...], ...]  # by side index; empty sides left out
    at: float
