"""What clients send over the WebSocket (typed, tagged by ``type``) and the
one envelope every server message travels in."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import Meta

from bitcode_core.rooms.ports import Envelope
from bitcode_core.rooms.settings import Mode
from bitcode_http.battle_schemas import (
    IdempotencyKey,
    Input,
    LanguageKey,
    QuestionId,
    Source,
)
from bitcode_http.room_schemas import (
    ChannelName,
    ChatText,
    Id,
    InviteCode,
    RoomSettingsIn,
    Side,
    Title,
)

Ref = Annotated[str, Meta(max_length=64)]
Seq = Annotated[int, Meta(ge=0)]


class ClientMessage(
    msgspec.Struct, kw_only=True, forbid_unknown_fields=True, tag_field="type"
):
    # Echoed in the ``ack`` or ``error`` that answers the message.
    ref: Ref | None = None


class Subscribe(ClientMessage, tag="subscribe"):
    channel: ChannelName
    after: Seq | None = None  # resume: the last seq received on the channel


class Unsubscribe(ClientMessage, tag="unsubscribe"):
    channel: ChannelName


class Ping(ClientMessage, tag="ping"):
    pass


class CreateRoom(ClientMessage, tag="room.create"):
    settings: RoomSettingsIn
    title: Title = ""


class JoinRoom(ClientMessage, tag="room.join"):
    room: Id
    side: Side | None = None
    invite_code: InviteCode | None = None


class JoinByInvite(ClientMessage, tag="room.join_by_invite"):
    invite_code: InviteCode
    side: Side | None = None


class LeaveRoom(ClientMessage, tag="room.leave"):
    room: Id


class SwitchSide(ClientMessage, tag="room.switch_side"):
    room: Id
    side: Side


class SetReady(ClientMessage, tag="room.ready"):
    room: Id
    ready: bool = True


class KickPlayer(ClientMessage, tag="room.kick"):
    room: Id
    player: Id


class HandOverHost(ClientMessage, tag="room.hand_over"):
    room: Id
    to: Id


class ChangeSettings(ClientMessage, tag="room.change_settings"):
    room: Id
    settings: RoomSettingsIn
    title: Title | None = None


class StartBattle(ClientMessage, tag="room.start"):
    room: Id


class MutePlayer(ClientMessage, tag="room.mute"):
    room: Id
    player: Id
    muted: bool = True


class Say(ClientMessage, tag="chat.say"):
    channel: ChannelName
    text: ChatText


class DeleteMessage(ClientMessage, tag="chat.delete"):
    channel: ChannelName
    id: Id


class QueueForMatch(ClientMessage, tag="match.queue"):
    mode: Mode


class LeaveQueue(ClientMessage, tag="match.leave"):
    pass


class Submit(ClientMessage, tag="battle.submit"):
    battle: Id
    question: QuestionId
    language: LanguageKey
    source: Source
    key: IdempotencyKey | None = None


class Run(ClientMessage, tag="battle.run"):
    battle: Id
    question: QuestionId
    language: LanguageKey
    source: Source
    input: Input | None = None


class Forfeit(ClientMessage, tag="battle.forfeit"):
    battle: Id


class Rematch(ClientMessage, tag="battle.rematch"):
    battle: Id


Incoming = (
    Subscribe
    | Unsubscribe
    | Ping
    | CreateRoom
    | JoinRoom
    | JoinByInvite
    | LeaveRoom
    | SwitchSide
    | SetReady
    | KickPlayer
    | HandOverHost
    | ChangeSettings
    | StartBattle
    | MutePlayer
    | Say
    | DeleteMessage
    | QueueForMatch
    | LeaveQueue
    | Submit
    | Run
    | Forfeit
    | Rematch
)
MESSAGE_TYPES = sorted(str(kind.__struct_config__.tag) for kind in Incoming.__args__)

decoder = msgspec.json.Decoder(Incoming)
_encoder = msgspec.json.Encoder()


class Outgoing(msgspec.Struct, kw_only=True):
    """The envelope of everything the server sends. Channel events carry their
    channel, room and ``seq``; replies and notices carry ``null`` there."""

    type: str
    channel: str | None
    room: str | None
    seq: int | None
    time: float
    data: Any


def encode_event(envelope: Envelope) -> str:
    message = Outgoing(
        type=envelope.type,
        channel=envelope.channel,
        room=envelope.room,
        seq=envelope.seq,
        time=envelope.time,
        data=envelope.data,
    )
    return _encoder.encode(message).decode()


def encode_notice(type: str, time: float, data: Any, room: str | None = None) -> str:
    message = Outgoing(
        type=type, channel=None, room=room, seq=None, time=time, data=data
    )
    return _encoder.encode(message).decode()
