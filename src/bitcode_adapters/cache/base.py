"""The cache the cached repositories use, in process or in Redis."""

from __future__ import annotations

from typing import Protocol, TypeVar

from bitcode_core.errors import BitCodeError

T = TypeVar("T")


class CacheUnavailable(BitCodeError):
    code = "cache-unavailable"
    default_message = "The cache cannot be reached; the change may not show yet."


class Cache(Protocol):
    """Values are immutable objects; ``kind`` says what to decode them as where
    they are stored as bytes."""

    async def get(self, key: str, kind: type[T]) -> T | None: ...

    async def set(self, key: str, value: object, ttl_s: float) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def generation(self, namespace: str) -> int:
        """The namespace's current generation (0 before any change)."""
        ...

    async def bump(self, namespace: str) -> int:
        """Start a new generation, hiding every entry of the previous ones;
        ``CacheUnavailable`` if that cannot be done."""
        ...

    async def close(self) -> None: ...
