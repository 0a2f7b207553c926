"""The read-through caches: hits, invalidation, and no stale read after an edit,
even when a slow reader stores what it read before the edit."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import msgspec
import pytest

from bitcode_adapters.cache import CachedQuestionCatalog, InProcessCache
from bitcode_adapters.memory import InMemoryQuestionCatalog
from bitcode_core.catalog.model import CatalogEntry, Page, QuestionFilter
from bitcode_core.errors import Conflict, QuestionNotFound
from bitcode_core.questions import Difficulty, Question
from bitcode_core.questions import TestCase as Case

pytestmark = pytest.mark.anyio

EVERYTHING = QuestionFilter()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def entry(title: str, version: int = 1) -> CatalogEntry:
    question = Question(
        id="sum", title=title, statement="Add.", hidden=(Case("1", b"1 1", b"2"),)
    )
    return CatalogEntry(question, version, "setter", 0.0, float(version))


class CountingCatalog(InMemoryQuestionCatalog):
    """Counts reads; ``hold`` makes the next read wait after reading."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.lists = 0
        self.hold: asyncio.Event | None = None

    async def list(self, where: QuestionFilter, cursor: str | None, limit: int) -> Page:
        self.lists += 1
        return await super().list(where, cursor, limit)

    async def get(
        self, question_id: str, version: int | None = None
    ) -> CatalogEntry | None:
        self.reads += 1
        found = await super().get(question_id, version)
        if self.hold is not None:
            hold, self.hold = self.hold, None
            await hold.wait()
        return found


class TestCachedQuestionCatalog:
    async def test_a_second_read_is_served_from_the_cache(self) -> None:
        inner = CountingCatalog()
        cached = CachedQuestionCatalog(inner, InProcessCache())
        await cached.add(entry("Sum"))

        await cached.get("sum")
        found = await cached.get("sum")

        assert found is not None
        assert found.question.title == "Sum"
        assert inner.reads == 1

    async def test_a_second_listing_is_served_from_the_cache(self) -> None:
        inner = CountingCatalog()
        cached = CachedQuestionCatalog(inner, InProcessCache())
        await cached.add(entry("Sum"))

        first = await cached.list(EVERYTHING, None, 10)
        second = await cached.list(EVERYTHING, None, 10)

        assert second == first == Page((entry("Sum").summary(),), None)
        assert inner.lists == 1

    async def test_an_edit_shows_in_details_and_lists_at_once(self) -> None:
        cached = CachedQuestionCatalog(InMemoryQuestionCatalog(), InProcessCache())
        await cached.add(entry("Sum"))
        await cached.get("sum")
        await cached.list(EVERYTHING, None, 10)

        await cached.update(entry("Sum of two", version=2))

        found = await cached.get("sum")
        page = await cached.list(EVERYTHING, None, 10)
        assert found is not None
        assert found.version == 2
        assert page.entries[0].title == "Sum of two"

    async def test_a_slow_reader_never_leaves_a_stale_entry_behind(self) -> None:
        inner = CountingCatalog()
        cached = CachedQuestionCatalog(inner, InProcessCache())
        await cached.add(entry("Old"))
        inner.hold = release = asyncio.Event()
        slow_reader = asyncio.create_task(cached.get("sum"))
        await asyncio.sleep(0)  # it has read "Old" and waits

        await cached.update(entry("New", version=2))
        release.set()
        assert (await slow_reader).question.title == "Old"  # type: ignore[union-attr]

        found = await cached.get("sum")
        assert found is not None
        assert found.question.title == "New"

    async def test_a_deleted_question_leaves_the_cached_list(self) -> None:
        cached = CachedQuestionCatalog(InMemoryQuestionCatalog(), InProcessCache())
        await cached.add(entry("Sum"))
        await cached.list(EVERYTHING, None, 10)

        await cached.delete("sum")

        assert await cached.list(EVERYTHING, None, 10) == Page((), None)
        assert await cached.get("sum") is None

    @pytest.mark.parametrize(
        "change",
        [
            pytest.param("edit", id="edited-elsewhere"),
            pytest.param("delete", id="deleted-elsewhere"),
        ],
    )
    async def test_a_refused_edit_drops_what_another_writer_made_stale(
        self, change: str
    ) -> None:
        store = InMemoryQuestionCatalog()  # the database both processes share
        cached = CachedQuestionCatalog(store, InProcessCache())
        await cached.add(entry("Sum"))
        await cached.list(EVERYTHING, None, 10)
        assert await cached.get("sum") is not None
        if change == "edit":
            await store.update(entry("Imported", version=2))
        else:
            await store.delete("sum")

        with pytest.raises((Conflict, QuestionNotFound)):
            await cached.update(entry("Mine", version=2))

        assert await cached.get("sum") == await store.get("sum")
        assert await cached.list(EVERYTHING, None, 10) == await store.list(
            EVERYTHING, None, 10
        )


class TestInProcessCache:
    async def test_entries_expire_and_the_oldest_go_first(self) -> None:
        now = [0.0]
        cache = InProcessCache(max_entries=2, monotonic=lambda: now[0])
        await cache.set("a", 1, ttl_s=10)
        await cache.set("b", 2, ttl_s=10)
        await cache.set("c", 3, ttl_s=10)

        assert await cache.get("a", int) is None
        now[0] = 11
        assert await cache.get("b", int) is None

    async def test_catalog_entries_survive_the_redis_encoding(self) -> None:
        original = entry("Sum")

        decoded = msgspec.msgpack.decode(
            msgspec.msgpack.encode(original), type=CatalogEntry
        )

        assert decoded == original

    async def test_pages_of_summaries_survive_the_redis_encoding(self) -> None:
        summary = replace(
            entry("Sum").summary(), difficulty=Difficulty.HARD, tags=("math",)
        )
        original = Page((summary,), "c3Vt")

        decoded = msgspec.msgpack.decode(msgspec.msgpack.encode(original), type=Page)

        assert decoded == original
