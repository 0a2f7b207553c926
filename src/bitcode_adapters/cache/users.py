"""Users behind a cache, for the ``UserRepository`` port.

Only lookups by username are cached (public profiles are read by name); lookups
by id and email, which sign-in and authentication use, always read the store.
"""

from __future__ import annotations

from bitcode_adapters.cache.base import Cache, CacheUnavailable
from bitcode_core.accounts.model import User
from bitcode_core.accounts.ports import UserRepository

NAMESPACE = "users"


class CachedUserRepository:
    def __init__(self, users: UserRepository, cache: Cache, ttl_s: float = 300) -> None:
        self._users = users
        self._cache = cache
        self._ttl_s = ttl_s

    async def add(self, user: User) -> None:
        await self._users.add(user)
        await self._cache.bump(NAMESPACE)

    async def get(self, user_id: str) -> User | None:
        return await self._users.get(user_id)

    async def by_email(self, email: str) -> User | None:
        return await self._users.by_email(email)

    async def by_username(self, username: str) -> User | None:
        try:
            generation = await self._cache.generation(NAMESPACE)
        except CacheUnavailable:
            return await self._users.by_username(username)
        key = f"{NAMESPACE}:{generation}:name:{username}"
        if (cached := await self._cache.get(key, User)) is not None:
            return cached
        user = await self._users.by_username(username)
        if user is not None:
            await self._cache.set(key, user, self._ttl_s)
        return user

    async def update(self, user: User) -> None:
        await self._users.update(user)
        await self._cache.bump(NAMESPACE)

    async def delete(self, user_id: str) -> None:
        await self._users.delete(user_id)
        await self._cache.bump(NAMESPACE)

    async def count_admins(self) -> int:
        return await self._users.count_admins()
