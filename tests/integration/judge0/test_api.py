"""BitCode's API with ``JUDGE0_API_URL`` set: readiness names Judge0, and
callbacks come in through the API's own route."""

from __future__ import annotations

import time

import httpx
import pytest

from bitcode_adapters.problem_package import load_package
from bitcode_core.usecases.judge_submission import (
    Submission,
    ValidatorCache,
    judge_submission,
)
from bitcode_core.verdicts import Verdict
from tests.integration.http.conftest import DEMO_BANK
from tests.judge0_fake.server import free_port

pytestmark = [pytest.mark.anyio, pytest.mark.no_skip]


class TestReadiness:
    def test_ready_names_judge0_and_passes_while_it_answers(self, serve_api) -> None:
        api = serve_api()

        response = httpx.get(f"{api.url}/health/ready", timeout=30)

        assert response.status_code == 200
        assert {"name": "judge0", "ok": True} in response.json()["checks"]

    def test_ready_is_503_naming_judge0_after_repeated_failures(
        self, serve_api
    ) -> None:
        api = serve_api(
            JUDGE0_API_URL=f"http://127.0.0.1:{free_port()}",
            JUDGE0_UNHEALTHY_AFTER="2",
        )

        response = httpx.get(f"{api.url}/health/ready", timeout=30)

        assert response.status_code == 503
        assert {"name": "judge0", "ok": False} in response.json()["checks"]
        assert not api.judge.healthy


class TestStart:
    def test_the_servers_languages_are_read_before_any_submission(
        self, serve_api, another_fake, table
    ) -> None:
        fake, served = another_fake({71: ("Python (3.8.1)", table.get("python3"))})
        rust = table.get("rust")

        api = serve_api(JUDGE0_API_URL=served.url)
        deadline = time.monotonic() + 20
        while api.judge.available(rust) and time.monotonic() < deadline:
            time.sleep(0.05)

        assert not api.judge.available(rust)
        assert api.judge.available(table.get("python3"))
        assert fake.counters.submissions == 0


class TestCallbacksThroughTheApi:
    async def test_a_submission_is_judged_from_callbacks_received_by_the_api(
        self, serve_api, fake, table, sandbox
    ) -> None:
        api = serve_api(JUDGE0_CALLBACKS="true")
        judge = api.judge_here(sandbox)
        package = load_package(DEMO_BANK / "pair-with-sum", table)
        solution = next(s for s in package.solutions if s.folder == "accepted")
        assert solution.language is not None
        submission = Submission(package.question, solution.language, solution.source)
        validators = ValidatorCache(judge, table)

        result = await judge_submission(judge, validators, submission)
        await validators.close()
        await judge.aclose()

        assert result.verdict is Verdict.ACCEPTED
        assert fake.counters.callbacks_sent >= len(package.question.tests)
