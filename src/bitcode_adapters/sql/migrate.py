"""Run the schema migrations from code: the server migrates on first start and
``bitcode db`` wraps these for operators.

The Alembic scripts ship inside this package, so migrating needs no ``alembic.ini``
and works from an installed wheel. Each call opens its own engine on ``url``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import SQLAlchemyError

from bitcode_adapters.sql.database import (
    SQLITE_IMMEDIATE,
    Database,
    DatabaseUnavailable,
)

logger = logging.getLogger(__name__)

SCRIPTS = Path(__file__).resolve().with_name("migrations")
_LOCK_KEY = 0x6269_7463_6F64_65  # "bitcode": the advisory lock migrations hold


def config() -> Config:
    settings = Config()
    # Config values go through ConfigParser interpolation: escape any '%'.
    settings.set_main_option("script_location", str(SCRIPTS).replace("%", "%%"))
    return settings


def head() -> str:
    revision = ScriptDirectory.from_config(config()).get_current_head()
    if revision is None:
        raise RuntimeError(f"no migrations in {SCRIPTS}")
    return revision


async def upgrade(url: str | URL, revision: str = "head") -> None:
    await _run(url, lambda settings: command.upgrade(settings, revision))
    logger.info("database.upgraded", extra={"revision": revision})


async def downgrade(url: str | URL, revision: str) -> None:
    await _run(url, lambda settings: command.downgrade(settings, revision))
    logger.info("database.downgraded", extra={"revision": revision})


async def current(url: str | URL) -> str | None:
    """The revision the database is at; None if it was never migrated."""
    database = Database(url)
    try:
        if _sqlite_file_missing(database):
            return None  # and do not create it just by looking
        async with database.engine.connect() as connection:
            return await connection.run_sync(_current_revision)
    except (SQLAlchemyError, OSError) as error:
        raise _unavailable(database, error) from error
    finally:
        await database.dispose()


async def _run(url: str | URL, action: Callable[[Config], None]) -> None:
    database = Database(url)
    _make_sqlite_directory(database)
    try:
        async with database.engine.connect() as connection:
            # Two servers starting at once migrate one after the other.
            await connection.execution_options(**{SQLITE_IMMEDIATE: True})
            async with connection.begin():
                if database.is_postgres:
                    await connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY}
                    )
                await connection.run_sync(_with_connection, action)
    except (SQLAlchemyError, OSError) as error:
        raise _unavailable(database, error) from error
    finally:
        await database.dispose()


def _with_connection(connection: Connection, action: Callable[[Config], None]) -> None:
    settings = config()
    settings.attributes["connection"] = connection
    action(settings)


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _sqlite_path(database: Database) -> Path | None:
    path = database.url.database
    uri = database.url.query.get("uri")  # file: URIs name no plain path
    if database.is_sqlite and path and path != ":memory:" and not uri:
        return Path(path).expanduser()
    return None


def _sqlite_file_missing(database: Database) -> bool:
    path = _sqlite_path(database)
    return path is not None and not path.exists()


def _make_sqlite_directory(database: Database) -> None:
    if path := _sqlite_path(database):
        path.parent.mkdir(parents=True, exist_ok=True)


def _unavailable(database: Database, error: BaseException) -> DatabaseUnavailable:
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    reason = lines[0] if lines else type(cause).__name__
    if database.url.password:
        reason = reason.replace(str(database.url.password), "***")
    return DatabaseUnavailable(f"database {database.redacted_url}: {reason}")
