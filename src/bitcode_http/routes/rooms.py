"""The lobby over REST: rooms, their chat and quick match. Every action here is
also a WebSocket message (``docs/realtime.md``), with the same rules and errors;
what it changes is announced on the room's channel either way."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from litestar.types import ControllerRouterHandler

from bitcode_core.accounts.model import Principal
from bitcode_core.arena.arena import Arena
from bitcode_core.languages import LanguageTable
from bitcode_core.rooms.lobby import Lobby, RoomQuery
from bitcode_core.rooms.lobby_room import LobbyRoom
from bitcode_core.rooms.settings import Mode
from bitcode_http.principal import SECURED
from bitcode_http.problems import documented
from bitcode_http.room_schemas import (
    ChangeSettingsRequest,
    ChatHistory,
    ChatMessageOut,
    CreateRoomRequest,
    HandOverRequest,
    JoinByInviteRequest,
    JoinRequest,
    MatchStatus,
    MuteRequest,
    PlayerRequest,
    PostMessageRequest,
    QueueRequest,
    ReadyRequest,
    RoomList,
    RoomSummary,
    RoomView,
    SideRequest,
)

RoomId = Annotated[str, PathParameter(max_length=64)]
ChannelParam = Annotated[str, PathParameter(max_length=160)]


async def _view(lobby: Lobby, room: LobbyRoom, viewer: Principal | None) -> RoomView:
    online = await lobby.online(room.id)
    return RoomView.of(room, viewer.user_id if viewer else None, online)


class RoomsController(Controller):
    path = "/rooms"
    tags = ("rooms",)

    @get("/", responses=documented(422), summary="Open public rooms, newest first")
    async def list_rooms(
        self,
        *,
        lobby: NamedDependency[Lobby],
        mode: Annotated[Mode | None, QueryParameter()] = None,
        rated: Annotated[bool | None, QueryParameter()] = None,
        has_space: Annotated[bool | None, QueryParameter()] = None,
        language: Annotated[str | None, QueryParameter(max_length=32)] = None,
        q: Annotated[str | None, QueryParameter(max_length=100)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
    ) -> RoomList:
        query = RoomQuery(mode, rated, has_space, language, q, cursor, limit)
        page = await lobby.list_rooms(query)
        return RoomList(
            rooms=[RoomSummary.of(r) for r in page.rooms],
            next_cursor=page.next_cursor,
        )

    @post(
        "/",
        security=SECURED,
        status_code=HTTP_201_CREATED,
        responses=documented(401, 409, 422),
        summary="Open a room and take its first seat as host",
    )
    async def create(
        self,
        data: JSONBody[CreateRoomRequest],
        lobby: NamedDependency[Lobby],
        languages: NamedDependency[LanguageTable],
        principal: NamedDependency[Principal],
    ) -> RoomView:
        settings = data.settings.to_core(languages)
        room = await lobby.create_room(principal, settings, data.title)
        return await _view(lobby, room, principal)

    @post(
        "/join",
        security=SECURED,
        status_code=HTTP_200_OK,
        responses=documented(401, 404, 409),
        summary="Join a room by its invite code",
    )
    async def join_by_invite(
        self,
        data: JSONBody[JoinByInviteRequest],
        lobby: NamedDependency[Lobby],
        principal: NamedDependency[Principal],
    ) -> RoomView:
        room = await lobby.join_by_invite(principal, data.invite_code, data.side)
        return await _view(lobby, room, principal)

    @get(
        "/{room_id:str}",
        responses=documented(401, 404),
        summary="A room: settings, sides, who is ready and online",
        description="Private rooms are shown only to their players (404 else).",
    )
    async def room(
        self,
        room_id: RoomId,
        lobby: NamedDependency[Lobby],
        viewer: NamedDependency[Principal | None],
    ) -> RoomView:
        return await _view(lobby, await lobby.room(viewer, room_id), viewer)

    @post(
        "/{room_id:str}/join",
        security=SECURED,
        status_code=HTTP_200_OK,
        responses=documented(401, 403, 404, 409, 422),
        summary="Take a seat (on `side`, or on the emptiest side)",
    )
    async def join(
        self,
        room_id: RoomId,
        data: JSONBody[JoinRequest],
        lobby: NamedDependency[Lobby],
        principal: NamedDependency[Principal],
    ) -> RoomView:
        room = await lobby.join(principal, room_id, data.side, data.invite_code)
        return await _view(lobby, room, principal)

    @post(
        "/{room_id:str}/leave",
        security=SECURED,
        status_code=HTTP_200_OK,
        responses=documented(401, 404, 409),
        summary="Leave a room (the next player becomes host; an empty room closes)",
    )
    async def leave(
        self,
        room_id: RoomId,
        lobby: NamedDependency[Lobby],
        principal: NamedDependency[Principal],
    ) -> RoomView:
        return await _view(lobby, await lobby.leave(principal, room_id), principal)

    @post(
        "/{room_id:str}/side",
        security=SECURED,
        status_code=HTTP_200_OK,
        responses=documented(401, 404, 409, 422),
        summary="Switch to another side",
    )
    async def switch_side(
        self,
        room_id: RoomId,
        data: JSONBody[SideRequest],
        lobby: NamedDependency[Lobby],
        principal: NamedDependency[Principal],
    ) -> RoomView:
        room = await lobby.switch_side(principal, room_id, data.side)
        return await _view(lobby, room, principal)

    @post(
        "/{room_id:str}/ready",
        security=SECURED,
        status_code=HTTP_200_OK,
        responses=documented(401, 404, 409),
        summary="Ready up, or not",
    )
    async def ready(
        self,
        room_id: RoomId,
        data: JSONBody[ReadyRequest],
        lobby: NamedDependency[Lobby],
        principal: NamedDependency[Principal],
    ) -> RoomView:
        room = await lobby.set_ready(principal, room_id, data.ready)
        return await _view(lobby, room, principal)

    @post(
        "/{room_id:str}/kick",
        security=SECURED,
        status_code=HTTP_200_OK,
        responses=documented(401, 403, 404, 409),
        summary="Remove a player (host only; they cannot come back)",
    )
    async def kick(
        self,
        room_id: RoomId,
        data: JSONBody[PlayerRequest],
        lobby: NamedDependency[Lobby],
        principal: NamedDependency[Principal],
    ) -> RoomView:
        room = await lobby.kick(principal, room_id, data.player)
        return await _view(lobby, room, principal)

    @post(
        "/{room_id:str}/host",
        security=SECURED,
        status_code=HTTP_200_OK,
        responses=documented(401, 403, 404, 409),
        summary="Hand the host's role to another player (host only)",
    )
    async def hand_over(
        self,
        room_id: RoomId,
        data: JSONBody[HandOverRequest],
        lobby: NamedDependency[Lobby],
        principal: NamedDependency[Principal],
    ) -> RoomView:
        room = await lobby.hand_over(principal, room_id, data.to)
        return await _view(lobby, room, principal)

    @put(
        "/{room_id:str}/settings",
        security=SECURED,
        responses=documented(401, 403, 404, 409, 422),
        summary="Change the settings before the start (host only; un-readies all)",
    )
    async def change_settings(
        self,
        room_id: RoomId,
        data: JSONBody[ChangeSettingsRequest],
        lobby: NamedDependency[Lobby],
        languages: NamedDependency[LanguageTable],
        principal: NamedDependency[Principal],
    ) -> RoomView:
        settings = data.settings.to_core(languages)
        room = await lobby.change_settings(principal, room_id, settings, data.title)
        return await _view(lobby, room, principal)

    @post(
        "/{room_id:str}/start",
        security=SECURED,
        status_code=HTTP_200_OK,
        responses=documented(401, 403, 404, 409),
        summary="Start the battle (host only; every needed seat filled and ready)",
    )
    async def start(
        self,
        room_id: RoomId,
        lobby: NamedDependency[Lobby],
        arena: NamedDependency[Arena],
        principal: NamedDependency[Principal],
    ) -> RoomView:
        await arena.start_room(principal, room_id)
        room = await lobby.room(principal, room_id)
        return await _view(lobby, room, principal)

    @post(
        "/{room_id:str}/mute",
        security=SECURED,
        status_code=HTTP_200_OK,
        responses=documented(401, 403, 404, 409),
        summary="Mute or unmute a player in the room's chat (host or admin)",
    )
    async def mute(
        self,
        room_id: RoomId,
        data: JSONBody[MuteRequest],
        lobby: NamedDependency[Lobby],
        principal: NamedDependency[Principal],
    ) -> RoomView:
        room = await lobby.mute(principal, room_id, data.player, data.muted)
        return await _view(lobby, room, principal)


class ChatController(Controller):
    path = "/chat"
    tags = ("chat",)

    @get(
        "/{channel:str}/messages",
        security=SECURED,
        responses=documented(401, 403, 404, 422),
        summary="Recent messages of a channel you may read, oldest first",
        description="Channels: `lobby`, `room:ID`, `room:ID:side:N`.",
    )
    async def history(
        self,
        channel: ChannelParam,
        lobby: NamedDependency[Lobby],
        principal: NamedDependency[Principal],
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
    ) -> ChatHistory:
        messages = await lobby.chat_history(principal, channel, limit)
        return ChatHistory(
            channel=channel, messages=[ChatMessageOut.of(m) for m in messages]
        )

    @post(
        "/{channel:str}/messages",
        security=SECURED,
        status_code=HTTP_201_CREATED,
        responses=documented(401, 403, 404, 422, 429),
        summary="Post a message (room channels: the room's players only)",
    )
    async def post_message(
        self,
        channel: ChannelParam,
        data: JSONBody[PostMessageRequest],
        lobby: NamedDependency[Lobby],
        principal: NamedDependency[Principal],
    ) -> ChatMessageOut:
        return ChatMessageOut.of(await lobby.post(principal, channel, data.text))

    @delete(
        "/{channel:str}/messages/{message_id:str}",
        security=SECURED,
        responses=documented(401, 403, 404, 422),
        summary="Delete a message (admins)",
    )
    async def delete_message(
        self,
        channel: ChannelParam,
        message_id: Annotated[str, PathParameter(max_length=64)],
        lobby: NamedDependency[Lobby],
        principal: NamedDependency[Principal],
    ) -> None:
        await lobby.delete_message(principal, channel, message_id)


class MatchmakingController(Controller):
    path = "/matchmaking"
    tags = ("matchmaking",)

    @post(
        "/",
        security=SECURED,
        status_code=HTTP_200_OK,
        responses=documented(401, 409),
        summary="Queue for a quick match of a mode",
        description="Players of close rating are seated together in a new "
        "private, rated room; the band widens the longer they wait. A match "
        "is announced as `match.found` on `user:ID`.",
    )
    async def queue(
        self,
        data: JSONBody[QueueRequest],
        lobby: NamedDependency[Lobby],
        principal: NamedDependency[Principal],
    ) -> MatchStatus:
        return MatchStatus.of(await lobby.queue_for_match(principal, data.mode))

    @get("/", security=SECURED, responses=documented(401), summary="Your ticket")
    async def status(
        self, lobby: NamedDependency[Lobby], principal: NamedDependency[Principal]
    ) -> MatchStatus:
        ticket = await lobby.match_ticket(principal)
        if ticket is None:
            return MatchStatus(queued=False, room=await lobby.seat_of(principal))
        return MatchStatus(
            queued=True,
            mode=ticket.mode.value,
            rating=ticket.rating,
            since=ticket.since,
        )

    @delete("/", security=SECURED, responses=documented(401), summary="Leave the queue")
    async def leave(
        self, lobby: NamedDependency[Lobby], principal: NamedDependency[Principal]
    ) -> None:
        await lobby.leave_queue(principal)


ROUTES: list[ControllerRouterHandler] = [
    RoomsController,
    ChatController,
    MatchmakingController,
]
