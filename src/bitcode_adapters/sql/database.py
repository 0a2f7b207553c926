"""The database connection: one async engine and its session factory.

BitCode runs on PostgreSQL (through psycopg 3) or on a single SQLite file (through
aiosqlite). URLs are accepted in the forms people paste, ``postgres://`` included,
and mapped to the async drivers.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import (
    ArgumentError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bitcode_core.errors import BitCodeError

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 20_000  # how long a writer waits for the write lock
# An execution option: take SQLite's write lock when the transaction begins.
SQLITE_IMMEDIATE = "bitcode_sqlite_immediate"

_POSTGRES_SCHEMES = {"postgres", "postgresql", "postgresql+psycopg2"}
_SQLITE_SCHEMES = {"sqlite", "sqlite+pysqlite"}


class DatabaseUnavailable(BitCodeError):
    code = "database-unavailable"
    default_message = "The database cannot be reached."


def normalise_database_url(url: str | URL) -> URL:
    """The URL with an async driver: psycopg for PostgreSQL, aiosqlite for SQLite."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise DatabaseUnavailable("the database URL cannot be parsed") from error
    if parsed.drivername in _POSTGRES_SCHEMES:
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in _SQLITE_SCHEMES:
        return parsed.set(drivername="sqlite+aiosqlite")
    return parsed


def redacted_url(url: str | URL) -> str:
    """The URL without its password or query string, safe to log."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "<unparseable database URL>"
    return parsed.set(query={}).render_as_string(hide_password=True)


class Database:
    def __init__(self, url: str | URL, *, echo: bool = False) -> None:
        self.url = normalise_database_url(url)
        options: dict[str, Any] = {"echo": echo, "pool_pre_ping": self.is_postgres}
        try:
            self.engine: AsyncEngine = create_async_engine(self.url, **options)
        except (ArgumentError, ImportError) as error:
            raise DatabaseUnavailable(
                f"unsupported database URL {self.redacted_url}"
            ) from error
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _tune_sqlite)
            event.listen(self.engine.sync_engine, "begin", _begin_sqlite)
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    @property
    def redacted_url(self) -> str:
        return redacted_url(self.url)

    @asynccontextmanager
    async def begin(self, *, immediate: bool = False) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction, committed on success; connection
        failures become ``DatabaseUnavailable``. ``immediate`` takes SQLite's
        write lock at the start, for work that reads before it writes."""
        async with self._translated(), self.engine.connect() as connection:
            if immediate:
                await connection.execution_options(**{SQLITE_IMMEDIATE: True})
            async with connection.begin():
                yield connection

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reading, rolled back afterwards."""
        async with self._translated(), self.engine.connect() as connection:
            yield connection

    @asynccontextmanager
    async def _translated(self) -> AsyncIterator[None]:
        try:
            yield
        except (OperationalError, InterfaceError) as error:
            # A constraint's IntegrityError passes through for the caller to
            # name; these mean the database is down, busy or deadlocked.
            logger.warning(
                "database.failed",
                extra={"url": self.redacted_url, "error": type(error.orig).__name__},
            )
            raise DatabaseUnavailable() from error

    async def ping(self) -> bool:
        """Whether the database answers a trivial query (for health checks)."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as error:
            logger.warning(
                "database.unreachable",
                extra={"url": self.redacted_url, "error": type(error).__name__},
            )
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()


def _tune_sqlite(dbapi_connection: Any, _record: object) -> None:
    # Python's sqlite3 opens transactions only before data changes, silently and
    # never before DDL; SQLAlchemy's begin event below opens them instead, so
    # migrations are atomic and a read sees one snapshot.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # The busy timeout makes writers queue instead of fail, switching a new
        # file to WAL included (several processes opening it at once); WAL lets
        # readers work while one writer writes; foreign keys are off by default.
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _use_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL
    finally:
        cursor.close()


def _begin_sqlite(connection: Connection) -> None:
    # Deferred by default: the lock is taken by the first statement. Every write
    # transaction of the repositories starts with its write, so a writer waits for
    # the lock rather than failing on a read snapshot another writer made stale.
    # Work that must read before it writes (migrations) asks for IMMEDIATE.
    immediate = connection.get_execution_options().get(SQLITE_IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _use_wal(cursor: Any) -> None:
    # WAL stays with the file once set. Setting it takes an exclusive lock,
    # and SQLite may refuse that at once, without its busy handler, while
    # other connections open the new file: try again for a while.
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
