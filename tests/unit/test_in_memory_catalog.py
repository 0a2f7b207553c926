"""The in-memory question catalog: versions, hiding and paging."""

from __future__ import annotations

import pytest

from bitcode_adapters.memory import InMemoryQuestionCatalog
from bitcode_core.catalog.model import CatalogEntry, QuestionFilter
from bitcode_core.errors import Conflict, InvalidInput, QuestionNotFound
from bitcode_core.questions import Difficulty, Question
from bitcode_core.questions import TestCase as Case

pytestmark = pytest.mark.anyio

EVERYTHING = QuestionFilter()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def entry(question_id: str, version: int = 1, **question: object) -> CatalogEntry:
    fields: dict[str, object] = {
        "title": question_id.title(),
        "statement": "Read n, print it.",
        "hidden": (Case("1", b"1", b"1"),),
        **question,
    }
    return CatalogEntry(
        Question(id=question_id, **fields),  # type: ignore[arg-type]
        version,
        setter_id="setter-1",
        created_at=0.0,
        updated_at=float(version),
    )


async def catalog_of(*entries: CatalogEntry) -> InMemoryQuestionCatalog:
    catalog = InMemoryQuestionCatalog()
    for e in entries:
        await catalog.add(e)
    return catalog


async def ids(catalog: InMemoryQuestionCatalog, where: QuestionFilter) -> list[str]:
    page = await catalog.list(where, None, 100)
    return [e.id for e in page.entries]


class TestVersions:
    async def test_get_answers_the_latest_version(self):
        catalog = await catalog_of(entry("sum"))

        await catalog.update(entry("sum", 2, title="Sum, again"))

        latest = await catalog.get("sum")
        assert latest is not None
        assert (latest.version, latest.question.title) == (2, "Sum, again")

    async def test_every_version_is_kept(self):
        catalog = await catalog_of(entry("sum"))
        await catalog.update(entry("sum", 2, title="Sum, again"))

        first = await catalog.get("sum", version=1)

        assert first is not None
        assert first.question.title == "Sum"
        assert await catalog.get("sum", version=3) is None

    @pytest.mark.parametrize(
        "version",
        [
            pytest.param(1, id="same-version"),
            pytest.param(3, id="skipped-version"),
        ],
    )
    async def test_an_update_must_follow_the_latest_version(self, version):
        catalog = await catalog_of(entry("sum"))

        with pytest.raises(Conflict):
            await catalog.update(entry("sum", version))

    async def test_a_taken_id_cannot_be_added(self):
        catalog = await catalog_of(entry("sum"))

        with pytest.raises(Conflict):
            await catalog.add(entry("sum"))

    async def test_an_unknown_question_cannot_be_updated(self):
        catalog = await catalog_of()

        with pytest.raises(QuestionNotFound):
            await catalog.update(entry("sum", 2))


class TestDelete:
    async def test_a_deleted_question_is_hidden_but_its_versions_remain(self):
        catalog = await catalog_of(entry("sum"), entry("max"))

        assert await catalog.delete("sum")

        assert await catalog.get("sum") is None
        assert await catalog.get("sum", version=1) is not None
        assert await ids(catalog, EVERYTHING) == ["max"]

    async def test_deleting_twice_answers_false(self):
        catalog = await catalog_of(entry("sum"))
        await catalog.delete("sum")

        assert not await catalog.delete("sum")
        assert not await catalog.delete("never-was")


class TestList:
    @pytest.mark.parametrize(
        ("where", "expected"),
        [
            pytest.param(EVERYTHING, ["graphs", "max", "sum"], id="everything"),
            pytest.param(
                QuestionFilter(difficulty=Difficulty.HARD), ["graphs"], id="difficulty"
            ),
            pytest.param(QuestionFilter(tag="MATH"), ["max", "sum"], id="tag"),
            pytest.param(QuestionFilter(text="LARGEST"), ["max"], id="text-statement"),
            pytest.param(QuestionFilter(text="grap"), ["graphs"], id="text-title"),
            pytest.param(
                QuestionFilter(tag="math", text="sum"), ["sum"], id="tag-and-text"
            ),
        ],
    )
    async def test_filters_narrow_the_list(self, where, expected):
        catalog = await catalog_of(
            entry("sum", tags=("math",), difficulty=Difficulty.EASY),
            entry("max", tags=("math",), statement="Print the largest."),
            entry("graphs", tags=("graph",), difficulty=Difficulty.HARD),
        )

        assert await ids(catalog, where) == expected

    async def test_pages_follow_each_other_by_cursor(self):
        catalog = await catalog_of(*(entry(f"q{i}") for i in range(5)))
        seen: list[str] = []
        cursor = None

        while True:
            page = await catalog.list(EVERYTHING, cursor, 2)
            seen += [e.id for e in page.entries]
            if (cursor := page.next_cursor) is None:
                break

        assert seen == ["q0", "q1", "q2", "q3", "q4"]

    async def test_the_last_full_page_has_no_cursor(self):
        catalog = await catalog_of(entry("a"), entry("b"))

        page = await catalog.list(EVERYTHING, None, 2)

        assert page.next_cursor is None

    async def test_the_list_summarises_the_latest_versions(self):
        catalog = await catalog_of(entry("sum"))
        latest = entry(
            "sum", 2, title="Sum, again", samples=(Case("s", b"", b"", sample=True),)
        )
        await catalog.update(latest)

        page = await catalog.list(EVERYTHING, None, 10)

        assert page.entries == (latest.summary(),)
        assert (page.entries[0].sample_count, page.entries[0].hidden_count) == (1, 1)

    @pytest.mark.parametrize(
        "cursor",
        [
            pytest.param("", id="empty"),
            pytest.param("!!!", id="not-base64"),
            pytest.param("//8", id="not-utf8"),
            pytest.param("c3Vt==", id="padded"),
        ],
    )
    async def test_a_bad_cursor_is_refused(self, cursor):
        catalog = await catalog_of(entry("sum"))

        with pytest.raises(InvalidInput) as refused:
            await catalog.list(EVERYTHING, cursor, 10)

        assert refused.value.field == "cursor"
