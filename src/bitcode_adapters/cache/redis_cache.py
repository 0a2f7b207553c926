"""A cache in Redis, shared by every server process.

Values are stored as MessagePack (msgspec), never pickled, and decoded into the
type the caller names. A failing read or write is a miss; a failing generation
bump raises ``CacheUnavailable``, since readers could otherwise see stale data.
"""

from __future__ import annotations

import logging
from typing import TypeVar

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bitcode_adapters.cache.base import CacheUnavailable

logger = logging.getLogger(__name__)

T = TypeVar("T")

MAX_VALUE_BYTES = 32 * 1024 * 1024


class RedisCache:
    def __init__(
        self,
        redis: Redis,
        prefix: str = "bitcode:cache:",
        max_value_bytes: int = MAX_VALUE_BYTES,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._max_value_bytes = max_value_bytes

    async def get(self, key: str, kind: type[T]) -> T | None:
        try:
            data = await self._redis.get(self._prefix + key)
        except RedisError as error:
            logger.warning("cache.read_failed", extra={"error": type(error).__name__})
            return None
        if data is None:
            return None
        if isinstance(data, str):  # a client made with decode_responses=True
            data = data.encode()
        try:
            return msgspec.msgpack.decode(data, type=kind)
        except (msgspec.DecodeError, ValueError, TypeError):
            # Written by another release, or a value the type now refuses.
            logger.warning("cache.undecodable", extra={"key": key})
            return None

    async def set(self, key: str, value: object, ttl_s: float) -> None:
        data = msgspec.msgpack.encode(value)
        if len(data) > self._max_value_bytes:
            return
        try:
            ttl_ms = max(1, int(ttl_s * 1000))
            await self._redis.set(self._prefix + key, data, px=ttl_ms)
        except RedisError as error:
            logger.warning("cache.write_failed", extra={"error": type(error).__name__})

    async def delete(self, key: str) -> None:
        try:
            await self._redis.delete(self._prefix + key)
        except RedisError as error:
            raise CacheUnavailable() from error

    async def generation(self, namespace: str) -> int:
        try:
            value = await self._redis.get(f"{self._prefix}generation:{namespace}")
        except RedisError as error:
            raise CacheUnavailable() from error
        return int(value or 0)

    async def bump(self, namespace: str) -> int:
        try:
            return int(await self._redis.incr(f"{self._prefix}generation:{namespace}"))
        except RedisError as error:
            raise CacheUnavailable() from error

    async def close(self) -> None:
        """The Redis client belongs to the composition root, which closes it."""
