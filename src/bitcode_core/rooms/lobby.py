"""The lobby's use cases: rooms, chat, presence and quick match.

Every action checks, changes the stored room atomically through the
repository, then announces what happened on the room's channel (and on the
lobby's, for public rooms). The HTTP routes and the WebSocket call the same
methods, so both follow the same rules and raise the same errors.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from bitcode_core.accounts.model import Principal, Role
from bitcode_core.accounts.ports import RateLimiter, Secrets, UserRepository
from bitcode_core.catalog.model import QuestionFilter
from bitcode_core.catalog.ports import QuestionCatalog
from bitcode_core.elo import EloRules
from bitcode_core.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    RoomNotFound,
    RoomRuleViolation,
)
from bitcode_core.languages import LanguageTable
from bitcode_core.ports import Clock
from bitcode_core.rooms.announce import announcement, summary_data
from bitcode_core.rooms.channels import (
    LOBBY,
    Channel,
    ChannelKind,
    room_channel,
    user_channel,
)
from bitcode_core.rooms.events import RoomEvent
from bitcode_core.rooms.lobby_room import MAX_TITLE, LobbyRoom
from bitcode_core.rooms.matchmaking import (
    QUICK_MATCH_SHAPES,
    MatchRules,
    balanced_sides,
    find_matches,
)
from bitcode_core.rooms.model import Room, RoomStatus
from bitcode_core.rooms.ports import (
    ChatLog,
    ChatMessage,
    EventBus,
    MatchQueue,
    MatchTicket,
    Presence,
    RatingReader,
    RoomChange,
    RoomRepository,
)
from bitcode_core.rooms.settings import (
    ChosenQuestions,
    Mode,
    RandomQuestions,
    RoomSettings,
)

# Invite codes: 10 symbols of 32 (50 bits), without O, 1, I and L, which are
# read for 0 and one another.
_INVITE_ALPHABET = "023456789ABCDEFGHJKMNPQRSTUVWXYZ"
_INVITE_LENGTH = 10


@dataclass(frozen=True, slots=True)
class LobbySettings:
    chat_max_chars: int = 500
    chat_keep: int = 100  # messages kept per channel for newcomers
    chat_history: int = 50  # sent on joining a channel
    chat_burst: int = 5  # messages per player ...
    chat_window_s: float = 5.0  # ... per this many seconds
    quick_match_time_limit_s: int = 1800
    match_rules: MatchRules = field(default_factory=MatchRules)


@dataclass(frozen=True, slots=True)
class RoomQuery:
    mode: Mode | None = None
    rated: bool | None = None
    has_space: bool | None = None
    language: str | None = None
    text: str | None = None  # in the title, case-insensitively
    cursor: str | None = None  # the previous page's ``next_cursor``
    limit: int = 50


@dataclass(frozen=True, slots=True)
class RoomPage:
    rooms: tuple[LobbyRoom, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class QueuedMatch:
    ticket: MatchTicket
    room_id: str | None  # set when the queue matched at once


class Lobby:
    def __init__(
        self,
        *,
        rooms: RoomRepository,
        bus: EventBus,
        chat: ChatLog,
        queue: MatchQueue,
        presence: Presence,
        users: UserRepository,
        catalog: QuestionCatalog,
        languages: LanguageTable,
        ratings: RatingReader,
        limiter: RateLimiter,
        secrets: Secrets,
        clock: Clock,
        settings: LobbySettings | None = None,
        elo: EloRules | None = None,
    ) -> None:
        self._rooms = rooms
        self._bus = bus
        self._chat = chat
        self._queue = queue
        self._presence = presence
        self._users = users
        self._catalog = catalog
        self._languages = languages
        self._ratings = ratings
        self._limiter = limiter
        self._secrets = secrets
        self._clock = clock
        self.settings = settings or LobbySettings()
        self._elo = elo or EloRules()

    # Rooms

    async def create_room(
        self, player: Principal, settings: RoomSettings, title: str = ""
    ) -> LobbyRoom:
        name = await self._name_of(player.user_id)
        title = _check_title(title) or f"{name}'s {settings.mode.value}"
        await self._check_settings(settings)
        await self._check_not_seated(player.user_id)

        room = Room.open(
            self._secrets.new_id(), self._invite_code(), player.user_id, settings
        )
        lobby_room = LobbyRoom(
            room, title, self._clock.now(), names={player.user_id: name}
        )
        await self._rooms.add(lobby_room)
        await self._announce_listing(lobby_room)
        return lobby_room

    async def room(self, viewer: Principal | None, room_id: str) -> LobbyRoom:
        lobby_room = await self._rooms.get(room_id)
        if lobby_room is None or not _may_see(lobby_room, viewer):
            raise RoomNotFound()
        return lobby_room

    async def list_rooms(self, query: RoomQuery) -> RoomPage:
        if not 1 <= query.limit <= 100:
            raise InvalidInput("limit must be 1 to 100", field="limit")
        after = _parse_cursor(query.cursor)
        matching = [
            r
            for r in await self._rooms.list_open()
            if r.listed and _matches(r, query) and (after is None or _key(r) < after)
        ]
        matching.sort(key=_key, reverse=True)
        page = matching[: query.limit]
        more = len(matching) > query.limit
        cursor = _cursor(page[-1]) if more and page else None
        return RoomPage(tuple(page), cursor)

    async def join(
        self,
        player: Principal,
        room_id: str,
        side: int | None = None,
        invite_code: str | None = None,
    ) -> LobbyRoom:
        name = await self._name_of(player.user_id)
        await self._check_not_seated(player.user_id, unless=room_id)

        code = invite_code.strip().upper() if invite_code is not None else None

        def join(lobby_room: LobbyRoom) -> Sequence[RoomEvent]:
            events = lobby_room.room.join(player.user_id, side, code)
            lobby_room.names[player.user_id] = name
            return events

        return await self._change(room_id, join)

    async def join_by_invite(
        self, player: Principal, invite_code: str, side: int | None = None
    ) -> LobbyRoom:
        lobby_room = await self._rooms.by_invite(invite_code.strip().upper())
        if lobby_room is None:
            raise RoomNotFound("no open room has that invite code")
        return await self.join(
            player, lobby_room.id, side, invite_code=lobby_room.room.invite_code
        )

    async def leave(self, player: Principal, room_id: str) -> LobbyRoom:
        return await self._change(
            room_id, lambda r: _unmute_departed(r, r.room.leave(player.user_id))
        )

    async def switch_side(
        self, player: Principal, room_id: str, side: int
    ) -> LobbyRoom:
        return await self._change(
            room_id, lambda r: r.room.switch_side(player.user_id, side)
        )

    async def set_ready(
        self, player: Principal, room_id: str, ready: bool
    ) -> LobbyRoom:
        return await self._change(
            room_id, lambda r: r.room.set_ready(player.user_id, ready)
        )

    async def kick(self, host: Principal, room_id: str, player: str) -> LobbyRoom:
        return await self._change(
            room_id, lambda r: _unmute_departed(r, r.room.kick(host.user_id, player))
        )

    async def hand_over(self, host: Principal, room_id: str, to: str) -> LobbyRoom:
        return await self._change(room_id, lambda r: r.room.hand_over(host.user_id, to))

    async def change_settings(
        self,
        host: Principal,
        room_id: str,
        settings: RoomSettings,
        title: str | None = None,
    ) -> LobbyRoom:
        await self._check_settings(settings)
        new_title = _check_title(title) if title is not None else None

        was_public: list[bool] = []

        def change(lobby_room: LobbyRoom) -> Sequence[RoomEvent]:
            was_public[:] = [not lobby_room.room.settings.private]
            events = lobby_room.room.change_settings(host.user_id, settings)
            if new_title:
                lobby_room.title = new_title
            return events

        lobby_room = await self._change(room_id, change)
        if was_public == [True] and settings.private:
            await self._bus.publish(
                LOBBY, "room.unlisted", {"id": room_id, "status": "private"}
            )
        return lobby_room

    async def start(self, host: Principal, room_id: str) -> LobbyRoom:
        now = self._clock.now()
        return await self._change(room_id, lambda r: r.room.start(host.user_id, now))

    async def rematch(self, room_id: str, sides: tuple[tuple[str, ...], ...]) -> None:
        """Every player of the room's last battle asked to play it again. A
        room no longer kept (rooms in Redis expire) is no obstacle."""
        now = self._clock.now()
        with contextlib.suppress(RoomNotFound):
            await self._change(room_id, lambda r: r.room.rematch(sides, now))

    async def battle_over(self, room_id: str, battle_id: str | None) -> None:
        """The room's battle ``battle_id`` is over, or (None) the one it was
        starting could not begin: the room opens again. Nothing changes in a
        room that has moved on, or is gone."""

        def reopen(lobby_room: LobbyRoom) -> Sequence[RoomEvent]:
            room = lobby_room.room
            if battle_id is None:
                due = room.status is RoomStatus.STARTING
            else:
                due = (
                    room.status is RoomStatus.IN_BATTLE
                    and lobby_room.battle == battle_id
                )
            return room.reopen() if due else []

        with contextlib.suppress(RoomNotFound):
            await self._change(room_id, reopen)

    async def mute(
        self, by: Principal, room_id: str, player: str, muted: bool
    ) -> LobbyRoom:
        def mute(lobby_room: LobbyRoom) -> Sequence[RoomEvent]:
            room = lobby_room.room
            if by.user_id != room.host and by.role is not Role.ADMIN:
                raise PermissionDenied("only the host can mute players")
            if player == by.user_id:
                raise RoomRuleViolation("you cannot mute yourself")
            room.side_of(player)
            if muted:
                lobby_room.muted.add(player)
            else:
                lobby_room.muted.discard(player)
            return []

        lobby_room = await self._change(room_id, mute)
        await self._bus.publish(
            room_channel(room_id), "player.muted", {"player": player, "muted": muted}
        )
        return lobby_room

    # Chat

    async def post(self, author: Principal, channel: str, text: str) -> ChatMessage:
        text = text.strip()
        limit = self.settings.chat_max_chars
        if not 1 <= len(text) <= limit:
            raise InvalidInput(f"a message takes 1 to {limit} characters", field="text")
        await self._check_may_post(author, Channel.parse(channel))
        await self._throttle_chat(author.user_id)

        message = ChatMessage(
            id=self._secrets.new_id(),
            channel=channel,
            author=author.user_id,
            author_name=await self._name_of(author.user_id),
            text=text,
            at=self._clock.now(),
        )
        await self._chat.append(message, self.settings.chat_keep)
        await self._bus.publish(channel, "chat.message", _message_data(message))
        return message

    async def chat_history(
        self, reader: Principal, channel: str, limit: int | None = None
    ) -> Sequence[ChatMessage]:
        await self.authorize(reader, channel)
        return await self._chat.recent(channel, limit or self.settings.chat_history)

    async def delete_message(
        self, admin: Principal, channel: str, message_id: str
    ) -> None:
        if admin.role is not Role.ADMIN:
            raise PermissionDenied("only admins can delete messages")
        Channel.parse(channel)
        if await self._chat.delete(channel, message_id) is None:
            raise NotFound("no such message in that channel")
        await self._bus.publish(channel, "chat.deleted", {"id": message_id})

    # Subscriptions and presence

    async def authorize(self, reader: Principal, channel: str) -> Channel:
        """May ``reader`` follow ``channel``? The parsed channel, or an error."""
        parsed = Channel.parse(channel)
        if parsed.kind in (ChannelKind.LOBBY, ChannelKind.LEADERBOARD):
            return parsed
        if parsed.kind is ChannelKind.USER:
            if parsed.user_id != reader.user_id:
                raise PermissionDenied("that is another player's channel")
            return parsed
        if parsed.kind is ChannelKind.BATTLE:
            raise NotFound("a battle's channel has no chat; use its room's")
        lobby_room = await self.room(reader, str(parsed.room_id))
        if parsed.kind is ChannelKind.SIDE:
            _check_on_side(lobby_room, reader.user_id, parsed)
        return parsed

    async def connected(self, player: str, room_id: str) -> None:
        if await self._presence.connect(room_id, player) == 1:
            await self._bus.publish(
                room_channel(room_id),
                "presence.changed",
                {"player": player, "online": True},
            )

    async def disconnected(self, player: str, room_id: str) -> bool:
        """Count a closed socket; True when the player has none left on the
        room, so the caller starts the grace period."""
        return await self._presence.disconnect(room_id, player) == 0

    async def grace_over(self, player: str, room_id: str) -> None:
        """The grace period after a player's last socket closed has passed: if
        they did not come back, they count as gone and leave an open room."""
        if player in await self._presence.online(room_id):
            return
        await self._bus.publish(
            room_channel(room_id),
            "presence.changed",
            {"player": player, "online": False},
        )
        lobby_room = await self._rooms.get(room_id)
        if (
            lobby_room is not None
            and lobby_room.room.status is RoomStatus.OPEN
            and player in lobby_room.room.players
        ):
            with contextlib.suppress(RoomNotFound, RoomRuleViolation):
                await self._change(
                    room_id, lambda r: _unmute_departed(r, r.room.leave(player))
                )

    async def online(self, room_id: str) -> frozenset[str]:
        return await self._presence.online(room_id)

    # Quick match

    async def queue_for_match(self, player: Principal, mode: Mode) -> QueuedMatch:
        name = await self._name_of(player.user_id)
        await self._check_not_seated(player.user_id)
        rating = (await self._ratings.get_many([player.user_id])).get(player.user_id)
        ticket = MatchTicket(
            player=player.user_id,
            name=name,
            mode=mode,
            rating=rating.rating if rating else self._elo.initial_rating,
            since=self._clock.now(),
        )
        await self._queue.put(ticket)
        await self.match(mode)
        return QueuedMatch(ticket, await self._rooms.room_of(player.user_id))

    async def leave_queue(self, player: Principal) -> bool:
        return await self._queue.cancel(player.user_id)

    async def match_ticket(self, player: Principal) -> MatchTicket | None:
        return await self._queue.ticket_of(player.user_id)

    async def seat_of(self, player: Principal) -> str | None:
        """The room the player sits in (a quick match found), if any."""
        return await self._rooms.room_of(player.user_id)

    async def match(self, mode: Mode) -> list[LobbyRoom]:
        """Seat every group the mode's queue can make now in a room of its own."""
        shape = QUICK_MATCH_SHAPES[mode]
        async with self._queue.locked(mode):
            tickets = await self._queue.tickets(mode)
            groups = find_matches(
                tickets, shape.players, self._clock.now(), self.settings.match_rules
            )
            rooms = []
            for group in groups:
                seated = await self._seat_match(mode, group)
                if seated is not None:
                    rooms.append(seated)
                    await self._queue.take(mode, [t.player for t in group])
        for lobby_room in rooms:
            for player in lobby_room.room.players:
                await self._bus.publish(
                    user_channel(player),
                    "match.found",
                    {"room": lobby_room.id, "mode": mode.value},
                )
        return rooms

    async def _seat_match(
        self, mode: Mode, group: list[MatchTicket]
    ) -> LobbyRoom | None:
        """The group's room; None when one of them sat down elsewhere since
        queueing, whose ticket is then dropped (the others wait on)."""
        shape = QUICK_MATCH_SHAPES[mode]
        settings = RoomSettings(
            mode=mode,
            sides=shape.sides,
            seats_per_side=shape.seats_per_side,
            questions=RandomQuestions(1),
            languages=frozenset(lang.key for lang in self._languages),
            time_limit_s=self.settings.quick_match_time_limit_s,
            rated=True,
            private=True,
        )
        dealt = balanced_sides(group, shape.sides)
        host = dealt[0][0]
        room = Room.open(self._secrets.new_id(), self._invite_code(), host, settings)
        for side, players in enumerate(dealt):
            for player in players:
                if player != host:
                    room.join(player, side, room.invite_code)
        names = {t.player: t.name for t in group}
        lobby_room = LobbyRoom(
            room,
            f"Quick {mode.value}",
            self._clock.now(),
            names=names,
            quick_match=True,
        )
        try:
            await self._rooms.add(lobby_room)
        except RoomRuleViolation:
            for ticket in group:
                if await self._rooms.room_of(ticket.player) is not None:
                    await self._queue.take(mode, [ticket.player])
            return None
        return lobby_room

    # Steps shared by the actions

    async def _change(self, room_id: str, change: RoomChange) -> LobbyRoom:
        # Stored and announced under one hold, so that two instances changing
        # the room at once announce in the order their changes were stored.
        async with self._rooms.announcing(room_id):
            lobby_room, events = await self._rooms.change(room_id, change)
            for event in events:
                kind, data = announcement(event, lobby_room.names)
                await self._bus.publish(room_channel(room_id), kind, data)
        if lobby_room.room.status is RoomStatus.CLOSED:
            await self._rooms.remove(room_id)
        if events:
            await self._announce_listing(lobby_room)
        return lobby_room

    async def _announce_listing(self, lobby_room: LobbyRoom) -> None:
        if lobby_room.room.settings.private:
            return
        if lobby_room.room.status is RoomStatus.OPEN:
            await self._bus.publish(LOBBY, "room.listed", summary_data(lobby_room))
        else:
            await self._bus.publish(
                LOBBY,
                "room.unlisted",
                {"id": lobby_room.id, "status": lobby_room.room.status.value},
            )

    async def _check_settings(self, settings: RoomSettings) -> None:
        for key in sorted(settings.languages):
            self._languages.get(key)
        choice = settings.questions
        if isinstance(choice, ChosenQuestions):
            for question_id in choice.ids:
                if await self._catalog.get(question_id) is None:
                    raise InvalidInput(
                        f"no question {question_id!r} in the catalog",
                        field="questions",
                    )
            return
        await self._check_enough_questions(choice)

    async def _check_enough_questions(self, choice: RandomQuestions) -> None:
        tags = sorted(choice.tags)
        where = QuestionFilter(
            difficulty=choice.difficulty, tag=tags[0] if tags else None
        )
        found = 0
        cursor: str | None = None
        while found < choice.count:
            page = await self._catalog.list(where, cursor, 100)
            found += sum(1 for q in page.entries if set(tags) <= set(q.tags))
            cursor = page.next_cursor
            if cursor is None:
                break
        if found < choice.count:
            raise InvalidInput(
                f"only {found} questions match; ask for fewer or loosen the filter",
                field="questions",
            )

    async def _check_not_seated(self, player: str, unless: str | None = None) -> None:
        room_id = await self._rooms.room_of(player)
        if room_id is not None and room_id != unless:
            raise RoomRuleViolation("leave your current room first")
        if await self._queue.ticket_of(player) is not None:
            raise RoomRuleViolation("leave the quick-match queue first")

    async def _check_may_post(self, author: Principal, channel: Channel) -> None:
        if channel.kind is ChannelKind.LOBBY:
            return
        if channel.kind is ChannelKind.USER:
            raise PermissionDenied("nobody can post to a player's channel")
        if channel.kind is ChannelKind.BATTLE:
            raise PermissionDenied("a battle's channel has no chat; use its room's")
        if channel.kind is ChannelKind.LEADERBOARD:
            raise PermissionDenied("the leaderboard's channel has no chat")
        lobby_room = await self.room(author, str(channel.room_id))
        if author.user_id not in lobby_room.room.players:
            raise PermissionDenied("only the room's players can post in its chat")
        if author.user_id in lobby_room.muted:
            raise PermissionDenied("the host muted you in this room")
        if channel.kind is ChannelKind.SIDE:
            _check_on_side(lobby_room, author.user_id, channel)

    async def _throttle_chat(self, player: str) -> None:
        decision = await self._limiter.hit(
            f"chat:{player}", self.settings.chat_burst, self.settings.chat_window_s
        )
        if not decision.allowed:
            raise RateLimited(
                "you are sending messages too fast",
                retry_after_s=decision.retry_after_s,
            )

    async def _name_of(self, player: str) -> str:
        user = await self._users.get(player)
        if user is None or user.disabled:
            raise PermissionDenied("this account can no longer play")
        return user.username

    def _invite_code(self) -> str:
        digest = hashlib.sha256(self._secrets.token().encode()).digest()
        return "".join(
            _INVITE_ALPHABET[b % len(_INVITE_ALPHABET)] for b in digest[:_INVITE_LENGTH]
        )


