"""The API under test: the real application from ``create_app``, on SQLite and on
PostgreSQL, driven through Litestar's test client.

Only the password hasher is swapped, for a cheap Argon2id, so a test signing in
a dozen times stays fast; everything else is what the server runs.
"""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from litestar import Litestar
from litestar.testing import TestClient

from bitcode_adapters.argon2_hasher import Argon2PasswordHasher
from bitcode_core.accounts.model import Role
from bitcode_http.app import create_app
from bitcode_http.container import Container, Opened
from bitcode_http.settings import Settings, load_settings

PASSWORD = "correct horse battery staple"  # noqa: S105 - a test account's
REPO = Path(__file__).resolve().parents[3]
DEMO_BANK = REPO / "questions"
# A link's query, or a token given bare after "(POST <endpoint>):".
_TOKEN = re.compile(r"(?:token=|\): )([A-Za-z0-9_%-]+)")


def fast_hasher(opened: Opened) -> Argon2PasswordHasher:
    hasher = Argon2PasswordHasher(memory_kib=64, time_cost=1, workers=2)
    opened.track(hasher.close)
    return hasher


def settings_for(
    tmp_path: Path, database_url: str | None, **variables: str
) -> Settings:
    environ = {
        "BITCODE_DATA_DIR": str(tmp_path / "data"),
        "LOAD_DEMO_BANK": "0",
        "LOG_FORMAT": "json",
        "AUTO_MIGRATE": "1",
        **variables,
    }
    if database_url is not None:
        environ["DATABASE_URL"] = database_url
    return load_settings(environ, env_file=None)


def build_app(settings: Settings) -> tuple[Litestar, Container]:
    container = Container(settings=settings)
    container.hasher.override(providers.Singleton(fast_hasher, container.opened))
    return create_app(settings, container=container), container


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres"),
    ]
)
def database_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


@dataclass
class Api:
    """The test client plus the steps most tests share."""

    client: TestClient[Litestar]
    container: Container
    settings: Settings
    _seen_mail: set[Path] = field(default_factory=set)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run a coroutine function on the application's event loop."""
        return self.client.blocking_portal.call(function, *args)

    # Mail

    def mails(self, to: str | None = None) -> list[email.message.EmailMessage]:
        folder = self.settings.mail_folder
        found = []
        for path in sorted(folder.glob("*.eml")) if folder.is_dir() else []:
            message = email.message_from_bytes(
                path.read_bytes(), policy=email.policy.default
            )
            assert isinstance(message, email.message.EmailMessage)
            if to is None or message["To"] == to:
                found.append(message)
        return found

    def last_token(self, to: str) -> str:
        mails = self.mails(to)
        assert mails, f"no mail to {to}"
        body = mails[-1].get_body(("plain",))
        assert body is not None
        match = _TOKEN.search(body.get_content())
        assert match, "no token in the mail"
        return httpx.URL(f"/?token={match.group(1)}").params["token"]

    # Accounts

    def register(
        self, username: str, email_address: str | None = None, password: str = PASSWORD
    ) -> httpx.Response:
        return self.client.post(
            "/auth/register",
            json={
                "email": email_address or f"{username}@example.org",
                "username": username,
                "password": password,
            },
        )

    def verified(self, username: str, password: str = PASSWORD) -> str:
        address = f"{username}@example.org"
        assert self.register(username, address, password).status_code == 202
        token = self.last_token(address)
        assert self.post("/auth/verify-email", json={"token": token}).is_success
        return address

    def login(
        self, username: str, password: str = PASSWORD, **headers: str
    ) -> dict[str, Any]:
        response = self.client.post(
            "/auth/login",
            json={"email": f"{username}@example.org", "password": password},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def user(self, username: str, role: Role = Role.PLAYER) -> dict[str, str]:
        """A verified, signed-in user with ``role``: their Authorization header."""
        self.verified(username)
        if role is not Role.PLAYER:
            self.run(self.container.accounts().set_role, username, role)
        return bearer(self.login(username)["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def question_body(question_id: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": question_id,
        "title": "Add Two Numbers",
        "statement": "Print the sum of two integers.",
        "difficulty": "easy",
        "tags": ["math", "implementation"],
        "limits": {"time_s": 1, "memory_mib": 256, "output_mib": 8},
        "samples": [{"name": "1", "input": "1 2\n", "answer": "3\n"}],
        "hidden": [{"name": "big", "input": "1000000 1\n", "answer": "1000001\n"}],
    }
    body.update(changes)
    return body


@pytest.fixture
def make_api(tmp_path: Path, database_url: str) -> Iterator[Callable[..., Api]]:
    opened: list[TestClient[Litestar]] = []

    def make(**variables: str) -> Api:
        settings = settings_for(
            tmp_path / uuid.uuid4().hex[:8], database_url, **variables
        )
        app, container = build_app(settings)
        client = TestClient(app)
        client.__enter__()
        opened.append(client)
        return Api(client, container, settings)

    yield make
    for client in reversed(opened):
        client.__exit__(None, None, None)


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()


def problem(response: httpx.Response) -> Mapping[str, Any]:
    assert response.headers["content-type"].startswith("application/problem+json")
    body: Mapping[str, Any] = response.json()
    assert body["status"] == response.status_code
    assert body["type"] == f"https://bitcode.dev/problems/{body['code']}"
    return body
