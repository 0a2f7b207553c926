"""The question catalog in SQL.

Each version is a row of ``question_versions`` with its tags and tests in child
rows; ``questions.latest_version`` points at the live one. An edit moves that
pointer with a compare-and-set and inserts the new version in one transaction;
the unique constraint on ``(question_id, version)`` refuses a second writer of the
same version even if the pointer check were bypassed.

A listing reads summaries only: the version's own columns bar the statement and
validator, its tags, and a count of its tests; never a test's input or answer.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bitcode_adapters.clock import SystemClock
from bitcode_adapters.sql.database import Database
from bitcode_adapters.sql.tables import (
    question_tags,
    question_tests,
    question_versions,
    questions,
)
from bitcode_core.catalog.model import (
    CatalogEntry,
    Page,
    QuestionFilter,
    QuestionSummary,
)
from bitcode_core.checking import CheckFlags
from bitcode_core.errors import Conflict, InvalidInput, QuestionNotFound
from bitcode_core.ports import Clock
from bitcode_core.questions import (
    Difficulty,
    Limits,
    OutputCheck,
    Question,
    StatementFormat,
    TestCase,
    ValidatorProgram,
)

_CURSOR_ID = re.compile(r"[a-z0-9-]{1,64}")

_SUMMARY_COLUMNS = (
    question_versions.c.id,
    question_versions.c.question_id,
    question_versions.c.version,
    question_versions.c.setter_id,
    question_versions.c.created_at,
    question_versions.c.updated_at,
    question_versions.c.title,
    question_versions.c.difficulty,
    question_versions.c.time_limit_s,
    question_versions.c.memory_limit_mib,
    question_versions.c.output_limit_mib,
)


class SqlQuestionCatalog:
    def __init__(self, database: Database, clock: Clock | None = None) -> None:
        self._database = database
        self._clock = clock or SystemClock()
        # Order ids by code point, as Python does, whatever the database's locale.
        self._id_order = (
            questions.c.id.collate("C") if database.is_postgres else questions.c.id
        )

    async def add(self, entry: CatalogEntry) -> None:
        if entry.version != 1:
            raise Conflict(f"a new question starts at version 1: {entry.id!r}")
        question = insert(questions).values(
            id=entry.id, latest_version=1, created_at=entry.created_at
        )
        try:
            async with self._database.begin() as connection:
                await connection.execute(question)
                await _write_version(connection, entry)
        except IntegrityError as error:
            raise Conflict(f"question {entry.id!r} exists already") from error

    async def get(
        self, question_id: str, version: int | None = None
    ) -> CatalogEntry | None:
        if version is None:
            statement = _live().where(questions.c.id == question_id)
        else:
            statement = select(question_versions).where(
                question_versions.c.question_id == question_id,
                question_versions.c.version == version,
            )
        async with self._database.connect() as connection:
            row = (await connection.execute(statement)).first()
            entries = await _entries(connection, [row] if row else [])
        return entries[0] if entries else None

    async def update(self, entry: CatalogEntry) -> None:
        advance = (
            update(questions)
            .where(
                questions.c.id == entry.id,
                questions.c.latest_version == entry.version - 1,
                questions.c.deleted_at.is_(None),
            )
            .values(latest_version=entry.version)
        )
        try:
            async with self._database.begin() as connection:
                if (await connection.execute(advance)).rowcount != 1:
                    raise await _refusal(connection, entry)
                await _write_version(connection, entry)
        except IntegrityError as error:
            raise Conflict(
                f"question {entry.id!r} was edited meanwhile; reload it"
            ) from error

    async def delete(self, question_id: str) -> bool:
        statement = (
            update(questions)
            .where(questions.c.id == question_id, questions.c.deleted_at.is_(None))
            .values(deleted_at=self._clock.now())
        )
        async with self._database.begin() as connection:
            return (await connection.execute(statement)).rowcount == 1

    async def list(self, where: QuestionFilter, cursor: str | None, limit: int) -> Page:
        if limit < 1:
            raise InvalidInput("limit must be at least 1", field="limit")
        statement = _live(*_SUMMARY_COLUMNS).where(*_conditions(where))
        if cursor is not None:
            statement = statement.where(self._id_order > decode_cursor(cursor))
        statement = statement.order_by(self._id_order).limit(limit + 1)
        async with self._database.connect() as connection:
            rows = (await connection.execute(statement)).all()
            summaries = await _summaries(connection, rows[:limit])
        more = len(rows) > limit
        next_cursor = encode_cursor(summaries[-1].id) if more else None
        return Page(tuple(summaries), next_cursor)


def encode_cursor(question_id: str) -> str:
    return base64.urlsafe_b64encode(question_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        question_id = base64.urlsafe_b64decode(padded.encode("ascii")).decode()
    except (binascii.Error, UnicodeError, ValueError) as error:
        raise InvalidInput("the cursor is not valid", field="cursor") from error
    if not _CURSOR_ID.fullmatch(question_id):
        raise InvalidInput("the cursor is not valid", field="cursor")
    return question_id


def _live(*columns: Any) -> Select[Any]:
    """The live versions' rows: every column, or only ``columns``."""
    latest = and_(
        questions.c.id == question_versions.c.question_id,
        questions.c.latest_version == question_versions.c.version,
    )
    return (
        select(*(columns or (question_versions,)))
        .select_from(question_versions)
        .join(questions, latest)
        .where(questions.c.deleted_at.is_(None))
    )


