"""The lobby's stores in Redis, shared by every server instance.

A room is one JSON value; a change reads it under ``WATCH`` and writes it back
in a ``MULTI`` block, so of two instances seating players at once one commits
and the other re-runs its change on the newer room: the last seat is never
given twice. Keys (after the prefix):

    room:ID            the room's JSON            rooms:open  ids by creation
    room-invite:CODE   the room id                seat:PLAYER the room
    chat:CHANNEL       recent messages (a list)   presence:ROOM  sockets
    match:MODE         tickets by player (hash)   match-of:PLAYER  its mode
    match-lock:MODE    the matcher's lock

Rooms and seats expire a day after their last change, so a room abandoned by
a crashed instance does not stay listed for ever.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError, WatchError

from bitcode_adapters.rooms.codec import (
    decode_message,
    decode_room,
    decode_ticket,
    encode_message,
    encode_room,
    encode_ticket,
)
from bitcode_core.errors import (
    BitCodeError,
    Conflict,
    RoomNotFound,
    RoomRuleViolation,
)
from bitcode_core.rooms.events import RoomEvent
from bitcode_core.rooms.lobby_room import LobbyRoom
from bitcode_core.rooms.model import RoomStatus
from bitcode_core.rooms.ports import ChatMessage, MatchTicket, RoomChange
from bitcode_core.rooms.settings import Mode

logger = logging.getLogger(__name__)

ROOM_TTL_S = 24 * 60 * 60
_MAX_ATTEMPTS = 50
_LIST_LIMIT = 1000

# KEYS[1]: a seat; ARGV[1]: the room it must still point at to be freed.
_FREE_SEAT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""
# KEYS[1]: a room's socket counts; ARGV: the player, +1 or -1, the lifetime.
# A count that reaches zero is removed in the same step, so a connect racing a
# disconnect is never lost.
_COUNT_SOCKETS = """
local count = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
if count <= 0 then
    redis.call('HDEL', KEYS[1], ARGV[1])
    count = 0
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return count
"""
# KEYS[1]: a lock; ARGV[1]: its holder's token.
_RELEASE = _FREE_SEAT


@asynccontextmanager
async def _held(redis: Redis, key: str, ttl_ms: int = 5000) -> AsyncIterator[None]:
    """A lock in Redis. It expires after ``ttl_ms`` so that an instance that
    dies holding it does not block the others for longer."""
    token = secrets.token_hex(16)
    release = redis.register_script(_RELEASE)
    try:
        while not await redis.set(key, token, nx=True, px=ttl_ms):
            await asyncio.sleep(0.002 + secrets.randbelow(5) / 1000)
    except RedisError as error:
        raise _unavailable(error) from error
    try:
        yield
    finally:
        try:
            await release(keys=[key], args=[token])
        except RedisError as error:
            raise _unavailable(error) from error


class LobbyStoreUnavailable(BitCodeError):
    code = "lobby-store-unavailable"
    default_message = "The lobby's store cannot be reached."


def _raw(value: object) -> bytes:
    """A stored value as bytes, whichever way the client decodes answers."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    raise TypeError(f"unexpected Redis value {type(value).__name__}")


def _text(value: object) -> str:
    return _raw(value).decode()


def _unavailable(error: RedisError) -> LobbyStoreUnavailable:
    logger.warning("lobby_store.unavailable", extra={"error": repr(error)})
    return LobbyStoreUnavailable()


