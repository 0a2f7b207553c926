"""Room events as the data their announcements carry: plain JSON, the same on
every channel and every instance."""

from __future__ import annotations

from functools import singledispatch

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
from bitcode_core.rooms.lobby_room import LobbyRoom
from bitcode_core.rooms.ports import EventData, JsonValue
from bitcode_core.rooms.settings import ChosenQuestions, RoomSettings


@singledispatch
def announcement(event: RoomEvent, names: dict[str, str]) -> tuple[str, EventData]:
    raise TypeError(f"no announcement for {type(event).__name__}")


@announcement.register
def _(event: PlayerJoined, names: dict[str, str]) -> tuple[str, EventData]:
    name = names.get(event.player, "")
    return "player.joined", {"player": event.player, "name": name, "side": event.side}


@announcement.register
def _(event: PlayerLeft, names: dict[str, str]) -> tuple[str, EventData]:
    return "player.left", {"player": event.player}


@announcement.register
def _(event: PlayerKicked, names: dict[str, str]) -> tuple[str, EventData]:
    return "player.kicked", {"player": event.player, "by": event.by}


@announcement.register
def _(event: HostChanged, names: dict[str, str]) -> tuple[str, EventData]:
    return "host.changed", {"host": event.host}


@announcement.register
def _(event: SideSwitched, names: dict[str, str]) -> tuple[str, EventData]:
    data: EventData = {
        "player": event.player,
        "from_side": event.from_side,
        "to_side": event.to_side,
    }
    return "side.switched", data


@announcement.register
def _(event: ReadinessChanged, names: dict[str, str]) -> tuple[str, EventData]:
    return "readiness.changed", {"player": event.player, "ready": event.ready}


@announcement.register
def _(event: SettingsChanged, names: dict[str, str]) -> tuple[str, EventData]:
    return "settings.changed", {"settings": settings_data(event.settings)}


@announcement.register
def _(event: RoomClosed, names: dict[str, str]) -> tuple[str, EventData]:
    return "room.closed", {}


@announcement.register
def _(event: RoomReopened, names: dict[str, str]) -> tuple[str, EventData]:
    return "room.reopened", {}


@announcement.register
def _(event: BattleStarting, names: dict[str, str]) -> tuple[str, EventData]:
    sides: list[JsonValue] = [list(side) for side in event.sides]
    return "battle.starting", {"sides": sides, "at": event.at}


def settings_data(settings: RoomSettings) -> dict[str, JsonValue]:
    choice = settings.questions
    questions: dict[str, JsonValue]
    if isinstance(choice, ChosenQuestions):
        questions = {"ids": list(choice.ids)}
    else:
        questions = {
            "count": choice.count,
            "difficulty": choice.difficulty.value if choice.difficulty else None,
            "tags": sorted(choice.tags),
        }
    return {
        "mode": settings.mode.value,
        "sides": settings.sides,
        "seats_per_side": settings.seats_per_side,
        "questions": questions,
        "languages": sorted(settings.languages),
        "time_limit_s": settings.time_limit_s,
        "rated": settings.rated,
        "private": settings.private,
    }


def summary_data(lobby_room: LobbyRoom) -> dict[str, JsonValue]:
    """What the lobby's list shows of a public room."""
    room = lobby_room.room
    settings = room.settings
    return {
        "id": room.id,
        "title": lobby_room.title,
        "host": room.host,
        "host_name": lobby_room.names.get(room.host, ""),
        "status": room.status.value,
        "mode": settings.mode.value,
        "sides": settings.sides,
        "seats_per_side": settings.seats_per_side,
        "players": len(room.players),
        "capacity": settings.capacity,
        "rated": settings.rated,
        "languages": sorted(settings.languages),
        "time_limit_s": settings.time_limit_s,
        "created_at": lobby_room.created_at,
    }
