"""The ``Database``: URLs, SQLite's settings and the health check."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bitcode_adapters.sql import (
    Database,
    DatabaseUnavailable,
    SqlUserRepository,
    normalise_database_url,
    redacted_url,
)
from bitcode_adapters.sql.database import SQLITE_BUSY_TIMEOUT_MS


class TestNormalisingUrls:
    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            pytest.param(
                "postgres://u:p@db:5432/bitcode",
                "postgresql+psycopg://u:p@db:5432/bitcode",
                id="heroku-style",
            ),
            pytest.param(
                "postgresql://u@db/bitcode?sslmode=require",
                "postgresql+psycopg://u@db/bitcode?sslmode=require",
                id="postgresql",
            ),
            pytest.param(
                "postgresql+psycopg://u@db/bitcode",
                "postgresql+psycopg://u@db/bitcode",
                id="already-async",
            ),
            pytest.param(
                "sqlite:////var/lib/bitcode/db.sqlite3",
                "sqlite+aiosqlite:////var/lib/bitcode/db.sqlite3",
                id="sqlite-absolute",
            ),
            pytest.param(
                "sqlite:///bitcode.sqlite3",
                "sqlite+aiosqlite:///bitcode.sqlite3",
                id="sqlite-relative",
            ),
        ],
    )
    def test_urls_get_an_async_driver(self, given: str, expected: str) -> None:
        url = normalise_database_url(given)

        assert url.render_as_string(hide_password=False) == expected

    def test_a_redacted_url_hides_the_password_and_the_query(self) -> None:
        url = "postgres://bitcode:s3cret@db:5432/bitcode?password=s3cret"

        redacted = redacted_url(url)

        assert "s3cret" not in redacted
        assert redacted == "postgres://bitcode:***@db:5432/bitcode"


@pytest.mark.anyio
class TestConnecting:
    async def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(
        self, sqlite_url: str
    ) -> None:
        database = Database(sqlite_url)
        try:
            async with database.engine.connect() as connection:
                settings = [
                    (await connection.execute(text(f"PRAGMA {name}"))).scalar()
                    for name in ("journal_mode", "foreign_keys", "busy_timeout")
                ]
        finally:
            await database.dispose()

        assert settings == ["wal", 1, SQLITE_BUSY_TIMEOUT_MS]

    @pytest.mark.parametrize("backend", ["sqlite", "postgres"])
    async def test_ping_answers_true_when_the_database_answers(
        self, request: pytest.FixtureRequest, backend: str
    ) -> None:
        database = Database(request.getfixturevalue(f"{backend}_url"))
        try:
            assert await database.ping()
        finally:
            await database.dispose()

    async def test_ping_answers_false_and_logs_no_password_when_unreachable(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        database = Database("postgresql://bitcode:hunter2@127.0.0.1:1/bitcode")
        try:
            answered = await database.ping()
        finally:
            await database.dispose()

        assert not answered
        assert "database.unreachable" in caplog.messages
        assert "hunter2" not in caplog.text
        assert all("hunter2" not in str(r.__dict__) for r in caplog.records)

    async def test_a_repository_on_an_unreachable_database_raises_unavailable(
        self,
    ) -> None:
        database = Database("postgresql://bitcode:hunter2@127.0.0.1:1/bitcode")
        users = SqlUserRepository(database)
        try:
            with pytest.raises(DatabaseUnavailable):
                await users.get("user-ada")
        finally:
            await database.dispose()
