"""One structured line per request, and never a secret in any log line."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator

import pytest

from bitcode_http.request_log import JsonFormatter, configure_logging
from tests.integration.http.conftest import PASSWORD, Api


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)


class TestConfigureLogging:
    def test_each_event_is_one_line_even_after_a_basic_config(
        self, root_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
    ) -> None:
        root_logger.addHandler(logging.StreamHandler(sys.stderr))  # as the CLI's

        configure_logging("json")
        logging.getLogger("bitcode.test").warning("battle.started")

        lines = capsys.readouterr().err.splitlines()
        assert [json.loads(line)["event"] for line in lines] == ["battle.started"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
class TestRequestLog:
    def test_each_request_logs_one_line_with_its_user(
        self, api: Api, caplog: pytest.LogCaptureFixture
    ) -> None:
        headers = api.user("alice")
        caplog.clear()

        api.get("/users/me", headers=headers)
        api.get("/no/such/route")

        lines = [
            json.loads(JsonFormatter().format(r))
            for r in caplog.records
            if r.name == "bitcode_http.request_log"
        ]
        assert [(x["method"], x["path"], x["status"]) for x in lines] == [
            ("GET", "/users/me", 200),
            ("GET", "/no/such/route", 404),
        ]
        assert lines[0]["user_id"]
        assert lines[1]["user_id"] is None
        assert all(x["duration_ms"] >= 0 for x in lines)

    def test_no_log_line_holds_a_password_or_a_token(
        self, api: Api, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG)
        api.verified("alice")
        signed_in = api.login("alice")
        api.get("/auth/verify-email", params={"token": "one-time-token-in-the-query"})

        server_side = [r for r in caplog.records if r.name != "httpx"]
        text = "\n".join(JsonFormatter().format(r) for r in server_side)

        assert PASSWORD not in text
        assert signed_in["access_token"] not in text
        assert signed_in["refresh_token"] not in text
        assert "one-time-token-in-the-query" not in text
