"""The fake answers as Judge0 CE's documentation says a server does, so the
adapter's tests mean something."""

from __future__ import annotations

import base64

import httpx
import pytest

pytestmark = pytest.mark.no_skip

PYTHON = 71


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def http(fake_url: str):
    with httpx.Client(base_url=fake_url, timeout=30) as client:
        yield client


class TestFakeJudge0:
    def test_wait_returns_the_finished_submission_with_wrapped_base64(
        self, http
    ) -> None:
        source = b"print('x' * 100)\n"

        answer = http.post(
            "/submissions",
            params={"base64_encoded": "true", "wait": "true"},
            json={"source_code": b64(source), "language_id": PYTHON},
        )

        assert answer.status_code == 201
        body = answer.json()
        assert body["status"] == {"id": 3, "description": "Accepted"}
        assert "\n" in body["stdout"]  # 60 characters a line, as Ruby writes it
        assert base64.b64decode(body["stdout"]) == b"x" * 100 + b"\n"
        assert isinstance(body["time"], str)
        assert isinstance(body["memory"], int)

    def test_a_submission_is_found_by_token_and_an_unknown_token_is_404(
        self, http
    ) -> None:
        token = http.post(
            "/submissions", json={"source_code": "print(1)", "language_id": PYTHON}
        ).json()["token"]

        found = http.get(f"/submissions/{token}", params={"fields": "token,status"})
        missing = http.get("/submissions/00000000-0000-0000-0000-000000000000")

        assert set(found.json()) == {"token", "status"}
        assert missing.status_code == 404

    def test_an_unknown_field_is_400(self, http) -> None:
        answer = http.get("/submissions/batch", params={"tokens": "a", "fields": "x"})

        assert answer.status_code == 400
        assert answer.json() == {"error": "invalid fields: [x]"}

    def test_an_invalid_submission_is_422_naming_its_fields(self, http) -> None:
        answer = http.post(
            "/submissions", json={"source_code": "x", "cpu_time_limit": 100}
        )

        assert answer.status_code == 422
        assert set(answer.json()) == {"language_id", "cpu_time_limit"}

    def test_a_batch_over_the_limit_is_400_and_an_unknown_token_is_null(
        self, http, fake
    ) -> None:
        fake.config["max_submission_batch_size"] = 2
        one = {"source_code": "print(1)", "language_id": PYTHON}

        too_many = http.post("/submissions/batch", json={"submissions": [one] * 3})
        shown = http.get("/submissions/batch", params={"tokens": "nope"})

        assert too_many.status_code == 400
        assert shown.json() == {"submissions": [None]}

    def test_without_the_auth_token_it_is_401(self, http, fake) -> None:
        fake.knobs.auth_token = "expected-token"  # noqa: S105 - a test's

        assert http.get("/languages").status_code == 401
        assert http.get("/about", headers={"X-Auth-Token": "expected-token"}).is_success

    def test_like_judge0_ce_it_has_no_compile_step_for_python(self, http) -> None:
        answer = http.post(
            "/submissions",
            params={"wait": "true", "fields": "status,stderr"},
            json={"source_code": "print(", "language_id": PYTHON},
        )

        assert answer.json()["status"]["id"] == 11  # Runtime Error (NZEC)
        assert "SyntaxError" in answer.json()["stderr"]

    def test_it_lists_statuses_languages_and_its_configuration(self, http) -> None:
        statuses = http.get("/statuses").json()
        languages = {entry["name"] for entry in http.get("/languages").json()}
        config = http.get("/config_info").json()

        assert [s["id"] for s in statuses] == list(range(1, 15))
        assert {"Python (3.8.1)", "Multi-file program"} <= languages
        assert config["max_submission_batch_size"] == 20
        assert config["enable_network"] is False
