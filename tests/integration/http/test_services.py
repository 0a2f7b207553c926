"""Health checks, and what several server processes share through Redis
(127.0.0.1:6379): the cache and the sign-in throttle."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator

import pytest
import redis
from aiosmtpd.controller import Controller

from bitcode_core.accounts.model import Role
from tests.integration.http.conftest import PASSWORD, Api, problem, question_body

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    prefix = f"bitcode-test-{uuid.uuid4().hex[:12]}:"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis is needed at {REDIS_URL}: {error}", pytrace=False)
    yield prefix
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def two_servers(make_api: Callable[..., Api], redis_prefix: str) -> tuple[Api, Api]:
    """Two application instances on one database and one Redis, as two
    server processes would be."""
    variables = {"REDIS_URL": REDIS_URL, "REDIS_PREFIX": redis_prefix}
    return make_api(**variables), make_api(**variables)


class TestHealth:
    def test_live_always_answers(self, api: Api) -> None:
        assert api.get("/health/live").json() == {"status": "ok", "checks": []}

    def test_ready_checks_the_database(self, api: Api) -> None:
        response = api.get("/health/ready")

        assert response.status_code == 200
        assert response.json()["checks"] == [{"name": "database", "ok": True}]

    def test_ready_checks_redis_when_configured(
        self, two_servers: tuple[Api, Api]
    ) -> None:
        response = two_servers[0].get("/health/ready")

        assert response.status_code == 200
        assert {c["name"] for c in response.json()["checks"]} == {"database", "redis"}

    def test_ready_answers_503_naming_the_failed_check(
        self, make_api: Callable[..., Api]
    ) -> None:
        api = make_api(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there

        response = api.get("/health/ready")

        assert response.status_code == 503
        assert response.json() == {
            "status": "unavailable",
            "checks": [
                {"name": "database", "ok": True},
                {"name": "redis", "ok": False},
            ],
        }

    def test_ready_checks_the_mail_server_when_smtp_is_configured(
        self, make_api: Callable[..., Api]
    ) -> None:
        port = _free_port()
        controller = Controller(Sink(), hostname="127.0.0.1", port=port)
        controller.start()
        try:
            up = make_api(SMTP_URL=f"smtp://127.0.0.1:{port}")
            down = make_api(SMTP_URL="smtp://127.0.0.1:1")  # nothing listens there

            answered = up.get("/health/ready")
            refused = down.get("/health/ready")
        finally:
            controller.stop()

        assert answered.status_code == 200
        assert {"name": "smtp", "ok": True} in answered.json()["checks"]
        assert refused.status_code == 503
        assert {"name": "smtp", "ok": False} in refused.json()["checks"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Sink:
    async def handle_DATA(
        self, server: object, session: object, envelope: object
    ) -> str:
        return "250 OK"


class TestSharedCache:
    def test_an_edit_on_one_server_shows_at_once_on_the_other(
        self, two_servers: tuple[Api, Api]
    ) -> None:
        first, second = two_servers
        setter = first.user("sam", Role.SETTER)
        first.post("/questions", json=question_body("sum"), headers=setter)
        assert second.get("/questions/sum").json()["title"] == "Add Two Numbers"
        assert second.get("/questions").json()["items"][0]["version"] == 1

        edit = question_body("sum", title="Sum")
        first.put("/questions/sum", json=edit, headers=setter)

        assert second.get("/questions/sum").json()["title"] == "Sum"
        assert second.get("/questions").json()["items"][0]["version"] == 2

    def test_a_profile_edit_on_one_server_shows_at_once_on_the_other(
        self, two_servers: tuple[Api, Api]
    ) -> None:
        first, second = two_servers
        headers = first.user("alice")
        assert second.get("/users/alice").json()["bio"] == ""

        first.patch("/users/me", json={"bio": "edited"}, headers=headers)

        assert second.get("/users/alice").json()["bio"] == "edited"


class TestSharedThrottle:
    def test_sign_in_failures_count_across_servers(
        self, two_servers: tuple[Api, Api]
    ) -> None:
        first, second = two_servers
        first.verified("alice")
        wrong = {"email": "alice@example.org", "password": "not the password"}
        for _ in range(5):
            first.post("/auth/login", json=wrong)

        response = second.post(
            "/auth/login", json={"email": "alice@example.org", "password": PASSWORD}
        )

        assert response.status_code == 429
        assert problem(response)["code"] == "rate-limited"
