"""The instance's side of every channel: one bus subscription per channel,
however many local sockets follow it, each event encoded once and handed to
each socket's bounded queue without waiting on any of them.

The hub also keeps side channels private: when a room announces that a player
left, was kicked or changed sides, that player's sockets stop following the
channels they may no longer read before the next event is handed out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bitcode_core.arena.arena import Arena
from bitcode_core.errors import BitCodeError, NotFound
from bitcode_core.ports import Clock
from bitcode_core.rooms.channels import Channel, ChannelKind, room_channel
from bitcode_core.rooms.lobby import Lobby
from bitcode_core.rooms.ports import Envelope, EventBus, History
from bitcode_core.rooms.settings import Mode
from bitcode_http.realtime.protocol import encode_event

if TYPE_CHECKING:
    from bitcode_http.realtime.connection import Connection

logger = logging.getLogger(__name__)

# Room events after which a player may no longer read some of its channels.
_LEAVING = {"player.left", "player.kicked", "side.switched"}
_NOW = 2**62  # "after" for a subscription that starts from the newest event
_REASONS = {
    "player.left": "you left the room",
    "player.kicked": "the host removed you from the room",
    "side.switched": "you changed sides",
    "room.closed": "the room closed",
}


@dataclass(frozen=True, slots=True)
class HubSettings:
    presence_grace_s: float = 30.0
    match_every_s: float = 1.0
    sockets_per_user: int = 5


@dataclass(eq=False, slots=True)
class Subscription:
    """One socket following one channel. Until ``synced``, live events wait in
    ``pending`` while the missed ones are read from the history; a gap in the
    numbers (an event lost between instances) is filled the same way."""

    connection: Connection
    channel: str
    repair: Callable[[Subscription], None]
    last_seq: int = 0
    synced: bool = False
    pending: list[tuple[int, str]] = field(default_factory=list)

    def offer(self, seq: int, text: str) -> None:
        if not self.synced:
            self.pending.append((seq, text))
            return
        if seq <= self.last_seq:
            return
        if seq > self.last_seq + 1:
            self.synced = False
            self.pending.append((seq, text))
            self.repair(self)
            return
        self.last_seq = seq
        self.connection.push(text)

    def catch_up(self, missed: list[Envelope], start: int) -> None:
        """Send the missed events, then what arrived meanwhile, then go live."""
        self.last_seq = max(self.last_seq, start)
        self.synced = True
        for envelope in missed:
            self.offer(envelope.seq, encode_event(envelope))
        pending, self.pending = self.pending, []
        for seq, text in sorted(pending):
            self.offer(seq, text)


@dataclass(frozen=True, slots=True)
class Joining:
    subscription: Subscription
    history: History
    resumed_after: int | None  # None: starting from the newest event

    @property
    def resumed(self) -> bool:
        return self.resumed_after is not None

    def go_live(self) -> None:
        if self.resumed_after is None:
            self.subscription.catch_up([], self.history.last_seq)
        else:
            self.subscription.catch_up(list(self.history.events), self.resumed_after)


class Hub:
    def __init__(
        self,
        bus: EventBus,
        lobby: Lobby,
        clock: Clock,
        settings: HubSettings,
        arena: Arena | None = None,
    ) -> None:
        self._bus = bus
        self._lobby = lobby
        self._arena = arena
        self._clock = clock
        self.settings = settings
        self._subscriptions: defaultdict[str, set[Subscription]] = defaultdict(set)
        self._on_bus: set[str] = set()  # channels fanned out to local sockets
        self._guarded: dict[str, int] = {}  # rooms watched for who may read
        self._locks = [asyncio.Lock() for _ in range(64)]
        self._connections: defaultdict[str, set[Connection]] = defaultdict(set)
        self._graces: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._ticker: asyncio.Task[None] | None = None

    # Sockets

    def admit(self, connection: Connection) -> bool:
        """Count a new socket; False when its player has too many already."""
        sockets = self._connections[connection.principal.user_id]
        if len(sockets) >= self.settings.sockets_per_user:
            return False
        sockets.add(connection)
        return True

    async def release(self, connection: Connection) -> None:
        user = connection.principal.user_id
        self._connections[user].discard(connection)
        if not self._connections[user]:
            del self._connections[user]
        for channel in list(connection.subscriptions):
            await self.unsubscribe(connection, channel)

    # Channels

    async def subscribe(
        self, connection: Connection, channel: str, after: int | None
    ) -> Joining:
        """Start following ``channel``: live events wait in the subscription
        until ``Joining.go_live``, so the caller can send what comes first.
        Following it again replaces the earlier subscription."""
        parsed = await self._authorize(connection, channel)
        earlier = connection.subscriptions.pop(channel, None)
        if earlier is not None:
            self._subscriptions[channel].discard(earlier)
        subscription = Subscription(connection, channel, self._repair)
        async with self._lock(channel):
            self._subscriptions[channel].add(subscription)
            if channel not in self._on_bus:
                await self._bus.subscribe(channel, self._dispatch)
                self._on_bus.add(channel)
        connection.subscriptions[channel] = subscription
        if earlier is None and parsed.room_id is not None:
            await self._guard(parsed.room_id)
        try:
            history = await self._bus.history(channel, _NOW if after is None else after)
            await self._mark_present(connection, parsed)
        except BaseException:
            await self.unsubscribe(connection, channel)
            raise
        # An ``after`` beyond the newest event is from before a restart or an
        # expired channel: the client starts over rather than wait for it.
        resumed = after is not None and history.complete and after <= history.last_seq
        return Joining(subscription, history, after if resumed else None)

    async def _authorize(self, connection: Connection, channel: str) -> Channel:
        parsed = Channel.parse(channel)
        if parsed.kind is not ChannelKind.BATTLE:
            return await self._lobby.authorize(connection.principal, channel)
        if self._arena is None:
            raise NotFound("this server runs no battles")
        await self._arena.authorize(connection.principal, str(parsed.battle_id))
        return parsed

    async def unsubscribe(self, connection: Connection, channel: str) -> bool:
        subscription = connection.subscriptions.pop(channel, None)
        if subscription is None:
            return False
        await self._drop(subscription)
        place = _place(Channel.parse(channel))
        if place is not None and place in connection.present:
            connection.present.discard(place)
            await self._left(connection.principal.user_id, place)
        return True

    async def _drop(self, subscription: Subscription) -> None:
        channel = subscription.channel
        async with self._lock(channel):
            subscribers = self._subscriptions.get(channel, set())
            subscribers.discard(subscription)
            if not subscribers:
                self._subscriptions.pop(channel, None)
                if channel in self._on_bus:
                    self._on_bus.discard(channel)
                    await self._bus.unsubscribe(channel, self._dispatch)
        room_id = Channel.parse(channel).room_id
        if room_id is not None:
            await self._unguard(room_id)

    def _lock(self, channel: str) -> asyncio.Lock:
        return self._locks[hash(channel) % len(self._locks)]

    def _dispatch(self, envelope: Envelope) -> None:
        text = encode_event(envelope)
        for subscription in list(self._subscriptions.get(envelope.channel, ())):
            subscription.offer(envelope.seq, text)

    def _repair(self, subscription: Subscription) -> None:
        self._spawn(self._fill_gap(subscription))

    async def _fill_gap(self, subscription: Subscription) -> None:
        missed = await self._bus.history(subscription.channel, subscription.last_seq)
        if not missed.complete:
            subscription.connection.notice(
                "resync",
                {"channel": subscription.channel, "last_seq": missed.last_seq},
            )
            subscription.catch_up([], missed.last_seq)
            return
        subscription.catch_up(list(missed.events), subscription.last_seq)

    # Who may read what: the room's own events, followed by the hub whenever
    # a local socket follows the room or one of its sides.

    async def _guard(self, room_id: str) -> None:
        channel = room_channel(room_id)
        async with self._lock(channel):
            count = self._guarded.get(room_id, 0)
            self._guarded[room_id] = count + 1
            if count == 0:
                await self._bus.subscribe(channel, self._enforce)

    async def _unguard(self, room_id: str) -> None:
        channel = room_channel(room_id)
        async with self._lock(channel):
            count = self._guarded.get(room_id, 0) - 1
            if count > 0:
                self._guarded[room_id] = count
                return
            if self._guarded.pop(room_id, None) is not None:
                await self._bus.unsubscribe(channel, self._enforce)

    def _enforce(self, envelope: Envelope) -> None:
        room_id = envelope.room
        if room_id is None or envelope.channel != room_channel(room_id):
            return
        if envelope.type in _LEAVING or envelope.type == "room.closed":
            self._cut_leaver(envelope, room_id)
        elif envelope.type == "player.joined":
            self._seated(room_id, envelope.data.get("player"))
        elif envelope.type == "settings.changed":
            self._spawn(self._reauthorize(room_id))

    def _cut_leaver(self, envelope: Envelope, room_id: str) -> None:
        player = envelope.data.get("player")
        closed = envelope.type == "room.closed"
        # Who leaves stops following the room (a private one is theirs no more)
        # and its side channels; who switches sides, the side channels.
        prefixes = [f"room:{room_id}:side:"]
        if envelope.type != "side.switched":
            prefixes.append(envelope.channel)
        # A side the player just moved to stays: its subscription may be newer
        # than this event where the event came through Redis.
        kept = f"room:{room_id}:side:{envelope.data.get('to_side')}"
        for channel, subscriptions in list(self._subscriptions.items()):
            if not any(channel.startswith(prefix) for prefix in prefixes):
                continue
            if envelope.type == "side.switched" and channel == kept:
                continue
            for subscription in list(subscriptions):
                if closed or subscription.connection.principal.user_id == player:
                    self._cut(subscription, room_id, _REASONS[envelope.type])

    def _seated(self, room_id: str, player: object) -> None:
        """A watcher who takes a seat counts as present from now on."""
        for subscription in list(self._subscriptions.get(room_channel(room_id), ())):
            connection = subscription.connection
            if connection.principal.user_id == player and (
                room_id not in connection.present
            ):
                connection.present.add(room_id)
                self._spawn(self._lobby.connected(str(player), room_id))

    async def _reauthorize(self, room_id: str) -> None:
        """Settings changed (the room may have turned private): whoever may no
        longer see it stops following it."""
        for channel, subscriptions in list(self._subscriptions.items()):
            if Channel.parse(channel).room_id != room_id:
                continue
            for subscription in list(subscriptions):
                try:
                    await self._lobby.authorize(
                        subscription.connection.principal, channel
                    )
                except BitCodeError:
                    self._cut(subscription, room_id, "the room is private now")

    def _cut(self, subscription: Subscription, room_id: str, reason: str) -> None:
        """Stop a subscription now (no event reaches it after this line) and
        release the bus subscription in the background."""
        connection, channel = subscription.connection, subscription.channel
        self._subscriptions[channel].discard(subscription)
        if connection.subscriptions.get(channel) is not subscription:
            return
        del connection.subscriptions[channel]
        connection.notice("unsubscribed", {"channel": channel, "reason": reason})
        self._spawn(self._drop(subscription))
        if channel == room_channel(room_id) and room_id in connection.present:
            connection.present.discard(room_id)
            self._spawn(self._left(connection.principal.user_id, room_id))

    # Presence

    # Presence is kept per place: a room (its id) or a battle ("battle:ID").
    # A player counts as present while one of their sockets follows the
    # place's channel; the grace starts when the last one stops.

    async def _mark_present(self, connection: Connection, channel: Channel) -> None:
        place = _place(channel)
        if place is None or place in connection.present:
            return
        player = connection.principal.user_id
        if channel.kind is ChannelKind.BATTLE:
            if self._arena is None:
                return
            battle_id = str(channel.battle_id)
            battle = await self._arena.authorize(connection.principal, battle_id)
            if player not in battle.players:
                return
            self._back(connection, player, place)
            await self._arena.connected(player, battle_id)
            return
        room = await self._lobby.room(connection.principal, place)
        if player in room.room.players:
            self._back(connection, player, place)
            await self._lobby.connected(player, place)

    def _back(self, connection: Connection, player: str, place: str) -> None:
        connection.present.add(place)
        grace = self._graces.pop((player, place), None)
        if grace is not None:
            grace.cancel()  # back in time

    async def _disconnected(self, player: str, place: str) -> bool:
        battle_id = place.removeprefix("battle:")
        if battle_id != place and self._arena is not None:
            return await self._arena.disconnected(player, battle_id)
        return await self._lobby.disconnected(player, place)

    async def _left(self, player: str, room_id: str) -> None:
        try:
            gone = await self._disconnected(player, room_id)
        except BitCodeError:
            logger.warning("presence.update_failed", extra={"room": room_id})
            return
        if not gone:
            return
        key = (player, room_id)
        earlier = self._graces.pop(key, None)
        if earlier is not None:
            earlier.cancel()  # the grace counts from the last socket closed
        task = asyncio.ensure_future(_logged(self._grace(player, room_id)))
        self._graces[key] = task
        task.add_done_callback(lambda done: self._forget_grace(key, done))

    def _forget_grace(self, key: tuple[str, str], task: asyncio.Task[None]) -> None:
        if self._graces.get(key) is task:
            del self._graces[key]

    async def _grace(self, player: str, place: str) -> None:
        await asyncio.sleep(self.settings.presence_grace_s)
        battle_id = place.removeprefix("battle:")
        if battle_id != place and self._arena is not None:
            await self._arena.grace_over(player, battle_id)
        else:
            await self._lobby.grace_over(player, place)

    # Background work

    def start(self) -> None:
        if self._ticker is None:
            self._ticker = asyncio.create_task(self._match_forever(), name="matcher")

    async def _match_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.match_every_s)
            for mode in Mode:
                try:
                    await self._lobby.match(mode)
                except Exception:
                    logger.exception("match.failed", extra={"mode": mode.value})

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(_logged(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self, closing: Callable[[Connection], Awaitable[None]]) -> None:
        """Stop the background work and close every socket with ``closing``."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        for sockets in list(self._connections.values()):
            for connection in list(sockets):
                await closing(connection)
        pending = [*self._tasks, *self._graces.values()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


def _place(channel: Channel) -> str | None:
    """Where following ``channel`` makes a player present, if anywhere."""
    if channel.kind is ChannelKind.ROOM:
        return channel.room_id
    if channel.kind is ChannelKind.BATTLE:
        return f"battle:{channel.battle_id}"
    return None


async def _logged(work: Awaitable[None]) -> None:
    try:
        await work
    except asyncio.CancelledError:
        raise
    except Exception:
        logger.exception("hub.task_failed")
