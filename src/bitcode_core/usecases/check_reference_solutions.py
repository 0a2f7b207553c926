"""Check a question's packaged solutions: each must get the verdict its folder names.

This is how a setter proves a question is sound before players see it: accepted
solutions pass within the limits, and the wrong, slow and crashing ones are caught
for the right reason.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bitcode_core.errors import BitCodeError
from bitcode_core.languages import Language
from bitcode_core.ports import Judge
from bitcode_core.questions import Question
from bitcode_core.usecases.judge_submission import (
    Submission,
    ValidatorCache,
    judge_submission,
)
from bitcode_core.verdicts import SubmissionResult, Verdict

EXPECTED_BY_FOLDER: dict[str, Verdict] = {
    "accepted": Verdict.ACCEPTED,
    "wrong_answer": Verdict.WRONG_ANSWER,
    "time_limit_exceeded": Verdict.TIME_LIMIT_EXCEEDED,
    "run_time_error": Verdict.RUNTIME_ERROR,
    "memory_limit_exceeded": Verdict.MEMORY_LIMIT_EXCEEDED,
    "output_limit_exceeded": Verdict.OUTPUT_LIMIT_EXCEEDED,
    "compile_error": Verdict.COMPILATION_ERROR,
}


@dataclass(frozen=True, slots=True)
class ReferenceSolution:
    folder: str  # the folder under submissions/, which names the expected verdict
    path: str  # as shown to the setter
    language: Language | None  # None when no language matches the file
    source: bytes


class Outcome(StrEnum):
    AS_EXPECTED = "ok"
    DIFFERS = "differs"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class SolutionCheck:
    solution: ReferenceSolution
    outcome: Outcome
    expected: Verdict | None
    result: SubmissionResult | None = None
    reason: str = ""


OnCheck = Callable[[SolutionCheck], Awaitable[None] | None]


async def check_reference_solutions(
    judge: Judge,
    validators: ValidatorCache,
    question: Question,
    solutions: Sequence[ReferenceSolution],
    on_check: OnCheck | None = None,
) -> list[SolutionCheck]:
    checks = []
    for solution in solutions:
        check = await _check_one(judge, validators, question, solution)
        checks.append(check)
        if on_check is not None:
            announced = on_check(check)
            if announced is not None:
                await announced
    return checks


async def _check_one(
    judge: Judge,
    validators: ValidatorCache,
    question: Question,
    solution: ReferenceSolution,
) -> SolutionCheck:
    expected = EXPECTED_BY_FOLDER.get(solution.folder)
    if expected is None:
        reason = f"folder {solution.folder!r} names no verdict"
        return SolutionCheck(solution, Outcome.SKIPPED, None, reason=reason)
    if solution.language is None:
        reason = "no language for this file"
        return SolutionCheck(solution, Outcome.SKIPPED, expected, reason=reason)
    if not judge.available(solution.language):
        reason = f"{solution.language.name} is not installed here"
        return SolutionCheck(solution, Outcome.SKIPPED, expected, reason=reason)
    submission = Submission(question, solution.language, solution.source)
    try:
        result = await judge_submission(judge, validators, submission)
    except BitCodeError as error:
        return SolutionCheck(solution, Outcome.DIFFERS, expected, reason=str(error))
    outcome = Outcome.AS_EXPECTED if result.verdict is expected else Outcome.DIFFERS
    return SolutionCheck(solution, outcome, expected, result)
