"""A cache inside one process: a bounded LRU of immutable objects.

Only for a single server process: another process would keep its own copy and
never hear of a change.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar, cast

T = TypeVar("T")


class InProcessCache:
    def __init__(
        self,
        max_entries: int = 1024,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._generations: dict[str, int] = {}
        self._max_entries = max_entries
        self._monotonic = monotonic

    async def get(self, key: str, kind: type[T]) -> T | None:
        found = self._entries.get(key)
        if found is None:
            return None
        expires_at, value = found
        if expires_at <= self._monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return cast("T", value)

    async def set(self, key: str, value: object, ttl_s: float) -> None:
        self._entries[key] = (self._monotonic() + ttl_s, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def delete(self, key: str) -> None:
        self._entries.pop(key, None)

    async def generation(self, namespace: str) -> int:
        return self._generations.get(namespace, 0)

    async def bump(self, namespace: str) -> int:
        generation = self._generations.get(namespace, 0) + 1
        self._generations[namespace] = generation
        prefix = f"{namespace}:"
        for key in [k for k in self._entries if k.startswith(prefix)]:
            del self._entries[key]  # unreachable now; free them at once
        return generation

    async def close(self) -> None:
        self._entries.clear()
