"""Every packaged submission in the demo bank gets the same verdict through the
fake Judge0 as through the local sandbox, polling and by callback.

Each submission is judged once per judge, as ``bitcode questions validate``
judges it (stopping at the first failed test), several at a time; the Judge0
judges poll and wait as in production.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from bitcode_adapters.judge0 import Judge0Options
from bitcode_adapters.problem_package import ProblemPackage, load_package
from bitcode_core.ports import Judge
from bitcode_core.usecases.check_reference_solutions import EXPECTED_BY_FOLDER
from bitcode_core.usecases.judge_submission import (
    Submission,
    ValidatorCache,
    judge_submission,
)
from bitcode_core.verdicts import Verdict
from tests.integration.http.conftest import DEMO_BANK

pytestmark = [pytest.mark.bank, pytest.mark.no_skip, pytest.mark.anyio]

AT_ONCE = 6
Verdicts = dict[str, Verdict]


def demo_bank(table) -> list[ProblemPackage]:
    folders = sorted(p.parent for p in DEMO_BANK.glob("*/problem.yaml"))
    return [load_package(folder, table) for folder in folders]


async def verdicts(judge: Judge, table, packages: Sequence[ProblemPackage]) -> Verdicts:
    gate = asyncio.Semaphore(AT_ONCE)
    found: Verdicts = {}

    async def one(
        package: ProblemPackage, validators: ValidatorCache, solution
    ) -> None:
        submission = Submission(package.question, solution.language, solution.source)
        async with gate:
            result = await judge_submission(judge, validators, submission)
        found[f"{package.question.id}/{solution.path}"] = result.verdict

    caches = [ValidatorCache(judge, table) for _ in packages]
    await asyncio.gather(
        *(
            one(package, cache, solution)
            for package, cache in zip(packages, caches, strict=True)
            for solution in package.solutions
            if solution.language is not None
        )
    )
    for cache in caches:
        await cache.close()
    return found


@pytest.fixture(scope="module")
def packages(table) -> list[ProblemPackage]:
    return demo_bank(table)


@pytest.fixture(scope="module")
def sandbox_verdicts(sandbox, table, packages) -> Verdicts:
    found = asyncio.run(verdicts(sandbox, table, packages))
    expected = {
        f"{p.question.id}/{s.path}": EXPECTED_BY_FOLDER[s.folder]
        for p in packages
        for s in p.solutions
    }
    assert found == expected  # the reference is itself right
    assert len(found) >= 60
    return found


@pytest.mark.timeout(900)
async def test_polling_judge0_gives_every_submission_the_sandboxs_verdict(
    sandbox_verdicts, make_judge, table, packages, fake
) -> None:
    judge = make_judge(options=Judge0Options())  # production polling

    found = await verdicts(judge, table, packages)

    assert found == sandbox_verdicts
    assert fake.counters.callbacks_sent == 0


@pytest.mark.timeout(900)
async def test_judge0_with_callbacks_gives_every_submission_the_sandboxs_verdict(
    sandbox_verdicts, serve_api, table, packages, fake, sandbox
) -> None:
    api = serve_api(JUDGE0_CALLBACKS="true")
    judge = api.judge_here(sandbox)
    found = await verdicts(judge, table, packages)
    await judge.aclose()

    assert found == sandbox_verdicts
    assert fake.counters.callbacks_sent >= len(found)
