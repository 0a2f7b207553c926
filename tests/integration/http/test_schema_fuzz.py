"""Schemathesis against the published OpenAPI document, in process: no request it
generates may make the server fail, and every answer must match the document.

A signed-in admin's token goes with every request, so generated requests reach
the handlers behind authentication, not just the 401 in front of them. Google
sign-in is configured against the fake provider, so its routes are fuzzed too.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bitcode_http.container import running
from bitcode_http.settings import Settings
from tests.integration.conftest import GOOGLE_CALLBACK
from tests.integration.fake_openid import CLIENT_ID, CLIENT_SECRET, FakeGoogle
from tests.integration.http.conftest import PASSWORD, build_app, settings_for

EXAMPLES = 15  # per operation: about 400 requests, well under a minute
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


async def _admin_token(settings: Settings) -> str:
    from bitcode_core.accounts.usecases import Client  # noqa: PLC0415

    async with running(settings) as container:
        accounts = container.accounts()
        await accounts.create_admin("root@example.org", "root", PASSWORD)
        signed_in = await accounts.login("root@example.org", PASSWORD, Client())
        return signed_in.access_token


@pytest.fixture
def fuzzed(tmp_path: Path, fake_google: FakeGoogle) -> tuple[Any, str]:
    database = f"sqlite:///{tmp_path / 'bitcode.sqlite3'}"
    app_settings = settings_for(
        tmp_path,
        database,
        GOOGLE_CLIENT_ID=CLIENT_ID,
        GOOGLE_CLIENT_SECRET=CLIENT_SECRET,
        GOOGLE_DISCOVERY_URL=fake_google.discovery_url,
        GOOGLE_REDIRECT_URI=GOOGLE_CALLBACK,
        FRONTEND_URL="http://app.test/signed-in",
    )
    token = asyncio.run(_admin_token(app_settings))
    app, _ = build_app(app_settings)
    return schemathesis.openapi.from_asgi("/schema/openapi.json", app), token


# schemathesis' pytest plugin (lazy schemas) does not run under pytest 9 here, so
# each operation's strategy is driven by hypothesis directly.
def test_no_request_breaks_the_server_or_the_schema(
    fuzzed: tuple[Any, str],
) -> None:
    schema, token = fuzzed
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20

    for operation in operations:
        headers = {"Authorization": f"Bearer {token}"}
        if operation.path in {"/auth/logout", "/auth/logout-all"}:
            headers = {}  # keep the admin signed in for the rest of the run
        _fuzz(operation, headers)


def _fuzz(operation: Any, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
