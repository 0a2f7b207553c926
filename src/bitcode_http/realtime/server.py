"""Serving one WebSocket: check who and where from before accepting, then read
client messages, act on them through the lobby and answer each one.

A refused socket is accepted only to be closed at once with a close code
(``docs/realtime.md`` lists them), because a browser cannot read the status of
a refused handshake; nothing is sent or read before the ticket is checked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import WebSocket

from bitcode_core.accounts.model import Principal
from bitcode_core.accounts.socket_tickets import SocketTickets
from bitcode_core.arena.announce import battle_data
from bitcode_core.arena.arena import Arena
from bitcode_core.errors import BitCodeError, NotAuthenticated, RateLimited
from bitcode_core.languages import LanguageTable
from bitcode_core.ports import Clock
from bitcode_core.rooms.lobby import Lobby
from bitcode_http.battle_schemas import run_data, submission_detail, view_data
from bitcode_http.problems import TYPE_BASE, problem_for
from bitcode_http.realtime import protocol as p
from bitcode_http.realtime.connection import CloseCode, Connection, ConnectionLimits
from bitcode_http.realtime.hub import Hub
from bitcode_http.room_schemas import ChatHistory, ChatMessageOut, MatchStatus, RoomView

logger = logging.getLogger(__name__)

MALFORMED = "malformed-message"


@dataclass(frozen=True, slots=True)
class Origins:
    """Browser origins allowed to open a socket. A client that sends no
    ``Origin`` is not a browser, and cannot be a page's unwitting agent."""

    allowed: frozenset[str]

    def allow(self, origin: str | None) -> bool:
        if origin is None:
            return True
        allowed = {o.lower() for o in self.allowed}
        return "*" in allowed or origin.rstrip("/").lower() in allowed


