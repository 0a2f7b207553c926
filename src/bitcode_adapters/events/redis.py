"""Events through Redis, so clients of every server instance share channels.

One Lua script numbers an event, keeps it in the channel's history (a sorted
set by ``seq``, trimmed to the newest ``keep``) and publishes it, atomically:
Redis runs scripts one at a time, so a channel's events are published in
``seq`` order. Each instance holds one pub/sub connection, subscribed to the
channels its local listeners follow. If that connection breaks, the reader
reconnects, resubscribes and fills any gap from the history, so a listener
still sees every event once and in order.

Keys (after the prefix): ``seq:CHANNEL``, ``history:CHANNEL``; pub/sub
channels: ``ev:CHANNEL``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from bitcode_adapters.events.fanout import Listeners
from bitcode_core.errors import BitCodeError
from bitcode_core.ports import Clock
from bitcode_core.rooms.ports import Envelope, EventData, History, Listener

logger = logging.getLogger(__name__)

HISTORY_TTL_S = 24 * 60 * 60

# KEYS: seq, history; ARGV: pub/sub channel, the envelope's JSON before and
# after its seq, how many to keep, the keys' lifetime. Channel names and types
# are plain words (the channel pattern and code constants), so splicing is safe.
_PUBLISH = """
local seq = redis.call('INCR', KEYS[1])
local payload = ARGV[2] .. seq .. ARGV[3]
redis.call('ZADD', KEYS[2], seq, payload)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[4]) - 1)
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('PUBLISH', ARGV[1], payload)
return seq
"""


class EventBusUnavailable(BitCodeError):
    code = "event-bus-unavailable"
    default_message = "The event bus cannot be reached."


class _Wire(msgspec.Struct, frozen=True):
    channel: str
    seq: int
    type: str
    time: float
    data: dict[str, Any]


_decoder = msgspec.json.Decoder(_Wire)
_encoder = msgspec.json.Encoder()


def _envelope(payload: bytes) -> Envelope:
    wire = _decoder.decode(payload)
    return Envelope(wire.channel, wire.seq, wire.type, wire.time, wire.data)


class RedisEventBus:
    def __init__(
        self,
        redis: Redis,
        clock: Clock,
        prefix: str = "bitcode:events:",
        keep: int = 1000,
        reconnect_s: float = 0.5,
    ) -> None:
        self._redis = redis
        self._clock = clock
        self._prefix = prefix
        self._keep = keep
        self._reconnect_s = reconnect_s
        self._publish = redis.register_script(_PUBLISH)
        self._listeners = Listeners()
        self._last_seq: dict[str, int] = {}
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._subscribing = asyncio.Lock()

    def _topic(self, channel: str) -> str:
        return f"{self._prefix}ev:{channel}"

    async def publish(self, channel: str, type: str, data: EventData) -> Envelope:
        now = self._clock.now()
        head = f'{{"channel":"{channel}","type":"{type}","time":{now!r},"seq":'
        tail = b',"data":' + _encoder.encode(data) + b"}"
        try:
            seq = await self._publish(
                keys=[self._key("seq", channel), self._key("history", channel)],
                args=[self._topic(channel), head, tail, self._keep, HISTORY_TTL_S],
            )
        except RedisError as error:
            raise self._unavailable(error) from error
        return Envelope(channel, int(seq), type, now, data)

    async def history(self, channel: str, after_seq: int) -> History:
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.get(self._key("seq", channel))
                pipe.zrange(self._key("history", channel), 0, 0, withscores=True)
                pipe.zrangebyscore(
                    self._key("history", channel), f"({after_seq}", "+inf"
                )
                last, oldest, payloads = await pipe.execute()
        except RedisError as error:
            raise self._unavailable(error) from error
        last_seq = int(last or 0)
        oldest_seq = int(oldest[0][1]) if oldest else last_seq + 1
        events = [_envelope(p) for p in payloads]
        complete = after_seq >= last_seq or oldest_seq <= after_seq + 1
        return History(events, complete, last_seq)

    async def subscribe(self, channel: str, listener: Listener) -> None:
        async with self._subscribing:
            first = self._listeners.add(channel, listener)
            if not first:
                return
            try:
                pubsub = await self._connected()
                await pubsub.subscribe(self._topic(channel))
            except RedisError as error:
                self._listeners.discard(channel, listener)
                raise self._unavailable(error) from error

    async def unsubscribe(self, channel: str, listener: Listener) -> None:
        async with self._subscribing:
            if not self._listeners.discard(channel, listener):
                return
            self._last_seq.pop(channel, None)
            if self._pubsub is not None:
                with contextlib.suppress(RedisError):
                    await self._pubsub.unsubscribe(self._topic(channel))

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        if self._pubsub is not None:
            with contextlib.suppress(RedisError):
                await self._pubsub.aclose()
            self._pubsub = None

    async def _connected(self) -> PubSub:
        if self._pubsub is None:
            self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read(), name="event-bus-reader")
        return self._pubsub

    async def _read(self) -> None:
        while True:
            try:
                await self._pump()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.warning("event_bus.reconnecting", extra={"error": repr(error)})
                await asyncio.sleep(self._reconnect_s)
                with contextlib.suppress(Exception):
                    await self._resubscribe()

    async def _pump(self) -> None:
        pubsub = self._pubsub
        while pubsub is not None:
            if not pubsub.subscribed:
                await asyncio.sleep(0.05)
                pubsub = self._pubsub
                continue
            message = await pubsub.get_message(timeout=1.0)
            if message is not None and message.get("type") == "message":
                await self._deliver(_envelope(message["data"]))
            pubsub = self._pubsub

    async def _deliver(self, envelope: Envelope) -> None:
        last = self._last_seq.get(envelope.channel)
        if last is not None and envelope.seq <= last:
            return  # seen already (resent while filling a gap)
        if last is not None and envelope.seq > last + 1:
            await self._fill(envelope.channel, last)
            if envelope.seq <= self._last_seq.get(envelope.channel, 0):
                return
        self._last_seq[envelope.channel] = envelope.seq
        self._listeners.deliver(envelope)

    async def _fill(self, channel: str, after_seq: int) -> None:
        missed = await self.history(channel, after_seq)
        if not missed.complete:
            logger.warning(
                "event_bus.gap_lost", extra={"channel": channel, "after": after_seq}
            )
        for envelope in missed.events:
            if envelope.seq > self._last_seq.get(channel, 0):
                self._last_seq[channel] = envelope.seq
                self._listeners.deliver(envelope)

    async def _resubscribe(self) -> None:
        async with self._subscribing:
            old, self._pubsub = (
                self._pubsub,
                self._redis.pubsub(ignore_subscribe_messages=True),
            )
            if old is not None:
                with contextlib.suppress(Exception):
                    await old.aclose()
            channels = self._listeners.channels()
            if channels:
                await self._pubsub.subscribe(*[self._topic(c) for c in channels])
        for channel in channels:
            last = self._last_seq.get(channel)
            if last is not None:
                await self._fill(channel, last)
        logger.info("event_bus.resubscribed", extra={"channels": len(channels)})

    def _key(self, kind: str, channel: str) -> str:
        return f"{self._prefix}{kind}:{channel}"

    def _unavailable(self, error: RedisError) -> EventBusUnavailable:
        logger.warning("event_bus.unavailable", extra={"error": repr(error)})
        return EventBusUnavailable()
