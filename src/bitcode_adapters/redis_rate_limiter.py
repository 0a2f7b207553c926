"""Rate limits kept in Redis, shared by every process, for the ``RateLimiter`` port.

Fixed windows, as in the in-memory limiter: a key's first hit opens a window of
``window_s`` seconds and every hit in it counts. One Lua script counts the hit,
opens the window and reads what is left of it, so concurrent hits from any number
of processes are counted exactly.
"""

from __future__ import annotations

import logging
import math

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bitcode_core.accounts.ports import RateDecision
from bitcode_core.errors import BitCodeError

logger = logging.getLogger(__name__)

# KEYS[1]: the counter; ARGV[1]: the window in milliseconds.
# Returns the hits in the window, this one included, and its milliseconds left.
_HIT = """
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if hits == 1 or left < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    left = tonumber(ARGV[1])
end
return {hits, left}
"""


class RateLimiterUnavailable(BitCodeError):
    code = "rate-limiter-unavailable"
    default_message = "The rate limiter cannot be reached."


class RedisRateLimiter:
    def __init__(self, redis: Redis, prefix: str = "bitcode:rate:") -> None:
        self._redis = redis
        self._prefix = prefix
        self._hit = redis.register_script(_HIT)

    async def hit(self, key: str, limit: int, window_s: float) -> RateDecision:
        window_ms = max(1, math.ceil(window_s * 1000))
        try:
            hits, left_ms = await self._hit(keys=[self._prefix + key], args=[window_ms])
        except RedisError as error:
            raise self._unavailable(error) from error
        if int(hits) <= limit:
            return RateDecision(allowed=True)
        return RateDecision(allowed=False, retry_after_s=int(left_ms) / 1000)

    async def reset(self, key: str) -> None:
        try:
            await self._redis.delete(self._prefix + key)
        except RedisError as error:
            raise self._unavailable(error) from error

    def _unavailable(self, error: RedisError) -> RateLimiterUnavailable:
        logger.warning("rate_limiter.unavailable", extra={"error": repr(error)})
        return RateLimiterUnavailable()