class Realtime:
    def __init__(
        self,
        *,
        hub: Hub,
        lobby: Lobby,
        arena: Arena,
        tickets: SocketTickets,
        languages: LanguageTable,
        clock: Clock,
        limits: ConnectionLimits,
        origins: Origins,
    ) -> None:
        self.hub = hub
        self.lobby = lobby
        self.arena = arena
        self.tickets = tickets
        self.languages = languages
        self.clock = clock
        self.limits = limits
        self.origins = origins

    async def serve(self, socket: WebSocket[Any, Any, Any]) -> None:
        if not self.origins.allow(socket.headers.get("origin")):
            await _refuse(socket, CloseCode.ORIGIN_FORBIDDEN, "origin not allowed")
            return
        principal = await self._principal(socket)
        if principal is None:
            return
        connection = Connection(socket, principal, self.limits, self.clock)
        if not self.hub.admit(connection):
            limit = self.hub.settings.sockets_per_user
            await _refuse(
                socket, CloseCode.TOO_MANY_SOCKETS, f"at most {limit} sockets each"
            )
            return
        opened = self.clock.monotonic()
        try:
            await socket.accept()
            await self._run(connection)
        finally:
            await self.hub.release(connection)
            logger.info(
                "socket.closed",
                extra={
                    "user_id": principal.user_id,
                    "code": connection.close_code,
                    "seconds": round(self.clock.monotonic() - opened, 1),
                },
            )

    async def _principal(self, socket: WebSocket[Any, Any, Any]) -> Principal | None:
        ticket = socket.query_params.get("ticket")
        if not ticket:
            await _refuse(socket, CloseCode.UNAUTHENTICATED, "a ticket is required")
            return None
        try:
            return await self.tickets.redeem(ticket)
        except NotAuthenticated as error:
            await _refuse(socket, CloseCode.UNAUTHENTICATED, error.message[:120])
        except BitCodeError:
            logger.exception("socket.ticket_check_failed")
            await _refuse(socket, CloseCode.INTERNAL, "try again later")
        return None

    async def _run(self, connection: Connection) -> None:
        connection.notice("welcome", self._welcome(connection.principal))
        sender = asyncio.create_task(connection.send_forever(), name="socket-sender")
        checker = asyncio.create_task(self._recheck(connection), name="socket-check")
        reader = asyncio.create_task(self._read(connection), name="socket-reader")
        try:
            await asyncio.wait([sender, reader], return_when=asyncio.FIRST_COMPLETED)
        finally:
            checker.cancel()
            reader.cancel()
            if not sender.done():
                connection.close(CloseCode.GOING_AWAY, "")
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(sender, 5.0)
            for task in (checker, reader):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    def _welcome(self, principal: Principal) -> dict[str, Any]:
        limits = self.limits
        return {
            "user": principal.user_id,
            "protocol": 1,
            "max_message_bytes": limits.max_message_bytes,
            "messages_per_s": limits.messages_per_s,
            "burst": limits.burst,
            "presence_grace_s": self.hub.settings.presence_grace_s,
        }

    async def _recheck(self, connection: Connection) -> None:
        while not connection.closing:
            await asyncio.sleep(self.limits.recheck_every_s)
            try:
                connection.principal = await self.tickets.recheck(connection.principal)
            except NotAuthenticated:
                connection.close(CloseCode.UNAUTHENTICATED, "signed out")
            except BitCodeError:
                logger.warning("socket.recheck_failed")

    async def _read(self, connection: Connection) -> None:
        socket = connection.socket
        while not connection.closing:
            message = await socket.receive()
            if message["type"] == "websocket.disconnect":
                connection.close(CloseCode.GOING_AWAY, "")
                return
            text = message.get("text")
            if not isinstance(text, str):
                connection.close(CloseCode.UNSUPPORTED, "send JSON text frames")
                return
            if len(text) > self.limits.max_message_bytes or (
                len(text.encode()) > self.limits.max_message_bytes
            ):
                connection.close(CloseCode.TOO_BIG, "message too big")
                return
            await self._receive(connection, text)

    async def _receive(self, connection: Connection, text: str) -> None:
        if not connection.bucket.take(self.clock.monotonic()):
            connection.strikes += 1
            if connection.strikes >= self.limits.strikes:
                connection.close(CloseCode.FLOODING, "too many messages")
                return
            error = RateLimited(
                "slow down: too many messages",
                retry_after_s=1 / self.limits.messages_per_s,
            )
            self._error(connection, None, error)
            return
        try:
            incoming = p.decoder.decode(text)
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            self._malformed(connection, str(error), _readable_ref(text))
            return
        connection.strikes = max(connection.strikes - 1, 0)
        try:
            result = await self._act(connection, incoming)
        except BitCodeError as error:
            self._error(connection, incoming.ref, error)
            return
        except Exception as error:
            # A bug, not the client's fault: logged, answered, and the socket
            # stays, as a 500 leaves the next HTTP request alone.
            kind = type(incoming).__name__
            logger.exception("socket.action_crashed", extra={"client_message": kind})
            self._error(connection, incoming.ref, BitCodeError(), cause=error)
            return
        if result is not _SILENT:
            connection.notice("ack", {"ref": incoming.ref, "result": result})

    def _malformed(self, connection: Connection, detail: str, ref: str | None) -> None:
        connection.notice(
            "error",
            {
                "ref": ref,
                "type": TYPE_BASE + MALFORMED,
                "code": MALFORMED,
                "title": "Malformed message",
                "status": 400,
                "detail": detail[:300],
                "expected": p.MESSAGE_TYPES,
            },
        )

    def _error(
        self,
        connection: Connection,
        ref: str | None,
        error: BitCodeError,
        cause: Exception | None = None,
    ) -> None:
        problem = problem_for(error)
        detail = error.message if problem.status < 500 else type(error).default_message
        if problem.status >= 500 and cause is None:
            logger.error("socket.action_failed", exc_info=error)
        data: dict[str, Any] = {
            "ref": ref,
            "type": TYPE_BASE + error.code,
            "code": error.code,
            "title": problem.title,
            "status": problem.status,
            "detail": detail,
        }
        field = getattr(error, "field", None)
        if field:
            data["errors"] = [{"field": field, "message": error.message}]
        if isinstance(error, RateLimited):
            data["retry_after_s"] = error.retry_after_s
        connection.notice("error", data)

    async def _act(self, connection: Connection, incoming: p.Incoming) -> Any:
        handler = _HANDLERS[type(incoming)]
        return await handler(self, connection, incoming)

    async def view(self, room: Any, viewer: str) -> dict[str, Any]:
        online = await self.lobby.online(room.id)
        return msgspec.to_builtins(RoomView.of(room, viewer, online))  # type: ignore[no-any-return]


