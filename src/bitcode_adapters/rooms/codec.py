"""Lobby rooms, chat messages and match tickets as JSON, for any store."""

from __future__ import annotations

from typing import Any

import msgspec

from bitcode_core.questions import Difficulty
from bitcode_core.rooms.lobby_room import LobbyRoom
from bitcode_core.rooms.model import Room, RoomStatus
from bitcode_core.rooms.ports import ChatMessage, MatchTicket
from bitcode_core.rooms.settings import (
    ChosenQuestions,
    Mode,
    QuestionChoice,
    RandomQuestions,
    RoomSettings,
)

_encoder = msgspec.json.Encoder()


class _Settings(msgspec.Struct, frozen=True):
    mode: str
    sides: int
    seats_per_side: int
    languages: list[str]
    time_limit_s: int
    rated: bool
    private: bool
    question_ids: list[str] | None = None
    question_count: int = 0
    difficulty: str | None = None
    tags: list[str] = []


class _Room(msgspec.Struct, frozen=True):
    id: str
    invite_code: str
    host: str
    status: str
    settings: _Settings
    seats: list[list[str]]
    ready: list[str]
    kicked: list[str]
    order: list[str]
    title: str
    created_at: float
    names: dict[str, str]
    muted: list[str]
    quick_match: bool
    battle: str | None = None


def encode_room(lobby_room: LobbyRoom) -> bytes:
    room = lobby_room.room
    record = _Room(
        id=room.id,
        invite_code=room.invite_code,
        host=room.host,
        status=room.status.value,
        settings=_encode_settings(room.settings),
        seats=[list(side) for side in room.seats],
        ready=sorted(room.ready),
        kicked=sorted(room.kicked),
        order=list(room.players),
        title=lobby_room.title,
        created_at=lobby_room.created_at,
        names=lobby_room.names,
        muted=sorted(lobby_room.muted),
        quick_match=lobby_room.quick_match,
        battle=lobby_room.battle,
    )
    return _encoder.encode(record)


def decode_room(data: bytes) -> LobbyRoom:
    record = msgspec.json.decode(data, type=_Room)
    room = Room.restore(
        id=record.id,
        invite_code=record.invite_code,
        host=record.host,
        settings=_decode_settings(record.settings),
        status=RoomStatus(record.status),
        seats=tuple(tuple(side) for side in record.seats),
        ready=frozenset(record.ready),
        kicked=frozenset(record.kicked),
        order=tuple(record.order),
    )
    return LobbyRoom(
        room,
        record.title,
        record.created_at,
        names=dict(record.names),
        muted=set(record.muted),
        quick_match=record.quick_match,
        battle=record.battle,
    )


def encode_settings(settings: RoomSettings) -> bytes:
    return _encoder.encode(_encode_settings(settings))


def decode_settings(data: bytes | str) -> RoomSettings:
    return _decode_settings(msgspec.json.decode(data, type=_Settings))


def _encode_settings(settings: RoomSettings) -> _Settings:
    choice = settings.questions
    common: dict[str, Any] = {
        "mode": settings.mode.value,
        "sides": settings.sides,
        "seats_per_side": settings.seats_per_side,
        "languages": sorted(settings.languages),
        "time_limit_s": settings.time_limit_s,
        "rated": settings.rated,
        "private": settings.private,
    }
    if isinstance(choice, ChosenQuestions):
        return _Settings(**common, question_ids=list(choice.ids))
    return _Settings(
        **common,
        question_count=choice.count,
        difficulty=choice.difficulty.value if choice.difficulty else None,
        tags=sorted(choice.tags),
    )


def _decode_settings(record: _Settings) -> RoomSettings:
    questions: QuestionChoice
    if record.question_ids is not None:
        questions = ChosenQuestions(tuple(record.question_ids))
    else:
        difficulty = Difficulty(record.difficulty) if record.difficulty else None
        questions = RandomQuestions(
            record.question_count, difficulty, frozenset(record.tags)
        )
    return RoomSettings(
        mode=Mode(record.mode),
        sides=record.sides,
        seats_per_side=record.seats_per_side,
        questions=questions,
        languages=frozenset(record.languages),
        time_limit_s=record.time_limit_s,
        rated=record.rated,
        private=record.private,
    )


class _Message(msgspec.Struct, frozen=True):
    id: str
    channel: str
    author: str
    author_name: str
    text: str
    at: float


def encode_message(message: ChatMessage) -> bytes:
    return _encoder.encode(
        _Message(
            message.id,
            message.channel,
            message.author,
            message.author_name,
            message.text,
            message.at,
        )
    )


def decode_message(data: bytes) -> ChatMessage:
    record = msgspec.json.decode(data, type=_Message)
    return ChatMessage(
        record.id,
        record.channel,
        record.author,
        record.author_name,
        record.text,
        record.at,
    )


class _Ticket(msgspec.Struct, frozen=True):
    player: str
    name: str
    mode: str
    rating: float
    since: float


def encode_ticket(ticket: MatchTicket) -> bytes:
    return _encoder.encode(
        _Ticket(
            ticket.player, ticket.name, ticket.mode.value, ticket.rating, ticket.since
        )
    )


def decode_ticket(data: bytes) -> MatchTicket:
    record = msgspec.json.decode(data, type=_Ticket)
    return MatchTicket(
        record.player, record.name, Mode(record.mode), record.rating, record.since
    )