def _conditions(where: QuestionFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.difficulty is not None:
        conditions.append(question_versions.c.difficulty == where.difficulty.value)
    if where.tag is not None:
        tagged = exists().where(
            question_tags.c.version_id == question_versions.c.id,
            func.lower(question_tags.c.tag) == where.tag.lower(),
        )
        conditions.append(tagged)
    if where.text:
        pattern = f"%{_escape_like(where.text)}%"
        conditions.append(
            or_(
                question_versions.c.title.ilike(pattern, escape="\\"),
                question_versions.c.statement.ilike(pattern, escape="\\"),
            )
        )
    return conditions


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def _refusal(connection: AsyncConnection, entry: CatalogEntry) -> Exception:
    statement = select(questions.c.deleted_at).where(questions.c.id == entry.id)
    row = (await connection.execute(statement)).first()
    if row is None or row.deleted_at is not None:
        return QuestionNotFound(f"no question {entry.id!r}")
    return Conflict(
        f"question {entry.id!r} is not at version {entry.version - 1}; reload it"
    )


async def _write_version(connection: AsyncConnection, entry: CatalogEntry) -> None:
    statement = (
        insert(question_versions)
        .values(**_version_row(entry))
        .returning(question_versions.c.id)
    )
    version_id = (await connection.execute(statement)).scalar_one()
    question = entry.question
    if question.tags:
        await connection.execute(
            insert(question_tags),
            [
                {"version_id": version_id, "position": i, "tag": tag}
                for i, tag in enumerate(question.tags)
            ],
        )
    await connection.execute(
        insert(question_tests),
        [
            {
                "version_id": version_id,
                "position": i,
                "name": test.name,
                "sample": i < len(question.samples),
                "input": test.input,
                "answer": test.answer,
            }
            for i, test in enumerate(question.tests)
        ],
    )


def _version_row(entry: CatalogEntry) -> dict[str, Any]:
    question = entry.question
    flags = question.check.flags
    validator = question.check.validator
    return {
        "question_id": question.id,
        "version": entry.version,
        "setter_id": entry.setter_id,
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
        "title": question.title,
        "statement": question.statement,
        "statement_format": question.statement_format.value,
        "difficulty": question.difficulty.value,
        "time_limit_s": question.limits.time_s,
        "memory_limit_mib": question.limits.memory_mib,
        "output_limit_mib": question.limits.output_mib,
        "case_sensitive": flags.case_sensitive,
        "space_change_sensitive": flags.space_change_sensitive,
        "float_absolute_tolerance": flags.float_absolute_tolerance,
        "float_relative_tolerance": flags.float_relative_tolerance,
        "validator_language": validator.language if validator else None,
        "validator_filename": validator.filename if validator else None,
        "validator_source": validator.source if validator else None,
    }


async def _entries(
    connection: AsyncConnection, rows: Sequence[Row[Any]]
) -> list[CatalogEntry]:
    ids = [row.id for row in rows]
    if not ids:
        return []
    tags = await _tags(connection, ids)
    tests: defaultdict[int, list[Row[Any]]] = defaultdict(list)
    test_rows = await connection.execute(
        select(question_tests)
        .where(question_tests.c.version_id.in_(ids))
        .order_by(question_tests.c.version_id, question_tests.c.position)
    )
    for test in test_rows:
        tests[test.version_id].append(test)
    return [_entry(row, tags[row.id], tests[row.id]) for row in rows]


async def _summaries(
    connection: AsyncConnection, rows: Sequence[Row[Any]]
) -> list[QuestionSummary]:
    ids = [row.id for row in rows]
    if not ids:
        return []
    tags = await _tags(connection, ids)
    counted = await connection.execute(
        select(
            question_tests.c.version_id,
            question_tests.c.sample,
            func.count().label("tests"),
        )
        .where(question_tests.c.version_id.in_(ids))
        .group_by(question_tests.c.version_id, question_tests.c.sample)
    )
    counts = {(c.version_id, bool(c.sample)): int(c.tests) for c in counted}
    return [
        QuestionSummary(
            id=row.question_id,
            title=row.title,
            difficulty=Difficulty(row.difficulty),
            tags=tuple(tags[row.id]),
            limits=_limits(row),
            version=row.version,
            setter_id=row.setter_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
            sample_count=counts.get((row.id, True), 0),
            hidden_count=counts.get((row.id, False), 0),
        )
        for row in rows
    ]


async def _tags(
    connection: AsyncConnection, version_ids: list[int]
) -> defaultdict[int, list[str]]:
    tags: defaultdict[int, list[str]] = defaultdict(list)
    rows = await connection.execute(
        select(question_tags.c.version_id, question_tags.c.tag)
        .where(question_tags.c.version_id.in_(version_ids))
        .order_by(question_tags.c.version_id, question_tags.c.position)
    )
    for row in rows:
        tags[row.version_id].append(row.tag)
    return tags


def _entry(row: Row[Any], tags: list[str], tests: list[Row[Any]]) -> CatalogEntry:
    question = Question(
        id=row.question_id,
        title=row.title,
        statement=row.statement,
        statement_format=StatementFormat(row.statement_format),
        difficulty=Difficulty(row.difficulty),
        tags=tuple(tags),
        limits=_limits(row),
        samples=tuple(_test(t) for t in tests if t.sample),
        hidden=tuple(_test(t) for t in tests if not t.sample),
        check=OutputCheck(_flags(row), _validator(row)),
    )
    return CatalogEntry(
        question=question,
        version=row.version,
        setter_id=row.setter_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _limits(row: Row[Any]) -> Limits:
    return Limits(row.time_limit_s, row.memory_limit_mib, row.output_limit_mib)


def _test(row: Row[Any]) -> TestCase:
    return TestCase(row.name, bytes(row.input), bytes(row.answer), sample=row.sample)


def _flags(row: Row[Any]) -> CheckFlags:
    return CheckFlags(
        case_sensitive=row.case_sensitive,
        space_change_sensitive=row.space_change_sensitive,
        float_absolute_tolerance=row.float_absolute_tolerance,
        float_relative_tolerance=row.float_relative_tolerance,
    )


def _validator(row: Row[Any]) -> ValidatorProgram | None:
    if row.validator_source is None:
        return None
    return ValidatorProgram(
        row.validator_language, row.validator_filename, bytes(row.validator_source)
    )
