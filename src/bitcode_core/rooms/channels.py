"""Event channels: the lobby, each room, each side of a room, each player.

``lobby`` lists rooms and carries the lobby chat; ``room:ID`` carries a room's
events and chat; ``room:ID:side:N`` is the side's own chat; ``user:ID`` carries
what is for one player alone (a quick match found, their own verdicts);
``battle:ID`` carries a battle's events, from the countdown to the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bitcode_core.errors import InvalidInput

LOBBY = "lobby"
LEADERBOARD = "leaderboard"  # ratings moved by each rated battle's end
_CHANNEL = re.compile(
    r"(?P<kind>lobby)|(?P<board>leaderboard)|(?P<user>user):(?P<user_id>[A-Za-z0-9_-]{1,64})"
    r"|room:(?P<room>[A-Za-z0-9_-]{1,64})(?::side:(?P<side>[0-9]{1,2}))?"
    r"|battle:(?P<battle>[A-Za-z0-9_-]{1,64})"
)


class ChannelKind(StrEnum):
    LOBBY = "lobby"
    ROOM = "room"
    SIDE = "side"
    USER = "user"
    BATTLE = "battle"
    LEADERBOARD = "leaderboard"


@dataclass(frozen=True, slots=True)
class Channel:
    kind: ChannelKind
    room_id: str | None = None
    side: int | None = None
    user_id: str | None = None
    battle_id: str | None = None

    @classmethod
    def parse(cls, name: str) -> Channel:
        match = _CHANNEL.fullmatch(name)
        if match is None:
            raise InvalidInput(f"no channel named {name[:80]!r}", field="channel")
        if match["kind"]:
            return cls(ChannelKind.LOBBY)
        if match["board"]:
            return cls(ChannelKind.LEADERBOARD)
        if match["user"]:
            return cls(ChannelKind.USER, user_id=match["user_id"])
        if match["battle"]:
            return cls(ChannelKind.BATTLE, battle_id=match["battle"])
        if match["side"] is not None:
            return cls(ChannelKind.SIDE, match["room"], int(match["side"]))
        return cls(ChannelKind.ROOM, match["room"])


def room_channel(room_id: str) -> str:
    return f"room:{room_id}"


def side_channel(room_id: str, side: int) -> str:
    return f"room:{room_id}:side:{side}"


def user_channel(user_id: str) -> str:
    return f"user:{user_id}"


def battle_channel(battle_id: str) -> str:
    return f"battle:{battle_id}"
