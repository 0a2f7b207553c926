"""What the SQL question catalog asks of the database when it lists questions.

The contract suite proves what a listing answers; this proves what it costs: a
page of summaries never reads a test's bytes or the validator's source.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event

from bitcode_adapters.sql import Database, SqlQuestionCatalog
from bitcode_adapters.sql.tables import metadata
from bitcode_core.catalog.model import CatalogEntry, QuestionFilter
from bitcode_core.questions import Question
from bitcode_core.questions import TestCase as Case

pytestmark = pytest.mark.anyio

HEAVY = (
    "question_tests.input",
    "question_tests.answer",
    "question_versions.validator_source",
)


@pytest.fixture(params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    database = Database(request.getfixturevalue(f"{request.param}_url"))
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    try:
        yield database
    finally:
        await database.dispose()


def an_entry(question_id: str) -> CatalogEntry:
    question = Question(
        id=question_id,
        title=question_id.title(),
        statement="Echo the input.",
        tags=("strings",),
        samples=(Case("sample", b"1\n", b"1\n", sample=True),),
        hidden=(Case("big", b"x" * 100_000, b"x" * 100_000),),
    )
    return CatalogEntry(question, 1, None, 0.0, 0.0)


class TestListing:
    @pytest.mark.parametrize(
        "where",
        [
            pytest.param(QuestionFilter(), id="everything"),
            pytest.param(QuestionFilter(tag="strings", text="echo"), id="filtered"),
        ],
    )
    async def test_a_page_reads_no_test_data(
        self, database: Database, where: QuestionFilter
    ) -> None:
        catalog = SqlQuestionCatalog(database)
        for question_id in ("a", "b", "c"):
            await catalog.add(an_entry(question_id))
        sent: list[str] = []

        def record(*args: Any) -> None:
            sent.append(args[2])  # the statement's SQL text

        event.listen(database.engine.sync_engine, "before_cursor_execute", record)
        try:
            page = await catalog.list(where, None, 2)
        finally:
            event.remove(database.engine.sync_engine, "before_cursor_execute", record)

        assert [s.hidden_count for s in page.entries] == [1, 1]
        assert not [sql for sql in sent if any(c in sql for c in HEAVY)]