_SILENT = object()
Handler = Callable[[Realtime, Connection, Any], Awaitable[Any]]


async def _subscribe(rt: Realtime, conn: Connection, m: p.Subscribe) -> Any:
    joining = await rt.hub.subscribe(conn, m.channel, m.after)
    resync = m.after is not None and not joining.resumed
    try:
        conn.notice(
            "subscribed",
            {
                "ref": m.ref,
                "channel": m.channel,
                "last_seq": joining.history.last_seq,
                "resumed": joining.resumed,
                # Events after ``after`` are no longer all kept: start over.
                "resync": resync,
            },
        )
        if not joining.resumed:
            await _send_state(rt, conn, m.channel)
    finally:
        joining.go_live()
    return _SILENT


async def _send_state(rt: Realtime, conn: Connection, channel: str) -> None:
    """What a newcomer to a channel needs before its events: the room as it is
    now and the recent chat."""
    if channel.startswith("battle:"):
        battle_id = channel.split(":", 1)[1]
        seen = await rt.arena.view(conn.principal, battle_id)
        conn.notice("battle.snapshot", view_data(seen, conn.principal.user_id))
        return
    if channel.startswith("room:") and ":side:" not in channel:
        room = await rt.lobby.room(conn.principal, channel.split(":", 1)[1])
        view = await rt.view(room, conn.principal.user_id)
        conn.notice("room.snapshot", view, room=room.id)
    history = await rt.lobby.chat_history(conn.principal, channel)
    messages = [ChatMessageOut.of(message) for message in history]
    conn.notice(
        "chat.history",
        msgspec.to_builtins(ChatHistory(channel=channel, messages=messages)),
    )


async def _unsubscribe(rt: Realtime, conn: Connection, m: p.Unsubscribe) -> Any:
    return {"unsubscribed": await rt.hub.unsubscribe(conn, m.channel)}


async def _ping(rt: Realtime, conn: Connection, m: p.Ping) -> Any:
    conn.notice("pong", {"ref": m.ref})
    return _SILENT


async def _create(rt: Realtime, conn: Connection, m: p.CreateRoom) -> Any:
    settings = m.settings.to_core(rt.languages)
    room = await rt.lobby.create_room(conn.principal, settings, m.title)
    return await rt.view(room, conn.principal.user_id)


async def _join(rt: Realtime, conn: Connection, m: p.JoinRoom) -> Any:
    room = await rt.lobby.join(conn.principal, m.room, m.side, m.invite_code)
    return await rt.view(room, conn.principal.user_id)


async def _join_by_invite(rt: Realtime, conn: Connection, m: p.JoinByInvite) -> Any:
    room = await rt.lobby.join_by_invite(conn.principal, m.invite_code, m.side)
    return await rt.view(room, conn.principal.user_id)


async def _leave(rt: Realtime, conn: Connection, m: p.LeaveRoom) -> Any:
    room = await rt.lobby.leave(conn.principal, m.room)
    return {"room": room.id, "status": room.room.status.value}


async def _switch(rt: Realtime, conn: Connection, m: p.SwitchSide) -> Any:
    room = await rt.lobby.switch_side(conn.principal, m.room, m.side)
    return await rt.view(room, conn.principal.user_id)


async def _ready(rt: Realtime, conn: Connection, m: p.SetReady) -> Any:
    room = await rt.lobby.set_ready(conn.principal, m.room, m.ready)
    return await rt.view(room, conn.principal.user_id)


async def _kick(rt: Realtime, conn: Connection, m: p.KickPlayer) -> Any:
    room = await rt.lobby.kick(conn.principal, m.room, m.player)
    return await rt.view(room, conn.principal.user_id)


async def _hand_over(rt: Realtime, conn: Connection, m: p.HandOverHost) -> Any:
    room = await rt.lobby.hand_over(conn.principal, m.room, m.to)
    return await rt.view(room, conn.principal.user_id)