def _unmute_departed(lobby_room: LobbyRoom, events: list[RoomEvent]) -> list[RoomEvent]:
    """After a player leaves or is kicked: they are no longer muted there."""
    seated = set(lobby_room.room.players)
    lobby_room.muted &= seated
    return events


def _check_on_side(lobby_room: LobbyRoom, player: str, channel: Channel) -> None:
    room = lobby_room.room
    if room.settings.seats_per_side < 2:
        raise NotFound("this room has no side channels")
    if player not in room.players or room.side_of(player) != channel.side:
        raise PermissionDenied("only that side's players can read its channel")


def _may_see(lobby_room: LobbyRoom, viewer: Principal | None) -> bool:
    if not lobby_room.room.settings.private:
        return True
    if viewer is None:
        return False
    return viewer.role is Role.ADMIN or lobby_room.may_see(viewer.user_id)


def _check_title(title: str) -> str:
    title = " ".join(title.split())
    if len(title) > MAX_TITLE:
        raise InvalidInput(
            f"a title takes at most {MAX_TITLE} characters", field="title"
        )
    return title


def _matches(lobby_room: LobbyRoom, query: RoomQuery) -> bool:
    room, settings = lobby_room.room, lobby_room.room.settings
    return (
        (query.mode is None or settings.mode is query.mode)
        and (query.rated is None or settings.rated == query.rated)
        and (query.has_space is None or (not room.is_full) == query.has_space)
        and (query.language is None or query.language in settings.languages)
        and (not query.text or query.text.casefold() in lobby_room.title.casefold())
    )


def _key(lobby_room: LobbyRoom) -> tuple[float, str]:
    return (lobby_room.created_at, lobby_room.id)


def _cursor(lobby_room: LobbyRoom) -> str:
    return f"{lobby_room.created_at!r}_{lobby_room.id}"


def _parse_cursor(cursor: str | None) -> tuple[float, str] | None:
    if cursor is None:
        return None
    at, _, room_id = cursor.partition("_")
    try:
        created_at = float(at)
    except ValueError:
        created_at = math.nan
    if not math.isfinite(created_at) or not room_id.isalnum():
        raise InvalidInput("not a cursor from this list", field="cursor")
    return created_at, room_id


def _message_data(message: ChatMessage) -> dict[str, str | float]:
    return {
        "id": message.id,
        "author": message.author,
        "name": message.author_name,
        "text": message.text,
        "at": message.at,
    }
