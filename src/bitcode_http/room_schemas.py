"""What the lobby's routes and the WebSocket read and write about rooms, chat
and quick match: msgspec structs, mapped to and from the core."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

from bitcode_core.languages import LanguageTable
from bitcode_core.questions import Difficulty
from bitcode_core.rooms.announce import settings_data, summary_data
from bitcode_core.rooms.lobby import QueuedMatch
from bitcode_core.rooms.lobby_room import LobbyRoom
from bitcode_core.rooms.ports import ChatMessage
from bitcode_core.rooms.settings import (
    MAX_QUESTIONS,
    ChosenQuestions,
    Mode,
    QuestionChoice,
    RandomQuestions,
    RoomSettings,
)

Id = Annotated[str, Meta(min_length=1, max_length=64)]
ChannelName = Annotated[str, Meta(min_length=1, max_length=160)]
Title = Annotated[str, Meta(max_length=200)]
ChatText = Annotated[str, Meta(max_length=4000)]
Side = Annotated[int, Meta(ge=0, le=99)]  # past a room's sides: the core's 422
InviteCode = Annotated[str, Meta(min_length=1, max_length=32)]
DEFAULT_TIME_LIMIT_S = 1800


class QuestionsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Either ``ids`` (chosen questions) or a random draw of ``count``."""

    ids: list[Id] | None = None
    count: Annotated[int, Meta(ge=0, le=100)] = 1
    difficulty: Difficulty | None = None
    tags: list[Annotated[str, Meta(max_length=64)]] = []

    def to_core(self) -> QuestionChoice:
        if self.ids is not None:
            return ChosenQuestions(tuple(self.ids[: MAX_QUESTIONS + 1]))
        return RandomQuestions(self.count, self.difficulty, frozenset(self.tags))


class RoomSettingsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A room's settings; sizes default to the mode's smallest (a free-for-all
    to its largest), languages to every language in the table, questions to
    one at random."""

    mode: Mode
    sides: Annotated[int, Meta(ge=1, le=16)] | None = None
    seats_per_side: Annotated[int, Meta(ge=1, le=16)] | None = None
    questions: QuestionsIn = msgspec.field(default_factory=QuestionsIn)
    languages: list[Annotated[str, Meta(max_length=32)]] | None = None
    time_limit_s: Annotated[int, Meta(ge=0, le=86_400)] = DEFAULT_TIME_LIMIT_S
    rated: bool = False
    private: bool = False

    def to_core(self, languages: LanguageTable) -> RoomSettings:
        preset = self.mode.preset
        # A free-for-all's sides are its player cap: default to the largest.
        default_sides = (
            preset.min_sides if preset.every_side_plays else preset.max_sides
        )
        keys = (
            frozenset(self.languages)
            if self.languages is not None
            else frozenset(lang.key for lang in languages)
        )
        return RoomSettings(
            mode=self.mode,
            sides=self.sides or default_sides,
            seats_per_side=self.seats_per_side or preset.min_seats,
            questions=self.questions.to_core(),
            languages=keys,
            time_limit_s=self.time_limit_s,
            rated=self.rated,
            private=self.private,
        )


class CreateRoomRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    settings: RoomSettingsIn
    title: Title = ""


class ChangeSettingsRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    settings: RoomSettingsIn
    title: Title | None = None


class JoinRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    side: Side | None = None
    invite_code: InviteCode | None = None


class JoinByInviteRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    invite_code: InviteCode
    side: Side | None = None


class SideRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    side: Side


class ReadyRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    ready: bool = True


class PlayerRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    player: Id


class HandOverRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    to: Id


class MuteRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    player: Id
    muted: bool = True


class PostMessageRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    text: ChatText


class QueueRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    mode: Mode


# Answers


class QuestionsOut(msgspec.Struct, kw_only=True):
    ids: list[str] | None = None
    count: int | None = None
    difficulty: str | None = None
    tags: list[str] | None = None


class RoomSettingsOut(msgspec.Struct, kw_only=True):
    mode: str
    sides: int
    seats_per_side: int
    questions: QuestionsOut
    languages: list[str]
    time_limit_s: int
    rated: bool
    private: bool

    @classmethod
    def of(cls, settings: RoomSettings) -> RoomSettingsOut:
        return msgspec.convert(settings_data(settings), cls)


class Seat(msgspec.Struct, kw_only=True):
    player: str
    name: str
    ready: bool
    online: bool
    muted: bool


class RoomView(msgspec.Struct, kw_only=True):
    id: str
    title: str
    host: str
    status: str
    settings: RoomSettingsOut
    sides: list[list[Seat]]
    can_start: bool
    quick_match: bool
    battle: str | None  # the battle the room started last (its channel: battle:ID)
    created_at: float
    channel: str
    # Shown to the room's players only: what they share to bring friends in.
    invite_code: str | None = None

    @classmethod
    def of(
        cls, lobby_room: LobbyRoom, viewer: str | None, online: frozenset[str]
    ) -> RoomView:
        room = lobby_room.room
        sides = [
            [
                Seat(
                    player=player,
                    name=lobby_room.names.get(player, ""),
                    ready=player in room.ready,
                    online=player in online,
                    muted=player in lobby_room.muted,
                )
                for player in side
            ]
            for side in room.seats
        ]
        member = viewer is not None and viewer in room.players
        return cls(
            id=room.id,
            title=lobby_room.title,
            host=room.host,
            status=room.status.value,
            settings=RoomSettingsOut.of(room.settings),
            sides=sides,
            can_start=room.can_start(),
            quick_match=lobby_room.quick_match,
            battle=lobby_room.battle,
            created_at=lobby_room.created_at,
            channel=f"room:{room.id}",
            invite_code=room.invite_code if member else None,
        )


class RoomSummary(msgspec.Struct, kw_only=True):
    id: str
    title: str
    host: str
    host_name: str
    status: str
    mode: str
    sides: int
    seats_per_side: int
    players: int
    capacity: int
    rated: bool
    languages: list[str]
    time_limit_s: int
    created_at: float

    @classmethod
    def of(cls, lobby_room: LobbyRoom) -> RoomSummary:
        return msgspec.convert(summary_data(lobby_room), cls)


class RoomList(msgspec.Struct, kw_only=True):
    rooms: list[RoomSummary]
    next_cursor: str | None


class ChatMessageOut(msgspec.Struct, kw_only=True):
    id: str
    channel: str
    author: str
    name: str
    text: str
    at: float

    @classmethod
    def of(cls, message: ChatMessage) -> ChatMessageOut:
        return cls(
            id=message.id,
            channel=message.channel,
            author=message.author,
            name=message.author_name,
            text=message.text,
            at=message.at,
        )


class ChatHistory(msgspec.Struct, kw_only=True):
    channel: str
    messages: list[ChatMessageOut]


class MatchStatus(msgspec.Struct, kw_only=True):
    queued: bool
    mode: str | None = None
    rating: float | None = None
    since: float | None = None
    room: str | None = None  # set once matched

    @classmethod
    def of(cls, queued: QueuedMatch) -> MatchStatus:
        ticket = queued.ticket
        return cls(
            queued=queued.room_id is None,
            mode=ticket.mode.value,
            rating=ticket.rating,
            since=ticket.since,
            room=queued.room_id,
        )


class SocketTicketOut(msgspec.Struct, kw_only=True):
    ticket: str
    expires_at: float
    url: str
