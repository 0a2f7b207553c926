"""Integration-test plumbing: tests marked ``no_skip`` fail where they would skip,
and the storage backends every repository contract runs on.

A sandbox test that skipped because bubblewrap or root is missing would report a
green run while proving nothing about the boundary it guards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bitcode_adapters.memory import (
    InMemoryIdentityRepository,
    InMemoryOneTimeTokenRepository,
    InMemoryQuestionCatalog,
    InMemoryRatingStore,
    InMemorySessionRepository,
    InMemorySignInAttemptRepository,
    InMemoryUserRepository,
)
from bitcode_adapters.sql import (
    Database,
    SqlIdentityRepository,
    SqlOneTimeTokenRepository,
    SqlPlayerRatings,
    SqlQuestionCatalog,
    SqlSessionRepository,
    SqlSignInAttemptRepository,
    SqlUserRepository,
    redacted_url,
)
from bitcode_adapters.sql.tables import metadata
from bitcode_core.accounts.ports import (
    IdentityRepository,
    OneTimeTokenRepository,
    SessionRepository,
    SignInAttemptRepository,
    UserRepository,
)
from bitcode_core.catalog.ports import QuestionCatalog
from bitcode_core.ports import PlayerRating
from tests.integration import fake_imagekit
from tests.integration.fake_imagekit import FakeImageKit
from tests.integration.fake_openid import FakeGoogle, serve

# Where the fake provider sends browsers back: the test client's own host.
GOOGLE_CALLBACK = "http://testserver.local/auth/google/callback"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "no_skip: a skip is a failure here (the infrastructure is required)"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    required = item.get_closest_marker("no_skip") is not None
    if report.skipped and required and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = call.excinfo.exconly() if call.excinfo else "skipped"
        report.longrepr = f"this test must not skip: {reason}"
    return report


# Storage backends: every repository contract runs on each of them.
#
# PostgreSQL is required: when it is down the storage tests fail and say so,
# unless BITCODE_SKIP_POSTGRES=1 asks to skip them. Each test gets a schema of its
# own, dropped afterwards, so concurrent runs on one server never collide.

POSTGRES_URL = os.environ.get(
    "BITCODE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@dataclass(frozen=True, slots=True)
class Storage:
    users: UserRepository
    sessions: SessionRepository
    one_time_tokens: OneTimeTokenRepository
    catalog: QuestionCatalog
    ratings: AsyncRatings
    identities: IdentityRepository
    sign_in_attempts: SignInAttemptRepository


class AsyncRatings(Protocol):
    async def get_many(self, players: Iterable[str]) -> Mapping[str, PlayerRating]: ...

    async def save_many(self, ratings: Iterable[PlayerRating]) -> None: ...


class _AwaitableRatings:
    """The synchronous in-memory rating store behind the async rating calls."""

    def __init__(self) -> None:
        self._store = InMemoryRatingStore()

    async def get_many(self, players: Iterable[str]) -> Mapping[str, PlayerRating]:
        return self._store.get_many(players)

    async def save_many(self, ratings: Iterable[PlayerRating]) -> None:
        self._store.save_many(ratings)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bitcode.sqlite3'}"


@pytest.fixture(scope="session")
def postgres_server() -> str:
    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else error
        message = (
            f"PostgreSQL is needed at {redacted_url(POSTGRES_URL)} ({reason}); "
            "start it, point BITCODE_TEST_POSTGRES_URL at another server, or set "
            "BITCODE_SKIP_POSTGRES=1 to skip the PostgreSQL cases"
        )
        if os.environ.get("BITCODE_SKIP_POSTGRES") == "1":
            pytest.skip(message)
        pytest.fail(message, pytrace=False)
    return POSTGRES_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    schema = f"bitcode_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(postgres_server)
    options = {**url.query, "options": f"-csearch_path={schema}"}
    try:
        yield url.set(query=options).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(
    params=[
        pytest.param("memory", id="memory"),
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres"),
    ]
)
def storage_url(request: pytest.FixtureRequest) -> str | None:
    """The database URL of the backend under test; None for the in-memory one."""
    if request.param == "memory":
        return None
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
async def storage(storage_url: str | None) -> AsyncIterator[Storage]:
    if storage_url is None:
        yield Storage(
            users=InMemoryUserRepository(),
            sessions=InMemorySessionRepository(),
            one_time_tokens=InMemoryOneTimeTokenRepository(),
            catalog=InMemoryQuestionCatalog(),
            ratings=_AwaitableRatings(),
            identities=InMemoryIdentityRepository(),
            sign_in_attempts=InMemorySignInAttemptRepository(),
        )
        return
    database = Database(storage_url)
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    try:
        yield Storage(
            users=SqlUserRepository(database),
            sessions=SqlSessionRepository(database),
            one_time_tokens=SqlOneTimeTokenRepository(database),
            catalog=SqlQuestionCatalog(database),
            ratings=SqlPlayerRatings(database),
            identities=SqlIdentityRepository(database),
            sign_in_attempts=SqlSignInAttemptRepository(database),
        )
    finally:
        await database.dispose()


# The fake ImageKit: one server for the session, emptied before each test.


@pytest.fixture(scope="session")
def imagekit_server() -> Iterator[FakeImageKit]:
    yield from fake_imagekit.serve()


@pytest.fixture
def imagekit(imagekit_server: FakeImageKit) -> FakeImageKit:
    imagekit_server.reset()
    return imagekit_server


# The fake Google: one server for the session, reset (a new key, a new user,
# no codes) for every test.


@pytest.fixture(scope="session")
def fake_google_server() -> Iterator[FakeGoogle]:
    yield from serve(FakeGoogle(redirect_uri=GOOGLE_CALLBACK))


@pytest.fixture
def fake_google(fake_google_server: FakeGoogle) -> FakeGoogle:
    fake_google_server.reset(GOOGLE_CALLBACK)
    return fake_google_server