class RedisRoomRepository:
    def __init__(self, redis: Redis, prefix: str = "bitcode:lobby:") -> None:
        self._redis = redis
        self._prefix = prefix
        self._free_seat = redis.register_script(_FREE_SEAT)

    def _room(self, room_id: str) -> str:
        return f"{self._prefix}room:{room_id}"

    def _invite(self, code: str) -> str:
        return f"{self._prefix}room-invite:{code}"

    def _seat(self, player: str) -> str:
        return f"{self._prefix}seat:{player}"

    @property
    def _open(self) -> str:
        return f"{self._prefix}rooms:open"

    async def add(self, room: LobbyRoom) -> None:
        try:
            created = await self._redis.set(
                self._invite(room.room.invite_code), room.id, nx=True, ex=ROOM_TTL_S
            )
            if not created:
                raise Conflict("a room with that invite code exists")
            for _ in range(_MAX_ATTEMPTS):
                try:
                    await self._add_once(room)
                    return
                except WatchError:
                    continue  # a newcomer's seat changed: look again
                except RoomRuleViolation:
                    await self._redis.delete(self._invite(room.room.invite_code))
                    raise
        except RedisError as error:
            raise _unavailable(error) from error
        raise LobbyStoreUnavailable("the lobby is too busy; try again")

    async def _add_once(self, room: LobbyRoom) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            await self._claim_seats(pipe, room, set())
            pipe.multi()  # type: ignore[no-untyped-call]
            pipe.set(self._room(room.id), encode_room(room), ex=ROOM_TTL_S)
            pipe.zadd(self._open, {room.id: room.created_at})
            for player in room.room.players:
                pipe.set(self._seat(player), room.id, ex=ROOM_TTL_S)
            await pipe.execute()

    async def get(self, room_id: str) -> LobbyRoom | None:
        try:
            data = await self._redis.get(self._room(room_id))
        except RedisError as error:
            raise _unavailable(error) from error
        return None if data is None else decode_room(_raw(data))

    async def by_invite(self, invite_code: str) -> LobbyRoom | None:
        try:
            room_id = await self._redis.get(self._invite(invite_code))
        except RedisError as error:
            raise _unavailable(error) from error
        return None if room_id is None else await self.get(_text(room_id))

    async def change(
        self, room_id: str, change: RoomChange
    ) -> tuple[LobbyRoom, Sequence[RoomEvent]]:
        key = self._room(room_id)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                for _ in range(_MAX_ATTEMPTS):
                    try:
                        return await self._change_once(pipe, key, room_id, change)
                    except WatchError:
                        await asyncio.sleep(secrets.randbelow(5) / 1000)
        except RedisError as error:
            raise _unavailable(error) from error
        raise LobbyStoreUnavailable("the room is changing too often; try again")

    async def _change_once(
        self, pipe: Pipeline, key: str, room_id: str, change: RoomChange
    ) -> tuple[LobbyRoom, Sequence[RoomEvent]]:
        await pipe.watch(key)
        data = await pipe.get(key)
        if data is None:
            await pipe.unwatch()  # type: ignore[no-untyped-call]
            raise RoomNotFound()
        room = decode_room(_raw(data))
        before = set(room.room.players)
        try:
            events = change(room)
        except BaseException:
            await pipe.unwatch()  # type: ignore[no-untyped-call]
            raise
        seated = await self._claim_seats(pipe, room, before)

        pipe.multi()  # type: ignore[no-untyped-call]
        pipe.set(key, encode_room(room), ex=ROOM_TTL_S)
        if room.room.status is RoomStatus.OPEN:
            pipe.zadd(self._open, {room_id: room.created_at})  # it may reopen
        else:
            pipe.zrem(self._open, room_id)
        for player in before - seated:
            await self._free_seat(
                keys=[self._seat(player)], args=[room_id], client=pipe
            )
        for player in seated:
            pipe.set(self._seat(player), room_id, ex=ROOM_TTL_S)
        await pipe.execute()
        return room, events

    @asynccontextmanager
    async def announcing(self, room_id: str) -> AsyncIterator[None]:
        async with _held(self._redis, f"{self._prefix}room-lock:{room_id}"):
            yield

    async def _claim_seats(
        self, pipe: Pipeline, room: LobbyRoom, before: set[str]
    ) -> set[str]:
        """The players the room now holds, having checked (under ``WATCH``,
        so the check holds until the write) that no newcomer sits elsewhere."""
        seated = set(room.room.players)
        newcomers = sorted(seated - before)
        if newcomers:
            await pipe.watch(*[self._seat(p) for p in newcomers])
            for player in newcomers:
                elsewhere = await pipe.get(self._seat(player))
                if elsewhere is not None and _text(elsewhere) != room.id:
                    await pipe.unwatch()  # type: ignore[no-untyped-call]
                    raise RoomRuleViolation("leave your current room first")
        return seated

    async def remove(self, room_id: str) -> None:
        room = await self.get(room_id)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(self._room(room_id))
                pipe.zrem(self._open, room_id)
                if room is not None:
                    pipe.delete(self._invite(room.room.invite_code))
                    for player in room.room.players:
                        await self._free_seat(
                            keys=[self._seat(player)], args=[room_id], client=pipe
                        )
                await pipe.execute()
        except RedisError as error:
            raise _unavailable(error) from error

    async def list_open(self) -> Sequence[LobbyRoom]:
        try:
            ids = await self._redis.zrevrange(self._open, 0, _LIST_LIMIT - 1)
            if not ids:
                return []
            values = await self._redis.mget([self._room(_text(i)) for i in ids])
        except RedisError as error:
            raise _unavailable(error) from error
        rooms = [decode_room(_raw(v)) for v in values if v is not None]
        gone = [_raw(i) for i, v in zip(ids, values, strict=True) if v is None]
        if gone:
            await self._forget_listed(gone)
        return [r for r in rooms if r.room.status is RoomStatus.OPEN]

    async def _forget_listed(self, ids: list[bytes]) -> None:
        try:
            await self._redis.zrem(self._open, *ids)
        except RedisError as error:
            raise _unavailable(error) from error

    async def room_of(self, player: str) -> str | None:
        try:
            room_id = await self._redis.get(self._seat(player))
        except RedisError as error:
            raise _unavailable(error) from error
        return None if room_id is None else _text(room_id)


