"""Judge one submission: compile it, run it on every test, check each output."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bitcode_core.checking import check_output
from bitcode_core.errors import JudgeFailure
from bitcode_core.languages import Language, LanguageTable
from bitcode_core.ports import Execution, ExitStatus, Judge, Program
from bitcode_core.questions import Limits, Question, TestCase
from bitcode_core.verdicts import SubmissionResult, TestOutcome, Verdict

ACCEPT_EXIT, REJECT_EXIT = 42, 43
# A validator gets generous room: it is trusted to be correct, not to be fast.
VALIDATOR_LIMITS = Limits(time_s=10.0, memory_mib=1024, output_mib=1)

OnTest = Callable[[TestOutcome], Awaitable[None] | None]

_RUN_VERDICTS = {
    ExitStatus.TIME_LIMIT: Verdict.TIME_LIMIT_EXCEEDED,
    ExitStatus.MEMORY_LIMIT: Verdict.MEMORY_LIMIT_EXCEEDED,
    ExitStatus.OUTPUT_LIMIT: Verdict.OUTPUT_LIMIT_EXCEEDED,
    ExitStatus.NONZERO_EXIT: Verdict.RUNTIME_ERROR,
    ExitStatus.SIGNALED: Verdict.RUNTIME_ERROR,
    ExitStatus.INTERNAL: Verdict.INTERNAL_ERROR,
}


class ValidatorCache:
    """Compiles each question's custom validator once and keeps it while judging."""

    def __init__(self, judge: Judge, languages: LanguageTable) -> None:
        self._judge = judge
        self._languages = languages
        self._programs: dict[str, Program] = {}
        self._lock = asyncio.Lock()

    async def get(self, question: Question) -> Program | None:
        validator = question.check.validator
        if validator is None:
            return None
        async with self._lock:
            program = self._programs.get(validator.digest)
            if program is None:
                language = self._languages.get(validator.language)
                compilation = await self._judge.compile(language, validator.source)
                if compilation.program is None:
                    raise JudgeFailure(
                        f"the output validator of {question.id} does not compile: "
                        f"{compilation.log.strip()[:500]}"
                    )
                program = self._programs[validator.digest] = compilation.program
            return program

    async def close(self) -> None:
        async with self._lock:
            programs, self._programs = list(self._programs.values()), {}
        for program in programs:
            await self._judge.release(program)


@dataclass(frozen=True, slots=True)
class Submission:
    question: Question
    language: Language
    source: bytes


async def judge_submission(
    judge: Judge,
    validators: ValidatorCache,
    submission: Submission,
    *,
    run_all: bool = False,
    on_test: OnTest | None = None,
) -> SubmissionResult:
    """Judge ``submission``; stop at the first failed test unless ``run_all``."""
    question = submission.question
    total = len(question.tests)
    compilation = await judge.compile(submission.language, submission.source)
    if compilation.program is None:
        verdict = (
            Verdict.INTERNAL_ERROR
            if compilation.internal_error
            else Verdict.COMPILATION_ERROR
        )
        return SubmissionResult(verdict, (), total, compilation.log)

    program = compilation.program
    try:
        validator = await validators.get(question)
        outcomes = await _judge_tests(
            judge, program, validator, question, run_all=run_all, on_test=on_test
        )
    finally:
        await judge.release(program)

    first_failure = next(
        (o for o in outcomes if o.verdict is not Verdict.ACCEPTED), None
    )
    verdict = first_failure.verdict if first_failure else Verdict.ACCEPTED
    return SubmissionResult(verdict, tuple(outcomes), total, compilation.log)


async def _judge_tests(
    judge: Judge,
    program: Program,
    validator: Program | None,
    question: Question,
    *,
    run_all: bool,
    on_test: OnTest | None,
) -> list[TestOutcome]:
    """Run the tests in waves handed to the judge at once: all of them when every
    test is wanted, else 1, 2, 4… so that stopping at the first failure wastes at
    most as many runs as it needed, in a handful of round trips."""
    tests = question.tests
    wave = len(tests) if run_all else 1
    outcomes: list[TestOutcome] = []
    while len(outcomes) < len(tests):
        batch = tests[len(outcomes) : len(outcomes) + wave]
        stdins = [test.input for test in batch]
        executions = await judge.run_many(program, stdins, question.limits)
        for test, execution in zip(batch, executions, strict=True):
            outcome = await _judge_test(judge, execution, validator, question, test)
            outcomes.append(outcome)
            if on_test is not None:
                announced = on_test(outcome)
                if announced is not None:
                    await announced
            if outcome.verdict is not Verdict.ACCEPTED and not run_all:
                return outcomes
        wave *= 2
    return outcomes


async def _judge_test(
    judge: Judge,
    execution: Execution,
    validator: Program | None,
    question: Question,
    test: TestCase,
) -> TestOutcome:
    verdict, message = await _verdict(judge, execution, validator, question, test)
    return TestOutcome(
        test=test.name,
        verdict=verdict,
        time_s=execution.cpu_time_s,
        memory_kib=execution.memory_kib,
        sample=test.sample,
        message=message,
    )


async def _verdict(
    judge: Judge,
    execution: Execution,
    validator: Program | None,
    question: Question,
    test: TestCase,
) -> tuple[Verdict, str]:
    if execution.status is not ExitStatus.OK:
        return _RUN_VERDICTS[execution.status], _describe(execution)
    if validator is None:
        result = check_output(test.answer, execution.stdout, question.check.flags)
        verdict = Verdict.ACCEPTED if result.accepted else Verdict.WRONG_ANSWER
        return verdict, result.message
    checked = await judge.run_validator(
        validator, test.input, test.answer, execution.stdout, VALIDATOR_LIMITS
    )
    if checked.status is ExitStatus.NONZERO_EXIT and checked.exit_code == REJECT_EXIT:
        return Verdict.WRONG_ANSWER, _tail(checked.stdout or checked.stderr)
    if checked.exit_code == ACCEPT_EXIT:
        return Verdict.ACCEPTED, ""
    return Verdict.INTERNAL_ERROR, f"output validator failed: {_describe(checked)}"


def _describe(execution: Execution) -> str:
    if execution.status is ExitStatus.INTERNAL:
        # The judge's own failure; its details are logged, not shown.
        return "the judge failed to run this test; it is not held against you"
    if execution.status is ExitStatus.SIGNALED:
        return f"killed by signal {execution.signal}"
    if execution.status is ExitStatus.NONZERO_EXIT:
        detail = _tail(execution.stderr)
        return f"exit code {execution.exit_code}" + (f": {detail}" if detail else "")
    return execution.status.value


def _tail(data: bytes, limit: int = 300) -> str:
    return data[-limit:].decode("utf-8", "replace").strip()
