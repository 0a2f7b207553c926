"""The fake Judge0 on a real uvicorn on loopback for the session, and Judge0
judges pointed at it. Every test starts with the fake's knobs at rest."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers

from bitcode_adapters.judge0 import (
    Backoff,
    CallbackInbox,
    Credentials,
    Judge0Client,
    Judge0Judge,
    Judge0Options,
)
from bitcode_adapters.language_table import load_language_table
from bitcode_adapters.sandbox import SandboxJudge
from bitcode_core.languages import LanguageTable
from bitcode_http.container import Container
from bitcode_http.judges import judge0_judge
from tests.integration.http.conftest import build_app, settings_for
from tests.judge0_fake import CE_LANGUAGES, FakeJudge0, Served, serve
from tests.judge0_fake import build_app as build_fake
from tests.judge0_fake.server import call_on, free_port

pytestmark = pytest.mark.no_skip

# Quick retries and polling so the failure tests take seconds, not minutes.
QUICK = Judge0Options(
    give_up_s=60, poll_first_s=0.1, poll_cap_s=0.3, poll_with_callbacks_s=1.0
)
QUICK_BACKOFF = Backoff(first_s=0.05, cap_s=0.2)


@pytest.fixture(scope="session")
def table() -> LanguageTable:
    return load_language_table()


@pytest.fixture(scope="session")
def sandbox(table: LanguageTable) -> Iterator[SandboxJudge]:
    with SandboxJudge(table) as judge:
        yield judge


def ce_languages(table: LanguageTable) -> dict[int, tuple[str, Any]]:
    return {
        CE_LANGUAGES[language.key][0]: (CE_LANGUAGES[language.key][1], language)
        for language in table
        if language.key in CE_LANGUAGES
    }


@pytest.fixture(scope="session")
def served_fake(
    sandbox: SandboxJudge, table: LanguageTable
) -> Iterator[tuple[FakeJudge0, Served]]:
    fake = FakeJudge0(sandbox, ce_languages(table))
    served = serve(build_fake(fake))
    try:
        yield fake, served
    finally:
        fake.knobs.reset()
        call_on(fake.loop, fake.close())
        served.stop()


@pytest.fixture
def another_fake(
    sandbox: SandboxJudge, table: LanguageTable
) -> Iterator[Callable[..., tuple[FakeJudge0, Served]]]:
    """Serve a fake Judge0 of a test's own (its own languages, its own port)."""
    served: list[tuple[FakeJudge0, Served]] = []

    def start(
        languages: dict[int, tuple[str, Any]] | None = None, port: int = 0
    ) -> tuple[FakeJudge0, Served]:
        fake = FakeJudge0(sandbox, languages or ce_languages(table))
        served.append((fake, serve(build_fake(fake), port)))
        return served[-1]

    yield start
    for fake, server in served:
        fake.knobs.reset()
        call_on(fake.loop, fake.close())
        server.stop()


@pytest.fixture
def fake(served_fake: tuple[FakeJudge0, Served]) -> Iterator[FakeJudge0]:
    judge0, _ = served_fake
    judge0.reset()
    yield judge0
    judge0.reset()


@pytest.fixture
def fake_url(served_fake: tuple[FakeJudge0, Served], fake: FakeJudge0) -> str:
    return served_fake[1].url


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


MakeJudge = Callable[..., Judge0Judge]


@pytest.fixture
async def make_judge(
    fake_url: str, table: LanguageTable, sandbox: SandboxJudge
) -> AsyncIterator[MakeJudge]:
    built: list[Judge0Judge] = []

    def make(
        url: str | None = None,
        *,
        options: Judge0Options = QUICK,
        inbox: CallbackInbox | None = None,
        local: bool = True,
        credentials: Credentials = Credentials(),
        timeout_s: float = 5.0,
        unhealthy_after: int = 3,
    ) -> Judge0Judge:
        client = Judge0Client(
            url or fake_url,
            credentials=credentials,
            timeout_s=timeout_s,
            backoff=QUICK_BACKOFF,
            unhealthy_after=unhealthy_after,
        )
        judge = Judge0Judge(
            client,
            table,
            options=options,
            inbox=inbox,
            local=sandbox if local else None,
        )
        built.append(judge)
        return judge

    yield make
    for judge in built:
        await judge.aclose()


@dataclass
class ServedApi:
    """BitCode's own API on loopback, configured for the fake Judge0, and the
    Judge0 judge its container built (callbacks arrive through the API)."""

    url: str
    container: Container
    judge: Judge0Judge

    def judge_here(self, local: SandboxJudge) -> Judge0Judge:
        """A judge for the caller's event loop (the server's own judge lives
        on the server's), sharing the inbox that the API's callback route
        fills."""
        settings = self.container.settings().judge0
        assert settings is not None
        inbox = self.container.judge0_callbacks()
        return judge0_judge(
            settings, self.container.languages(), inbox=inbox, local=local
        )


@pytest.fixture
def serve_api(
    tmp_path: Path, fake_url: str, sandbox: SandboxJudge
) -> Iterator[Callable[..., ServedApi]]:
    started: list[Served] = []

    def start(**variables: str) -> ServedApi:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        environ = {
            "JUDGE0_API_URL": fake_url,
            "JUDGE0_CALLBACK_URL": url,
            **variables,
        }
        settings = settings_for(tmp_path / f"api-{port}", None, **environ)
        app, container = build_app(settings)
        container.validator_sandbox.override(providers.Object(sandbox))
        started.append(serve(app, port, lifespan="on"))
        judge = container.judge0()
        assert isinstance(judge, Judge0Judge)
        return ServedApi(url, container, judge)

    yield start
    for server in started:
        server.stop()
