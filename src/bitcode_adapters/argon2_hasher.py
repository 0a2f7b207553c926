"""Password hashing with Argon2id, for the ``PasswordHasher`` port.

Hashing is slow and memory-hungry on purpose, so it runs in a small thread pool of
its own: the event loop never waits on it, and at most ``workers`` hashes hold
their memory at once.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's minimum for Argon2id: 19 MiB of memory, 2 iterations, 1 lane.
OWASP_MEMORY_KIB = 19 * 1024
OWASP_TIME_COST = 2
OWASP_PARALLELISM = 1


class Argon2PasswordHasher:
    def __init__(
        self,
        *,
        memory_kib: int = OWASP_MEMORY_KIB,
        time_cost: int = OWASP_TIME_COST,
        parallelism: int = OWASP_PARALLELISM,
        workers: int | None = None,
    ) -> None:
        self._argon2 = PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=parallelism,
            type=Type.ID,
        )
        self._pool = ThreadPoolExecutor(
            max_workers=workers or min(4, os.cpu_count() or 1),
            thread_name_prefix="argon2",
        )

    @property
    def memory_kib(self) -> int:
        return self._argon2.memory_cost

    @property
    def time_cost(self) -> int:
        return self._argon2.time_cost

    @property
    def parallelism(self) -> int:
        return self._argon2.parallelism

    async def hash(self, password: str) -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._argon2.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._pool, self._verify, password_hash, password
        )

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._argon2.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False  # a mismatch, or a hash this hasher cannot read
