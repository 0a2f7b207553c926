"""The Alembic migrations, on SQLite and PostgreSQL, and ``bitcode db``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import Column, MetaData, Text, inspect, text
from sqlalchemy.engine import Connection

from bitcode_adapters.sql import Database, DatabaseUnavailable, migrate
from bitcode_adapters.sql.tables import metadata
from bitcode_cli.db import db

# Nothing listens on port 1 of the loopback: connecting is refused at once.
UNREACHABLE = "postgresql://bitcode:hunter2-secret@127.0.0.1:1/bitcode"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres"),
    ]
)
def url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


async def _on(url: str, inspection: Any) -> Any:
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            return await connection.run_sync(inspection)
    finally:
        await database.dispose()


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def _differences(connection: Connection, target: MetaData) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, target))


def _revisions_from_base() -> list[str]:
    scripts = ScriptDirectory.from_config(migrate.config())
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


@pytest.mark.anyio
class TestMigratingUpAndDown:
    async def test_upgrade_downgrade_and_upgrade_again(self, url: str) -> None:
        await migrate.upgrade(url)
        upgraded = await _on(url, _tables)

        await migrate.downgrade(url, "base")
        downgraded = await _on(url, _tables)
        at_base = await migrate.current(url)

        await migrate.upgrade(url)

        assert upgraded == set(metadata.tables)
        assert (downgraded, at_base) == (set(), None)
        assert await migrate.current(url) == migrate.head()
        assert await _on(url, _tables) == set(metadata.tables)

    async def test_every_revision_steps_up_and_down_one_at_a_time(
        self, url: str
    ) -> None:
        revisions = _revisions_from_base()

        for revision in revisions:
            await migrate.upgrade(url, revision)
            assert await migrate.current(url) == revision
        for below in [*reversed(revisions[:-1]), None]:
            await migrate.downgrade(url, below or "base")
            assert await migrate.current(url) == below

        assert revisions[-1] == migrate.head()

    async def test_rating_bands_are_counted_from_the_ratings_already_stored(
        self, url: str
    ) -> None:
        await migrate.upgrade(url, "0004")
        ratings = [("s1", "overall", 1499.5), ("s1", "overall", 1499.0)]
        ratings += [("s1", "overall", 1612.25), ("s1", "duel", 1499.9)]

        def seed(connection: Connection) -> None:
            for n, (season, scope, rating) in enumerate(ratings):
                connection.execute(
                    text(
                        "INSERT INTO ladder_ratings VALUES "
                        "(:season, :scope, :player, :rating, 1, :rating, 1, 0, 0, 1, 0)"
                    ),
                    {
                        "season": season,
                        "scope": scope,
                        "player": f"p{n}",
                        "rating": rating,
                    },
                )

        database = Database(url)
        async with database.engine.begin() as connection:
            await connection.run_sync(seed)
        await database.dispose()
        await migrate.upgrade(url)

        def bands(connection: Connection) -> set[tuple[Any, ...]]:
            rows = connection.execute(
                text("SELECT season_id, scope, band, players FROM ladder_rating_bands")
            )
            return {tuple(row) for row in rows}

        assert await _on(url, bands) == {
            ("s1", "overall", 1499, 2),
            ("s1", "overall", 1612, 1),
            ("s1", "duel", 1499, 1),
        }

    async def test_upgrading_an_up_to_date_database_changes_nothing(
        self, url: str
    ) -> None:
        await migrate.upgrade(url)

        await migrate.upgrade(url)

        assert await migrate.current(url) == migrate.head()

    async def test_servers_starting_together_migrate_one_after_the_other(
        self, url: str
    ) -> None:
        await asyncio.gather(*(migrate.upgrade(url) for _ in range(3)))

        assert await migrate.current(url) == migrate.head()

    async def test_a_database_never_migrated_has_no_revision(self, url: str) -> None:
        assert await migrate.current(url) is None


@pytest.mark.anyio
class TestTheMigratedSchema:
    async def test_it_matches_the_tables_the_adapters_use(self, url: str) -> None:
        await migrate.upgrade(url)

        differences = await _on(url, lambda c: _differences(c, metadata))

        assert differences == []

    async def test_the_comparison_notices_a_missing_column(
        self, sqlite_url: str
    ) -> None:
        await migrate.upgrade(sqlite_url)
        changed = MetaData(naming_convention=metadata.naming_convention)
        for table in metadata.tables.values():
            table.to_metadata(changed)
        changed.tables["users"].append_column(Column("nickname", Text))

        differences = await _on(sqlite_url, lambda c: _differences(c, changed))

        assert [d[0] for d in differences] == ["add_column"]


@pytest.mark.anyio
class TestMigrationFailures:
    async def test_an_unreachable_database_is_reported_without_its_password(
        self,
    ) -> None:
        with pytest.raises(DatabaseUnavailable) as raised:
            await migrate.upgrade(UNREACHABLE)

        assert "127.0.0.1:1" in raised.value.message
        assert "hunter2" not in raised.value.message


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("BITCODE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data" / "bitcode.sqlite3"


class TestDbCommand:
    def test_upgrade_creates_the_default_database_in_the_data_dir(
        self, cli_env: Path
    ) -> None:
        upgraded = CliRunner().invoke(db, ["upgrade"])
        current = CliRunner().invoke(db, ["current"])

        assert upgraded.exit_code == 0, upgraded.output
        assert cli_env.is_file()
        assert f"at revision {migrate.head()} (latest)" in current.output

    def test_current_of_a_new_database_says_so_without_creating_it(
        self, cli_env: Path
    ) -> None:
        result = CliRunner().invoke(db, ["current"])

        assert result.exit_code == 0, result.output
        assert "not migrated" in result.output
        assert not cli_env.exists()

    def test_database_url_chooses_the_database(
        self, cli_env: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("DATABASE_URL", sqlite_url)

        result = CliRunner().invoke(db, ["upgrade"])

        assert result.exit_code == 0, result.output
        assert Path(sqlite_url.removeprefix("sqlite:///")).is_file()
        assert not cli_env.exists()

    def test_reads_the_database_url_from_the_env_file_as_the_server_does(
        self,
        cli_env: Path,
        sqlite_url: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        (tmp_path / ".env").write_text(f"DATABASE_URL={sqlite_url}\n")
        monkeypatch.chdir(tmp_path)

        result = CliRunner().invoke(db, ["upgrade"])

        assert result.exit_code == 0, result.output
        assert Path(sqlite_url.removeprefix("sqlite:///")).is_file()
        assert not cli_env.exists()

    def test_an_unreachable_database_is_one_line_and_exit_status_one(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("DATABASE_URL", UNREACHABLE)

        result = CliRunner().invoke(db, ["upgrade"])

        assert result.exit_code == 1
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1
        assert result.stderr.startswith("bitcode: database postgresql+psycopg://")
        assert "hunter2" not in result.stderr