async def _settings(rt: Realtime, conn: Connection, m: p.ChangeSettings) -> Any:
    settings = m.settings.to_core(rt.languages)
    room = await rt.lobby.change_settings(conn.principal, m.room, settings, m.title)
    return await rt.view(room, conn.principal.user_id)


async def _start(rt: Realtime, conn: Connection, m: p.StartBattle) -> Any:
    battle = await rt.arena.start_room(conn.principal, m.room)
    room = await rt.lobby.room(conn.principal, m.room)
    return await rt.view(room, conn.principal.user_id) | {"battle": battle.id}


async def _submit(rt: Realtime, conn: Connection, m: p.Submit) -> Any:
    submission = await rt.arena.submit(
        conn.principal,
        m.battle,
        question_id=m.question,
        language=m.language,
        source=m.source.encode(),
        key=m.key,
    )
    return submission_detail(submission, with_code=False)


async def _run(rt: Realtime, conn: Connection, m: p.Run) -> Any:
    result = await rt.arena.run(
        conn.principal,
        m.battle,
        question_id=m.question,
        language=m.language,
        source=m.source.encode(),
        stdin=m.input.encode() if m.input is not None else None,
    )
    return run_data(result)


async def _forfeit(rt: Realtime, conn: Connection, m: p.Forfeit) -> Any:
    battle = await rt.arena.forfeit(conn.principal, m.battle)
    return battle_data(battle)


async def _rematch(rt: Realtime, conn: Connection, m: p.Rematch) -> Any:
    battle = await rt.arena.vote_rematch(conn.principal, m.battle)
    return battle_data(battle)


async def _mute(rt: Realtime, conn: Connection, m: p.MutePlayer) -> Any:
    room = await rt.lobby.mute(conn.principal, m.room, m.player, m.muted)
    return await rt.view(room, conn.principal.user_id)


async def _say(rt: Realtime, conn: Connection, m: p.Say) -> Any:
    message = await rt.lobby.post(conn.principal, m.channel, m.text)
    return msgspec.to_builtins(ChatMessageOut.of(message))


async def _delete(rt: Realtime, conn: Connection, m: p.DeleteMessage) -> Any:
    await rt.lobby.delete_message(conn.principal, m.channel, m.id)
    return {"deleted": m.id}


async def _queue(rt: Realtime, conn: Connection, m: p.QueueForMatch) -> Any:
    queued = await rt.lobby.queue_for_match(conn.principal, m.mode)
    return msgspec.to_builtins(MatchStatus.of(queued))


async def _leave_queue(rt: Realtime, conn: Connection, m: p.LeaveQueue) -> Any:
    return {"left": await rt.lobby.leave_queue(conn.principal)}


_HANDLERS: dict[type[Any], Handler] = {
    p.Subscribe: _subscribe,
    p.Unsubscribe: _unsubscribe,
    p.Ping: _ping,
    p.CreateRoom: _create,
    p.JoinRoom: _join,
    p.JoinByInvite: _join_by_invite,
    p.LeaveRoom: _leave,
    p.SwitchSide: _switch,
    p.SetReady: _ready,
    p.KickPlayer: _kick,
    p.HandOverHost: _hand_over,
    p.ChangeSettings: _settings,
    p.StartBattle: _start,
    p.MutePlayer: _mute,
    p.Say: _say,
    p.DeleteMessage: _delete,
    p.QueueForMatch: _queue,
    p.LeaveQueue: _leave_queue,
    p.Submit: _submit,
    p.Run: _run,
    p.Forfeit: _forfeit,
    p.Rematch: _rematch,
}


def _readable_ref(text: str) -> str | None:
    """The ``ref`` of a message that is JSON but not a valid message, so the
    client can tell which one was refused."""
    try:
        message = msgspec.json.decode(text)
    except (msgspec.DecodeError, RecursionError):
        return None
    ref = message.get("ref") if isinstance(message, dict) else None
    return ref if isinstance(ref, str) and len(ref) <= 64 else None


async def _refuse(socket: WebSocket[Any, Any, Any], code: int, reason: str) -> None:
    with contextlib.suppress(Exception):
        await socket.accept()
        await socket.close(code, reason)


async def close_for_shutdown(connection: Connection) -> None:
    connection.close(CloseCode.GOING_AWAY, "server shutting down")
