"""A room as the lobby keeps it: the rules' ``Room`` plus what people see of it."""

from __future__ import annotations

from dataclasses import dataclass, field

from bitcode_core.rooms.model import Room, RoomStatus

MAX_TITLE = 60


@dataclass(slots=True)
class LobbyRoom:
    room: Room
    title: str
    created_at: float
    names: dict[str, str] = field(default_factory=dict)  # player id -> username
    muted: set[str] = field(default_factory=set)  # may not post in its chat
    quick_match: bool = False
    battle: str | None = None  # the battle it started last

    @property
    def id(self) -> str:
        return self.room.id

    @property
    def listed(self) -> bool:
        """Shown in the lobby's list of rooms to join."""
        room = self.room
        return room.status is RoomStatus.OPEN and not room.settings.private

    def may_see(self, player: str) -> bool:
        """Anyone may watch a public room; a private one only its players."""
        return not self.room.settings.private or player in self.room.players
