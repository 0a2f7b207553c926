"""A room before its battle: seats by side, readiness, a host and its rules.

Invariants every operation keeps: no side holds more than ``seats_per_side``
players; a player sits on one side at most; a room with players has a host
who is one of them; a room that empties closes for good. Its players stay
seated through its battle and the room opens again when the battle is over.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from enum import StrEnum

from bitcode_core.errors import (
    Conflict,
    InvalidInput,
    PermissionDenied,
    RoomRuleViolation,
)
from bitcode_core.rooms.events import (
    BattleStarting,
    HostChanged,
    PlayerJoined,
    PlayerKicked,
    PlayerLeft,
    ReadinessChanged,
    RoomClosed,
    RoomEvent,
    RoomReopened,
    SettingsChanged,
    SideSwitched,
)
from bitcode_core.rooms.settings import (
    ChosenQuestions,
    Mode,
    ModePreset,
    QuestionChoice,
    RandomQuestions,
    RoomSettings,
)

__all__ = [
    "ChosenQuestions",
    "Mode",
    "ModePreset",
    "QuestionChoice",
    "RandomQuestions",
    "Room",
    "RoomSettings",
    "RoomStatus",
]


class RoomStatus(StrEnum):
    OPEN = "open"
    STARTING = "starting"
    IN_BATTLE = "in-battle"
    CLOSED = "closed"


@dataclass(slots=True)
class Room:
    id: str
    invite_code: str
    host: str
    settings: RoomSettings
    status: RoomStatus = RoomStatus.OPEN
    _seats: list[list[str]] = field(default_factory=list)
    _ready: set[str] = field(default_factory=set)
    _kicked: set[str] = field(default_factory=set)
    _order: list[str] = field(default_factory=list)  # seated, longest present first

    @classmethod
    def open(cls, id: str, invite_code: str, host: str, settings: RoomSettings) -> Room:
        """A new room with its host seated on the first side."""
        room = cls(id, invite_code, host, settings)
        room._seats = [[] for _ in range(settings.sides)]
        room._seat(host, 0)
        return room

    @classmethod
    def restore(
        cls,
        *,
        id: str,
        invite_code: str,
        host: str,
        settings: RoomSettings,
        status: RoomStatus,
        seats: tuple[tuple[str, ...], ...],
        ready: frozenset[str],
        kicked: frozenset[str],
        order: tuple[str, ...],
    ) -> Room:
        """A room as a store kept it; the seats must hold exactly ``order``."""
        if sorted(order) != sorted(p for side in seats for p in side):
            raise RoomRuleViolation("a stored room's seats and players disagree")
        room = cls(id, invite_code, host, settings, status)
        room._seats = [list(side) for side in seats]
        room._ready = set(ready)
        room._kicked = set(kicked)
        room._order = list(order)
        return room

    @property
    def seats(self) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(side) for side in self._seats)

    @property
    def players(self) -> tuple[str, ...]:
        """Everyone seated, longest present first."""
        return tuple(self._order)

    @property
    def ready(self) -> frozenset[str]:
        return frozenset(self._ready)

    @property
    def kicked(self) -> frozenset[str]:
        return frozenset(self._kicked)

    @property
    def is_full(self) -> bool:
        return self._is_full()

    def side_of(self, player: str) -> int:
        for index, side in enumerate(self._seats):
            if player in side:
                return index
        raise RoomRuleViolation(f"{player} is not in this room")

    def can_start(self) -> bool:
        return (
            self.status is RoomStatus.OPEN
            and self._missing_seats() == 0
            and self._ready == set(self._order)
        )

    def join(
        self, player: str, side: int | None = None, invite_code: str | None = None
    ) -> list[RoomEvent]:
        self._check_open()
        if player in self._order:
            raise Conflict(f"{player} is already in this room")
        if player in self._kicked:
            raise PermissionDenied("the host removed you from this room")
        if self.settings.private and not _same_code(invite_code, self.invite_code):
            raise PermissionDenied("this private room needs its invite code")
        target = self._emptiest_side() if side is None else side
        self._check_room_on(target)

        self._seat(player, target)
        return [PlayerJoined(self.id, player, target)]

    def leave(self, player: str) -> list[RoomEvent]:
        self._check_open()
        self.side_of(player)

        events: list[RoomEvent] = [PlayerLeft(self.id, player)]
        return events + self._remove(player)

    def switch_side(self, player: str, side: int) -> list[RoomEvent]:
        self._check_open()
        current = self.side_of(player)
        if side == current:
            raise RoomRuleViolation(f"{player} is already on side {side}")
        self._check_room_on(side)

        self._seats[current].remove(player)
        self._seats[side].append(player)
        events: list[RoomEvent] = [SideSwitched(self.id, player, current, side)]
        return events + self._unready([player])

    def set_ready(self, player: str, ready: bool) -> list[RoomEvent]:
        self._check_open()
        self.side_of(player)
        if (player in self._ready) == ready:
            return []

        if ready:
            self._ready.add(player)
        else:
            self._ready.discard(player)
        return [ReadinessChanged(self.id, player, ready)]

    def kick(self, by: str, player: str) -> list[RoomEvent]:
        self._check_open()
        self._check_host(by)
        if player == by:
            raise RoomRuleViolation("the host leaves rather than kicks themself")
        self.side_of(player)

        self._kicked.add(player)
        events: list[RoomEvent] = [PlayerKicked(self.id, player, by)]
        return events + self._remove(player)

    def hand_over(self, by: str, to: str) -> list[RoomEvent]:
        self._check_open()
        self._check_host(by)
        self.side_of(to)
        if to == by:
            raise RoomRuleViolation(f"{to} is already the host")

        self.host = to
        return [HostChanged(self.id, to)]

    def change_settings(self, by: str, settings: RoomSettings) -> list[RoomEvent]:
        """New settings un-ready everyone: players agreed to the old ones."""
        self._check_open()
        self._check_host(by)
        self._check_fits(settings)

        self.settings = settings
        added: list[list[str]] = [[] for _ in range(settings.sides - len(self._seats))]
        self._seats = self._seats[: settings.sides] + added
        events: list[RoomEvent] = [SettingsChanged(self.id, settings)]
        return events + self._unready(self._order)

    def start(self, by: str, now: float) -> list[RoomEvent]:
        self._check_open()
        self._check_host(by)
        missing = self._missing_seats()
        if missing:
            raise RoomRuleViolation(f"{missing} more players are needed to start")
        waiting = [p for p in self._order if p not in self._ready]
        if waiting:
            raise RoomRuleViolation(f"not ready yet: {', '.join(waiting)}")

        self.status = RoomStatus.STARTING
        sides = tuple(tuple(side) for side in self._seats if side)
        return [BattleStarting(self.id, sides, now)]

    def rematch(
        self, sides: tuple[tuple[str, ...], ...], now: float
    ) -> list[RoomEvent]:
        """The sides of the battle just played meet again: every one of them
        asked for it, so neither the host nor readiness has a say."""
        self._check_open()
        if sorted(p for side in sides for p in side) != sorted(self._order):
            raise RoomRuleViolation(
                "the room's players changed since the battle; start a new one"
            )

        self.status = RoomStatus.STARTING
        return [BattleStarting(self.id, sides, now)]

    def battle_began(self) -> None:
        if self.status is not RoomStatus.STARTING:
            raise RoomRuleViolation("only a starting room can begin its battle")
        self.status = RoomStatus.IN_BATTLE

    def reopen(self) -> list[RoomEvent]:
        """The battle is over, or could not begin: everyone stays seated and
        nobody is ready, for the next start is a new agreement."""
        if self.status not in (RoomStatus.STARTING, RoomStatus.IN_BATTLE):
            raise RoomRuleViolation(f"the room is {self.status}, not in a battle")

        self.status = RoomStatus.OPEN
        events: list[RoomEvent] = [RoomReopened(self.id)]
        return events + self._unready(self._order)

    def close(self) -> list[RoomEvent]:
        if self.status is RoomStatus.CLOSED:
            return []
        self.status = RoomStatus.CLOSED
        return [RoomClosed(self.id)]

    def _seat(self, player: str, side: int) -> None:
        self._seats[side].append(player)
        self._order.append(player)

    def _remove(self, player: str) -> list[RoomEvent]:
        self._seats[self.side_of(player)].remove(player)
        self._order.remove(player)
        self._ready.discard(player)
        if not self._order:
            return self.close()
        if player != self.host:
            return []
        self.host = self._order[0]
        return [HostChanged(self.id, self.host)]

    def _unready(self, players: list[str]) -> list[RoomEvent]:
        events: list[RoomEvent] = []
        for player in players:
            if player in self._ready:
                self._ready.discard(player)
                events.append(ReadinessChanged(self.id, player, False))
        return events

    def _emptiest_side(self) -> int:
        sizes = [len(side) for side in self._seats]
        return sizes.index(min(sizes))

    def _check_room_on(self, side: int) -> None:
        if not 0 <= side < len(self._seats):
            raise InvalidInput(f"no side {side} in this room", field="side")
        if len(self._seats[side]) >= self.settings.seats_per_side:
            full = "the room" if self._is_full() else f"side {side}"
            raise RoomRuleViolation(f"{full} is full")

    def _is_full(self) -> bool:
        return len(self._order) >= self.settings.capacity

    def _check_open(self) -> None:
        if self.status is not RoomStatus.OPEN:
            raise RoomRuleViolation(f"the room is {self.status}, not open")

    def _check_host(self, player: str) -> None:
        if player != self.host:
            raise PermissionDenied("only the host can do that")

    def _check_fits(self, settings: RoomSettings) -> None:
        for index, side in enumerate(self._seats):
            if side and index >= settings.sides:
                raise RoomRuleViolation(
                    f"side {index} is taken; keep {index + 1} sides or more"
                )
            if len(side) > settings.seats_per_side:
                raise RoomRuleViolation(
                    f"side {index} seats {len(side)}; keep that many seats"
                )

    def _missing_seats(self) -> int:
        """Players still needed before the battle may start."""
        preset = self.settings.mode.preset
        shortfalls = sorted(
            max(preset.min_seats - len(side), 0) for side in self._seats
        )
        needed = len(self._seats) if preset.every_side_plays else preset.min_sides
        return sum(shortfalls[:needed])


def _same_code(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