class RedisChatLog:
    def __init__(self, redis: Redis, prefix: str = "bitcode:lobby:") -> None:
        self._redis = redis
        self._prefix = prefix

    def _key(self, channel: str) -> str:
        return f"{self._prefix}chat:{channel}"

    async def append(self, message: ChatMessage, keep: int) -> None:
        key = self._key(message.channel)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.rpush(key, encode_message(message))
                pipe.ltrim(key, -keep, -1)
                pipe.expire(key, ROOM_TTL_S)
                await pipe.execute()
        except RedisError as error:
            raise _unavailable(error) from error

    async def recent(self, channel: str, limit: int) -> Sequence[ChatMessage]:
        if limit <= 0:
            return []
        try:
            values = await self._redis.lrange(self._key(channel), -limit, -1)
        except RedisError as error:
            raise _unavailable(error) from error
        return [decode_message(_raw(v)) for v in values]

    async def delete(self, channel: str, message_id: str) -> ChatMessage | None:
        key = self._key(channel)
        try:
            for value in await self._redis.lrange(key, 0, -1):
                message = decode_message(_raw(value))
                if message.id == message_id:
                    await self._redis.lrem(key, 1, _raw(value))  # type: ignore[arg-type]
                    return message
        except RedisError as error:
            raise _unavailable(error) from error
        return None


class RedisMatchQueue:
    def __init__(
        self,
        redis: Redis,
        prefix: str = "bitcode:lobby:",
        lock_ttl_s: float = 10.0,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._lock_ttl_ms = int(lock_ttl_s * 1000)

    def _queue(self, mode: Mode) -> str:
        return f"{self._prefix}match:{mode.value}"

    def _mode_of(self, player: str) -> str:
        return f"{self._prefix}match-of:{player}"

    def locked(self, mode: Mode) -> AbstractAsyncContextManager[None]:
        key = f"{self._prefix}match-lock:{mode.value}"
        return _held(self._redis, key, self._lock_ttl_ms)

    async def put(self, ticket: MatchTicket) -> None:
        await self.cancel(ticket.player)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(
                    self._queue(ticket.mode), ticket.player, encode_ticket(ticket)
                )
                pipe.set(self._mode_of(ticket.player), ticket.mode.value)
                await pipe.execute()
        except RedisError as error:
            raise _unavailable(error) from error

    async def cancel(self, player: str) -> bool:
        try:
            mode = await self._redis.getdel(self._mode_of(player))
            if mode is None:
                return False
            removed = await self._redis.hdel(self._queue(Mode(_text(mode))), player)
        except RedisError as error:
            raise _unavailable(error) from error
        return bool(removed)

    async def ticket_of(self, player: str) -> MatchTicket | None:
        try:
            mode = await self._redis.get(self._mode_of(player))
            if mode is None:
                return None
            data = await self._redis.hget(self._queue(Mode(_text(mode))), player)
        except RedisError as error:
            raise _unavailable(error) from error
        return None if data is None else decode_ticket(_raw(data))

    async def tickets(self, mode: Mode) -> Sequence[MatchTicket]:
        try:
            values = await self._redis.hvals(self._queue(mode))
        except RedisError as error:
            raise _unavailable(error) from error
        return [decode_ticket(_raw(v)) for v in values]

    async def take(self, mode: Mode, players: Sequence[str]) -> None:
        if not players:
            return
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hdel(self._queue(mode), *players)
                pipe.delete(*[self._mode_of(p) for p in players])
                await pipe.execute()
        except RedisError as error:
            raise _unavailable(error) from error


class RedisPresence:
    """Socket counts per room and player. An instance that dies without closing
    its sockets leaves its counts behind until the room's key expires."""

    def __init__(self, redis: Redis, prefix: str = "bitcode:lobby:") -> None:
        self._redis = redis
        self._prefix = prefix
        self._count = redis.register_script(_COUNT_SOCKETS)

    def _key(self, room_id: str) -> str:
        return f"{self._prefix}presence:{room_id}"

    async def connect(self, room_id: str, player: str) -> int:
        return await self._add(room_id, player, 1)

    async def disconnect(self, room_id: str, player: str) -> int:
        return await self._add(room_id, player, -1)

    async def _add(self, room_id: str, player: str, step: int) -> int:
        try:
            count = await self._count(
                keys=[self._key(room_id)], args=[player, step, ROOM_TTL_S]
            )
        except RedisError as error:
            raise _unavailable(error) from error
        return int(count)

    async def online(self, room_id: str) -> frozenset[str]:
        try:
            counts = await self._redis.hgetall(self._key(room_id))
        except RedisError as error:
            raise _unavailable(error) from error
        return frozenset(_text(p) for p, n in counts.items() if int(n) > 0)
