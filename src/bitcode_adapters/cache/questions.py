"""The question catalog behind a cache, for the ``QuestionCatalog`` port."""

from __future__ import annotations

import contextlib
import hashlib
import json

from bitcode_adapters.cache.base import Cache, CacheUnavailable
from bitcode_core.catalog.model import CatalogEntry, Page, QuestionFilter
from bitcode_core.catalog.ports import QuestionCatalog
from bitcode_core.errors import Conflict, NotFound

NAMESPACE = "questions"


class CachedQuestionCatalog:
    """Latest versions and list pages (of summaries, so no test data) live under
    the namespace generation, which every change bumps once stored; an exact
    version never changes, so it is kept under its own key."""

    def __init__(
        self, catalog: QuestionCatalog, cache: Cache, ttl_s: float = 300
    ) -> None:
        self._catalog = catalog
        self._cache = cache
        self._ttl_s = ttl_s

    async def add(self, entry: CatalogEntry) -> None:
        await self._catalog.add(entry)
        await self._cache.bump(NAMESPACE)

    async def get(
        self, question_id: str, version: int | None = None
    ) -> CatalogEntry | None:
        if version is not None:
            key = f"{NAMESPACE}-version:{question_id}:{version}"
        else:
            generation = await self._generation()
            if generation is None:
                return await self._catalog.get(question_id)
            key = f"{NAMESPACE}:{generation}:get:{question_id}"
        if (cached := await self._cache.get(key, CatalogEntry)) is not None:
            return cached
        entry = await self._catalog.get(question_id, version)
        if entry is not None:
            await self._cache.set(key, entry, self._ttl_s)
        return entry

    async def update(self, entry: CatalogEntry) -> None:
        try:
            await self._catalog.update(entry)
        except (Conflict, NotFound):
            await self._forget_stale()
            raise
        await self._cache.bump(NAMESPACE)

    async def delete(self, question_id: str) -> bool:
        # Bumped even when nothing was deleted: the cache may still show it.
        deleted = await self._catalog.delete(question_id)
        await self._cache.bump(NAMESPACE)
        return deleted

    async def list(self, where: QuestionFilter, cursor: str | None, limit: int) -> Page:
        generation = await self._generation()
        if generation is None:
            return await self._catalog.list(where, cursor, limit)
        key = f"{NAMESPACE}:{generation}:summaries:{_digest(where, cursor, limit)}"
        if (cached := await self._cache.get(key, Page)) is not None:
            return cached
        page = await self._catalog.list(where, cursor, limit)
        await self._cache.set(key, page, self._ttl_s)
        return page

    async def _forget_stale(self) -> None:
        # The store disagrees with what was cached: another process changed
        # it. Drop the cached view so the client's reload reads the truth.
        with contextlib.suppress(CacheUnavailable):
            await self._cache.bump(NAMESPACE)

    async def _generation(self) -> int | None:
        try:
            return await self._cache.generation(NAMESPACE)
        except CacheUnavailable:
            return None  # read around a broken cache


def _digest(where: QuestionFilter, cursor: str | None, limit: int) -> str:
    query = [where.difficulty, where.tag, where.text, cursor, limit]
    return hashlib.sha256(json.dumps(query).encode()).hexdigest()[:32]
