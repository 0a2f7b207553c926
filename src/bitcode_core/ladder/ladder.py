"""The ladder's use cases: seasons, leaderboards, player stats and rebuilds.

The database is the source of truth; a rank index (Redis) answers the
leaderboards when there is one and it is known to be complete, else the same
queries run against the database.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from bitcode_core.accounts.model import Principal, Role
from bitcode_core.accounts.ports import Secrets, UserRepository
from bitcode_core.errors import (
    BitCodeError,
    InvalidInput,
    NotFound,
    NotRanked,
    PermissionDenied,
    SeasonNotFound,
    UserNotFound,
)
from bitcode_core.ladder import seasons as season_rules
from bitcode_core.ladder.model import (
    ALL_TIME,
    Board,
    LadderChange,
    LadderKey,
    LadderRating,
    Ranked,
    Scope,
    Season,
    Tier,
    Tiers,
)
from bitcode_core.ladder.ports import (
    LadderStore,
    Leaderboard,
    PlayedStats,
    RankIndex,
    SeasonRepository,
)
from bitcode_core.ladder.rules import LadderRules, LadderUpdate, rebuild
from bitcode_core.ports import Clock, PlayerRating
from bitcode_core.rooms.channels import LEADERBOARD
from bitcode_core.rooms.ports import EventBus

logger = logging.getLogger(__name__)

T = TypeVar("T")
CURRENT = "current"
MAX_PAGE = 100
MAX_AROUND = 101
_CURSOR = re.compile(r"o[0-9]{1,11}")  # an offset into the board


@dataclass(frozen=True, slots=True)
class BoardPage:
    rows: tuple[Ranked, ...]
    total: int
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class PlayerStats:
    rating: LadderRating | None
    tier: Tier | None
    played: PlayedStats

    @property
    def battles(self) -> int:
        return self.rating.rated_battles if self.rating else 0

    @property
    def win_rate(self) -> float | None:
        return self.rating.wins / self.battles if self.rating and self.battles else None


@dataclass(frozen=True, slots=True)
class RebuildReport:
    battles: int
    ratings: int
    differed: int  # stored ratings the rebuild had to change


class Ladder:
    def __init__(
        self,
        *,
        seasons: SeasonRepository,
        store: LadderStore,
        database_board: Leaderboard,
        index: RankIndex | None,
        bus: EventBus,
        secrets: Secrets,
        clock: Clock,
        rules: LadderRules,
        tiers: Tiers,
        season_length_s: float = season_rules.DEFAULT_LENGTH_S,
        users: UserRepository | None = None,
    ) -> None:
        self._users = users
        self._seasons = seasons
        self._store = store
        self._database_board = database_board
        self._index = index
        self._bus = bus
        self._secrets = secrets
        self._clock = clock
        self.rules = rules
        self.tiers = tiers
        self._length_s = season_length_s

    # Seasons

    async def seasons(self) -> Sequence[Season]:
        await self.current_season()
        return await self._seasons.all()

    async def current_season(self) -> Season:
        return (await self.season_at(self._clock.now()))[0]

    async def season_at(self, at: float) -> tuple[Season, Season | None]:
        """The season ``at`` falls in (begun by itself if it was due; the
        first one for a time before it), and the one before it."""
        known = await self._seasons.all()
        found = season_rules.current(known, at)
        if found is None:
            for season in season_rules.due(
                known, at, self._secrets.new_id, self._length_s
            ):
                if await self._seasons.add(season):
                    logger.info(
                        "season.began",
                        extra={"season": season.id, "number": season.number},
                    )
            known = await self._seasons.all()
            found = season_rules.current(known, at)
        if found is None and known and at < known[0].starts_at:
            # Before the first season began (a battle that ended before it,
            # judged late; a first season scheduled ahead): it counts there.
            found = known[0]
        if found is None:
            raise NotFound("no season covers that time")
        return found, season_rules.previous(known, found)

    async def schedule(
        self,
        admin: Principal,
        *,
        name: str,
        ends_at: float,
        starts_at: float | None = None,
    ) -> Season:
        _check_admin(admin)
        known = await self._seasons.all()
        season = season_rules.scheduled(
            known,
            season_id=self._secrets.new_id(),
            name=name,
            ends_at=ends_at,
            starts_at=starts_at,
            now=self._clock.now(),
        )
        if not await self._seasons.add(season):
            raise InvalidInput("another season was scheduled at the same time; retry")
        return season

    async def change_season(
        self,
        admin: Principal,
        season_id: str,
        *,
        name: str | None = None,
        ends_at: float | None = None,
    ) -> Season:
        _check_admin(admin)
        known = await self._seasons.all()
        season = next((s for s in known if s.id == season_id), None)
        if season is None:
            raise SeasonNotFound()
        updated = season_rules.changed(
            known, season, name=name, ends_at=ends_at, now=self._clock.now()
        )
        await self._seasons.update(updated)
        return updated

    async def resolve(self, season: str) -> str:
        """A season's id from what a client names: an id, ``current`` or
        ``all-time``."""
        if season == ALL_TIME:
            return ALL_TIME
        if season == CURRENT:
            return (await self.current_season()).id
        known = await self.seasons()
        if not any(s.id == season for s in known):
            raise SeasonNotFound()
        return season

    # Leaderboards

    async def top(
        self, board: Board, cursor: str | None = None, limit: int = 50
    ) -> BoardPage:
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be 1 to {MAX_PAGE}", field="limit")
        offset = _offset(cursor)

        async def read(reader: Leaderboard) -> tuple[tuple[Ranked, ...], int]:
            rows = tuple(await reader.page(board, offset, limit))
            return rows, await reader.size(board)

        rows, total = await self._read(read)
        more = offset + len(rows) < total and len(rows) == limit
        return BoardPage(rows, total, f"o{offset + len(rows)}" if more else None)

    async def rank(self, board: Board, player: str) -> Ranked:
        found = await self._read(lambda reader: reader.rank(board, player))
        if found is None:
            raise NotRanked()
        return found

    async def around(
        self, board: Board, player: str, size: int = 21
    ) -> Sequence[Ranked]:
        if not 1 <= size <= MAX_AROUND:
            raise InvalidInput(f"size must be 1 to {MAX_AROUND}", field="size")
        rows = await self._read(lambda reader: reader.around(board, player, size))
        if not rows:
            raise NotRanked()
        return rows

    async def _read(self, query: Callable[[Leaderboard], Awaitable[T]]) -> T:
        """Ask the index when it is complete (checked each time: one cheap
        round trip, and an index that lost its data is passed over until it
        is rebuilt); the database when there is none, or it fails."""
        index = self._index
        if index is not None:
            try:
                if await index.built():
                    return await query(index)
            except BitCodeError:
                logger.warning("leaderboard.index_unavailable")
        return await query(self._database_board)

    # A rated battle's end

    async def rated(
        self, update: LadderUpdate, countries: Mapping[str, str | None]
    ) -> None:
        """After the database stored ``update``: keep the index in step and
        tell subscribed clients."""
        if self._index is not None:
            try:
                await self._index.put(update.ratings, countries)
            except Exception:
                # The database has it; the next rebuild brings the index back.
                logger.exception("leaderboard.index_update_failed")
        await self._bus.publish(
            LEADERBOARD,
            "leaderboard.changed",
            {
                "battle": update.changes[0].battle_id if update.changes else None,
                "ratings": [
                    {
                        "player": r.player,
                        "season": r.season,
                        "scope": r.scope.value,
                        "rating": r.rating,
                        "tier": self.tiers.of(r.rating).name,
                    }
                    for r in update.ratings
                ],
            },
        )

    async def moved(self, player: str, country: str | None) -> None:
        """After the database stored a player's new country (``None`` for a
        closed account, which the database's country boards no longer join):
        keep the index's country boards in step."""
        if self._index is None:
            return
        try:
            await self._index.move(player, country)
        except BitCodeError:
            # The database has it; the next rebuild brings the index back.
            logger.warning("leaderboard.index_move_failed", extra={"player": player})

    # Players

    async def names(self, players: Iterable[str]) -> dict[str, str]:
        """Usernames to show beside ranks (a closed account shows none)."""
        found: dict[str, str] = {}
        if self._users is None:
            return found
        for player in dict.fromkeys(players):
            user = await self._users.get(player)
            if user is not None and not user.disabled:
                found[player] = user.username
        return found

    async def check_player(self, player: str) -> None:
        """Refuse an id that never was a player's. A closed account's user is
        gone but its ratings stay on the boards, so an id rated once (on the
        all-time overall ladder) is still answered with what was recorded."""
        if self._users is not None and await self._users.get(player) is not None:
            return
        key = LadderKey(ALL_TIME, Scope.OVERALL, player)
        if not await self._store.ratings([key]):
            raise UserNotFound()

    async def stats(self, player: str, season: str, scope: Scope) -> PlayerStats:
        key = LadderKey(season, scope, player)
        rating = (await self._store.ratings([key])).get(key)
        played = await self._store.played(player, season, scope)
        tier = self.tiers.of(rating.rating) if rating else None
        return PlayerStats(rating, tier, played)

    async def season_rating(self, player: str) -> LadderRating | None:
        """The player's overall rating this season; None before their first
        rated battle of it (the soft reset of last season's is not shown)."""
        key = LadderKey((await self.current_season()).id, Scope.OVERALL, player)
        return (await self._store.ratings([key])).get(key)

    async def history(
        self, player: str, season: str, scope: Scope
    ) -> Sequence[LadderChange]:
        return await self._store.changes(player, season, scope)

    async def ratings_for(self, players: Iterable[str]) -> Mapping[str, PlayerRating]:
        """Each player's rating this season overall (the soft reset of last
        season's for one who has not played yet): what quick match pairs by."""
        wanted = sorted(set(players))
        season, before = await self.season_at(self._clock.now())
        keys = [LadderKey(season.id, Scope.OVERALL, p) for p in wanted]
        if before is not None:
            keys += [LadderKey(before.id, Scope.OVERALL, p) for p in wanted]
        book = await self._store.ratings(keys)
        found: dict[str, PlayerRating] = {}
        for player in wanted:
            now = book.get(LadderKey(season.id, Scope.OVERALL, player))
            if now is not None:
                found[player] = PlayerRating(player, now.rating, now.rated_battles)
            elif before is not None:
                old = book.get(LadderKey(before.id, Scope.OVERALL, player))
                if old is not None:
                    found[player] = PlayerRating(
                        player, self.rules.soft_reset(old.rating), 0
                    )
        return found

    # get_many is what the lobby's RatingReader port calls.
    get_many = ratings_for

    # Rebuilds

    async def rebuild_ratings(self, *, write: bool = True) -> RebuildReport:
        """Every rating from the recorded battles; with ``write`` the stored
        ones are replaced by the result (they should already be equal)."""
        battles = await self._store.rated_battles()
        book = rebuild(battles, self.rules)
        stored: dict[LadderKey, LadderRating] = {}
        after: LadderKey | None = None
        while True:
            page = await self._store.scan(after, 5000)
            if not page:
                break
            for rating, _ in page:
                stored[rating.key] = rating
            after = page[-1][0].key
        differed = sum(
            1 for key in set(book) | set(stored) if book.get(key) != stored.get(key)
        )
        if write and differed:
            await self._store.replace_all(book.values())
        if write and self._index is not None:
            await self.rebuild_index()
        logger.info(
            "ratings.rebuilt",
            extra={"battles": len(battles), "ratings": len(book), "differed": differed},
        )
        return RebuildReport(len(battles), len(book), differed)

    @property
    def has_index(self) -> bool:
        return self._index is not None

    async def rebuild_index(self) -> int:
        if self._index is None:
            return 0
        count = await self._index.rebuild(self._store)
        logger.info("leaderboard.index_rebuilt", extra={"ratings": count})
        return count

    async def ensure_index(self) -> None:
        """On start: rebuild the index from the database if it lost its data."""
        if self._index is not None and not await self._index.built():
            await self.rebuild_index()


def _check_admin(principal: Principal) -> None:
    if principal.role is not Role.ADMIN:
        raise PermissionDenied("only admins manage seasons")


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    if not _CURSOR.fullmatch(cursor):
        raise InvalidInput("not a cursor from this list", field="cursor")
    return int(cursor[1:])
