"""Rate limiters, one contract for both: in memory, and in the real Redis on
127.0.0.1:6379 shared by two clients as two server processes would share it."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from bitcode_adapters.clock import SystemClock
from bitcode_adapters.memory import InMemoryRateLimiter
from bitcode_adapters.redis_rate_limiter import (
    RateLimiterUnavailable,
    RedisRateLimiter,
)
from bitcode_core.accounts.ports import RateLimiter

pytestmark = pytest.mark.anyio

REDIS = {"host": "127.0.0.1", "port": 6379}
Limiters = tuple[RateLimiter, RateLimiter]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"bitcode:test:rate:{uuid.uuid4().hex}:"
    yield prefix
    async with Redis(**REDIS) as redis:
        keys = [k async for k in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)


@pytest.fixture(params=["memory", "redis"])
async def limiters(request, prefix) -> AsyncIterator[Limiters]:
    """Two handles on one limiter's counts, as two processes would hold."""
    if request.param == "memory":
        shared = InMemoryRateLimiter(SystemClock())
        yield shared, shared
        return
    async with Redis(**REDIS) as first, Redis(**REDIS) as second:
        yield (
            RedisRateLimiter(first, prefix=prefix),
            RedisRateLimiter(second, prefix=prefix),
        )


async def allowed(limiter: RateLimiter, hits: int, limit: int) -> int:
    decisions = [await limiter.hit("login", limit, 60) for _ in range(hits)]
    return sum(d.allowed for d in decisions)


class TestHit:
    async def test_hits_past_the_limit_are_refused_until_the_window_ends(
        self, limiters
    ):
        limiter, _ = limiters
        assert await allowed(limiter, 3, limit=3) == 3

        refused = await limiter.hit("login", 3, 60)

        assert not refused.allowed
        assert 59 < refused.retry_after_s <= 60

    async def test_keys_are_counted_apart(self, limiters):
        limiter, _ = limiters
        await allowed(limiter, 3, limit=3)

        decision = await limiter.hit("login:other", 3, 60)

        assert decision.allowed

    async def test_a_new_window_opens_when_the_last_one_ends(self, limiters):
        limiter, _ = limiters
        for _ in range(3):
            await limiter.hit("burst", 2, 0.2)
        await asyncio.sleep(0.25)

        decision = await limiter.hit("burst", 2, 0.2)

        assert decision.allowed

    async def test_later_hits_do_not_extend_the_window(self, limiters):
        limiter, _ = limiters
        await limiter.hit("login", 1, 0.5)
        await asyncio.sleep(0.2)

        refused = await limiter.hit("login", 1, 0.5)

        assert not refused.allowed
        assert refused.retry_after_s <= 0.3

    async def test_concurrent_hits_from_two_handles_are_counted_exactly(self, limiters):
        hits = [limiters[n % 2].hit("crowd", 50, 60) for n in range(200)]

        decisions = await asyncio.gather(*hits)

        assert sum(d.allowed for d in decisions) == 50


class TestReset:
    async def test_a_reset_key_starts_afresh(self, limiters):
        limiter, other = limiters
        await allowed(limiter, 4, limit=3)

        await other.reset("login")

        assert await allowed(limiter, 3, limit=3) == 3


class TestUnavailable:
    async def test_an_unreachable_redis_is_reported(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed_port = probe.getsockname()[1]
        no_retries = Retry(NoBackoff(), retries=0)
        async with Redis(host="127.0.0.1", port=closed_port, retry=no_retries) as redis:
            limiter = RedisRateLimiter(redis)

            with pytest.raises(RateLimiterUnavailable):
                await limiter.hit("login", 5, 60)
