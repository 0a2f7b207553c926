"""Leaderboards in Redis sorted sets, fast at a million players.

Each board is a sorted set scored by ``-rating``, so Redis's own order (score,
then member) is the ladder's (rating high to low, then player id). A rank is
one more than the members scored strictly lower, one ``ZCOUNT``. Every query is
one Lua script: one round trip, reading one generation.

Everything lives in a generation; the ``current`` key names the one readers
use. A rebuild fills a fresh generation while readers keep the old one, marks
it built, switches ``current`` to it and unlinks the old one, so no reader
sees a half-built index. While it builds, its generation is listed in
``building`` (with a lease that lapses if the rebuilding instance dies) and
every ``put`` writes there too; the rebuild never overwrites a row a ``put``
wrote, so a rating that changes mid-rebuild is not lost. Keys (after the
prefix):

    current               the generation readers use
    building              generations being rebuilt (a set)
    g:GEN:lease           present while GEN's rebuild is alive
    g:GEN:built           set last by GEN's rebuild: ``built()`` looks for it
    g:GEN:keys            every key GEN wrote (to unlink them together)
    g:GEN:boards          every board's SEASON:SCOPE
    g:GEN:country         player -> country, '' for none (a hash)
    g:GEN:rank:SEASON:SCOPE[:COUNTRY]   a board (a sorted set)
    g:GEN:battles:SEASON:SCOPE          player -> rated battles (a hash)

A player's country is theirs, not a board's: when it changes, the player
leaves the old country's boards and joins the new one's on every board they
are on. A ``put`` is one script rather than a MULTI block because it reads
before it writes (the generations, the player's old country) and must do
both in one step.

Scripts name keys they build from the generation (one Redis, not a cluster).
Redis must not evict these keys (``maxmemory-policy noeviction``): a board
evicted under a marker that stayed would be served as built. A million
ratings on one board take about 330 MB, twice that while a rebuild runs.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from bitcode_core.errors import BitCodeError
from bitcode_core.ladder.model import Board, LadderKey, LadderRating, Ranked, Scope
from bitcode_core.ladder.ports import LadderStore

logger = logging.getLogger(__name__)

SCAN_PAGE = 10_000  # ratings read from the store at a time
SCRIPT_ROWS = 500  # ratings per script: each holds Redis about 5 ms
LEASE_MS = 120_000  # a rebuild that stops renewing its lease this long is dead
_UNLINK_BATCH = 1_000

# Every script starts here. ARGV[1]: the prefix. ``G`` is the current
# generation's key prefix (nil when nothing was ever built).
_CURRENT = """
local P = ARGV[1]
local gen = redis.call('GET', P .. 'current')
local G = gen and (P .. 'g:' .. gen .. ':') or nil
"""

# The rows of a ZRANGE WITHSCORES from ``offset`` with their rated battles:
# {players scored strictly lower than the first, members, scores, battles}.
_ROWS = """
local function rows(key, battles, offset, stop)
    local found = redis.call('ZRANGE', key, offset, stop, 'WITHSCORES')
    if #found == 0 then return {} end
    local members, scores = {}, {}
    for i = 1, #found, 2 do
        members[#members + 1] = found[i]
        scores[#scores + 1] = found[i + 1]
    end
    local higher = redis.call('ZCOUNT', key, '-inf', '(' .. scores[1])
    return {higher, members, scores, redis.call('HMGET', battles, unpack(members))}
end
"""

# ARGV: prefix, board, its SEASON:SCOPE, offset, limit.
_PAGE = (
    _CURRENT
    + _ROWS
    + """
if not G then return {} end
local offset = tonumber(ARGV[4])
return rows(G .. 'rank:' .. ARGV[2], G .. 'battles:' .. ARGV[3],
            offset, offset + tonumber(ARGV[5]) - 1)
"""
)

# ARGV: prefix, board, its SEASON:SCOPE, player, size. The window is centred
# on the player and shifted to stay on the board.
_AROUND = (
    _CURRENT
    + _ROWS
    + """
if not G then return {} end
local key = G .. 'rank:' .. ARGV[2]
local at = redis.call('ZRANK', key, ARGV[4])
if not at then return {} end
local size = tonumber(ARGV[5])
local start = math.min(at - math.floor(size / 2), redis.call('ZCARD', key) - size)
start = math.max(0, start)
local found = rows(key, G .. 'battles:' .. ARGV[3], start, start + size - 1)
found[5] = start
return found
"""
)

# ARGV: prefix, board, its SEASON:SCOPE, player: {rank, score, battles}.
_RANK = (
    _CURRENT
    + """
if not G then return nil end
local key = G .. 'rank:' .. ARGV[2]
local score = redis.call('ZSCORE', key, ARGV[4])
if not score then return nil end
local higher = redis.call('ZCOUNT', key, '-inf', '(' .. score)
return {higher + 1, score, redis.call('HGET', G .. 'battles:' .. ARGV[3], ARGV[4])}
"""
)

# ARGV: prefix, board.
_SIZE = (
    _CURRENT
    + """
if not G then return 0 end
return redis.call('ZCARD', G .. 'rank:' .. ARGV[2])
"""
)

_BUILT = (
    _CURRENT
    + """
if not G then return 0 end
return redis.call('EXISTS', G .. 'built')
"""
)

# Writing one generation ``G``: a rating on a board and the player's country.
# ``noted`` spares a script the SADDs of keys it listed already.
_WRITE = """
local noted = {}
local function note(set, member)
    local seen = noted[set] or {}
    noted[set] = seen
    if not seen[member] then
        seen[member] = true
        redis.call('SADD', set, member)
    end
end

local function board(G, base, player, score, battles)
    local rank, count = G .. 'rank:' .. base, G .. 'battles:' .. base
    redis.call('ZADD', rank, score, player)
    redis.call('HSET', count, player, battles)
    note(G .. 'boards', base)
    note(G .. 'keys', rank)
    note(G .. 'keys', count)
end

local function join(G, base, player, score, country)
    if country == '' then return end
    local key = G .. 'rank:' .. base .. ':' .. country
    redis.call('ZADD', key, score, player)
    note(G .. 'keys', key)
end

-- The player's country, recorded even when it is none (so that a rebuild's
-- older page cannot bring back the one they left). One who had another leaves
-- every board of it for the new one's.
local function move(G, player, country)
    local old = redis.call('HGET', G .. 'country', player)
    if old == country then return end
    for _, base in ipairs(old and redis.call('SMEMBERS', G .. 'boards') or {}) do
        local score = redis.call('ZSCORE', G .. 'rank:' .. base, player)
        if score then
            if old ~= '' then
                redis.call('ZREM', G .. 'rank:' .. base .. ':' .. old, player)
            end
            join(G, base, player, score, country)
        end
    end
    redis.call('HSET', G .. 'country', player, country)
    note(G .. 'keys', G .. 'country')
end
"""

# The generations being rebuilt whose rebuild is alive, added to ``gens``;
# the dead ones are forgotten.
_BUILDING = """
local function building(gens)
    for _, other in ipairs(redis.call('SMEMBERS', P .. 'building')) do
        if redis.call('EXISTS', P .. 'g:' .. other .. ':lease') == 1 then
            gens[#gens + 1] = P .. 'g:' .. other .. ':'
        else
            redis.call('SREM', P .. 'building', other)
        end
    end
    return gens
end
"""

# ARGV: prefix, the number of ratings, then per rating SEASON:SCOPE, player,
# score, rated battles, then per player the player and country ('' for none).
# Writes the current generation and every live one being rebuilt.
_PUT = (
    _CURRENT
    + _WRITE
    + _BUILDING
    + """
local gens = building(G and {G} or {})
local n = tonumber(ARGV[2])
local countries = {}
for i = 3 + 4 * n, #ARGV, 2 do countries[ARGV[i]] = ARGV[i + 1] end
for _, g in ipairs(gens) do
    for i = 3, 2 + 4 * n, 4 do
        board(g, ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3])
    end
    for player, country in pairs(countries) do move(g, player, country) end
    for i = 3, 2 + 4 * n, 4 do
        join(g, ARGV[i], ARGV[i + 1], ARGV[i + 2], countries[ARGV[i + 1]] or '')
    end
end
return #gens
"""
)

# ARGV: prefix, player, country ('' for none). The player's country changed
# with no rating: they move between country boards in the current generation
# (if it ranks them) and in every live one being rebuilt, where the country
# recorded wins over the one its rebuild read.
_MOVE = (
    _CURRENT
    + _WRITE
    + _BUILDING
    + """
local ranked = G and redis.call('HEXISTS', G .. 'country', ARGV[2]) == 1
local gens = building(ranked and {G} or {})
for _, g in ipairs(gens) do move(g, ARGV[2], ARGV[3]) end
return #gens
"""
)

# ARGV: prefix, the generation being built, then per rating SEASON:SCOPE,
# player, score, rated battles, country. A rating a ``put`` already wrote is
# newer and stays; a country a ``put`` (or an earlier page) set wins. 0 if
# the lease lapsed.
_FILL = (
    """
local P = ARGV[1]
local G = P .. 'g:' .. ARGV[2] .. ':'
if redis.call('PEXPIRE', G .. 'lease', ARGV[3]) == 0 then return 0 end
"""
    + _WRITE
    + """
for i = 4, #ARGV, 5 do
    local base, player, score = ARGV[i], ARGV[i + 1], ARGV[i + 2]
    local rank, count = G .. 'rank:' .. base, G .. 'battles:' .. base
    if redis.call('ZADD', rank, 'NX', score, player) == 1 then
        redis.call('HSET', count, player, ARGV[i + 3])
        note(G .. 'boards', base)
        note(G .. 'keys', rank)
        note(G .. 'keys', count)
        local country = redis.call('HGET', G .. 'country', player)
        if not country then
            country = ARGV[i + 4]
            redis.call('HSET', G .. 'country', player, country)
            note(G .. 'keys', G .. 'country')
        end
        join(G, base, player, score, country)
    end
end
return 1
"""
)

# ARGV: prefix, the generation built. Marks it built and current; returns the
# generation it replaced ('' for none), or false if its lease lapsed.
_SWITCH = """
local P, gen = ARGV[1], ARGV[2]
local G = P .. 'g:' .. gen .. ':'
if redis.call('DEL', G .. 'lease') == 0 then return false end
redis.call('SET', G .. 'built', '1')
redis.call('SREM', P .. 'building', gen)
local old = redis.call('GET', P .. 'current') or ''
redis.call('SET', P .. 'current', gen)
return old
"""


class RankIndexUnavailable(BitCodeError):
    code = "rank-index-unavailable"
    default_message = "The leaderboard index cannot be reached."


class RebuildInterrupted(RankIndexUnavailable):
    code = "rank-index-rebuild-interrupted"
    default_message = "The leaderboard index was rebuilt too slowly or emptied."


@contextmanager
def _reached() -> Iterator[None]:
    try:
        yield
    except RedisError as error:
        logger.warning("rank_index.unavailable", extra={"error": repr(error)})
        raise RankIndexUnavailable() from error


class RedisRankIndex:
    def __init__(self, redis: Redis, prefix: str = "bitcode:ladder:") -> None:
        self._redis = redis
        self._prefix = prefix
        self._page = redis.register_script(_PAGE)
        self._around = redis.register_script(_AROUND)
        self._rank = redis.register_script(_RANK)
        self._size = redis.register_script(_SIZE)
        self._built = redis.register_script(_BUILT)
        self._put = redis.register_script(_PUT)
        self._move = redis.register_script(_MOVE)
        self._fill = redis.register_script(_FILL)
        self._switch = redis.register_script(_SWITCH)

    # Reading

    async def page(self, board: Board, offset: int, limit: int) -> Sequence[Ranked]:
        if offset < 0 or limit <= 0:
            return []
        found = await self._eval(self._page, *_names(board), offset, limit)
        return _ranked(found, offset)

    async def rank(self, board: Board, player: str) -> Ranked | None:
        found = await self._eval(self._rank, *_names(board), player)
        if not found:
            return None
        rank, score, battles = found
        return Ranked(int(rank), player, -float(score), _count(battles))

    async def around(self, board: Board, player: str, size: int) -> Sequence[Ranked]:
        if size <= 0:
            return []
        found = await self._eval(self._around, *_names(board), player, size)
        return _ranked(found[:4], int(found[4])) if found else []

    async def size(self, board: Board) -> int:
        return int(await self._eval(self._size, _names(board)[0]))

    async def built(self) -> bool:
        return bool(await self._eval(self._built))

    # Writing

    async def put(
        self, ratings: Sequence[LadderRating], countries: Mapping[str, str | None]
    ) -> None:
        """Index ``ratings``; a player missing from ``countries`` has none."""
        if not ratings:
            return
        args: list[str | int] = [len(ratings)]
        for r in ratings:
            args += [_base(r.season, r.scope), r.player, _score(r.rating)]
            args.append(r.rated_battles)
        for player in sorted({r.player for r in ratings}):
            args += [player, countries.get(player) or ""]
        await self._eval(self._put, *args)

    async def move(self, player: str, country: str | None) -> None:
        await self._eval(self._move, player, country or "")

    async def rebuild(self, store: LadderStore) -> int:
        gen = uuid.uuid4().hex
        await self._forget_abandoned()
        await self._begin(gen)
        try:
            count = await self._fill_from(store, gen)
            old = await self._eval(self._switch, gen)
            if old is None:
                raise RebuildInterrupted()
        except BaseException:
            await self._drop_quietly(gen)
            raise
        if _text(old):
            await self._drop_quietly(_text(old))
        logger.info("rank_index.rebuilt", extra={"ratings": count, "generation": gen})
        return count

    async def _begin(self, gen: str) -> None:
        with _reached():
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(self._keys(gen) + "lease", "1", px=LEASE_MS)
                pipe.sadd(self._building, gen)
                await pipe.execute()

    async def _fill_from(self, store: LadderStore, gen: str) -> int:
        count = 0
        after: LadderKey | None = None
        while page := await store.scan(after, SCAN_PAGE):
            await self._fill_page(gen, page)
            count += len(page)
            after = page[-1][0].key
        return count

    async def _fill_page(
        self, gen: str, page: Sequence[tuple[LadderRating, str | None]]
    ) -> None:
        with _reached():
            async with self._redis.pipeline(transaction=False) as pipe:
                for start in range(0, len(page), SCRIPT_ROWS):
                    rows = _fill_args(page[start : start + SCRIPT_ROWS])
                    args = [self._prefix, gen, LEASE_MS, *rows]
                    await self._fill(args=args, client=pipe)
                results = await pipe.execute()
        if not all(results):
            raise RebuildInterrupted()

    async def _forget_abandoned(self) -> None:
        """Unlink generations whose rebuild died before it finished."""
        with _reached():
            for raw in await self._redis.smembers(self._building):
                gen = _text(raw)
                if not await self._redis.exists(self._keys(gen) + "lease"):
                    await self._redis.srem(self._building, gen)
                    await self._drop(gen)

    async def _drop(self, gen: str) -> None:
        """Unlink a generation's keys; Redis frees big ones in the background."""
        own = self._keys(gen)
        with _reached():
            keys = [_text(k) for k in await self._redis.smembers(own + "keys")]
            keys += [own + name for name in ("boards", "built", "lease", "keys")]
            for start in range(0, len(keys), _UNLINK_BATCH):
                await self._redis.unlink(*keys[start : start + _UNLINK_BATCH])

    async def _drop_quietly(self, gen: str) -> None:
        try:
            with _reached():
                await self._redis.srem(self._building, gen)
            await self._drop(gen)
        except RankIndexUnavailable:
            # Its lease lapses; the next rebuild unlinks it.
            logger.warning("rank_index.generation_left", extra={"generation": gen})

    async def _eval(self, script: AsyncScript, *args: str | int) -> Any:
        with _reached():
            return await script(args=[self._prefix, *args])

    @property
    def _building(self) -> str:
        return self._prefix + "building"

    def _keys(self, gen: str) -> str:
        return f"{self._prefix}g:{gen}:"


def _names(board: Board) -> tuple[str, str]:
    """A board's sorted set name and its SEASON:SCOPE (whose counts it uses)."""
    base = _base(board.season, board.scope)
    return (f"{base}:{board.country}" if board.country else base), base


def _base(season: str, scope: Scope) -> str:
    return f"{season}:{scope.value}"


def _score(rating: float) -> str:
    return repr(-rating)


def _fill_args(rows: Sequence[tuple[LadderRating, str | None]]) -> list[str | int]:
    args: list[str | int] = []
    for r, country in rows:
        args += [_base(r.season, r.scope), r.player, _score(r.rating)]
        args += [r.rated_battles, country or ""]
    return args


def _ranked(found: Sequence[Any], offset: int) -> list[Ranked]:
    """Rows from a script's {strictly higher, players, scores, battles}."""
    if not found:
        return []
    higher, players, scores, battles = found
    ranked: list[Ranked] = []
    rank = int(higher) + 1  # the first row may tie with rows before the page
    for i, (player, score, count) in enumerate(
        zip(players, scores, battles, strict=True)
    ):
        rating = -float(score)
        if ranked and ranked[-1].rating != rating:
            rank = offset + i + 1
        ranked.append(Ranked(rank, _text(player), rating, _count(count)))
    return ranked


def _count(value: object) -> int:
    return int(_text(value)) if value is not None else 0


def _text(value: object) -> str:
    """A reply as text, whichever way the client decodes answers."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, str):
        return value
    raise TypeError(f"unexpected Redis reply {type(value).__name__}")
