from __future__ import annotations

import asyncio

import pytest

from bitcode_core.errors import JudgeFailure
from bitcode_core.languages import LanguageTable
from bitcode_core.ports import Execution, ExitStatus
from bitcode_core.questions import OutputCheck, Question, ValidatorProgram
from bitcode_core.questions import TestCase as Case
from bitcode_core.usecases.judge_submission import (
    Submission,
    ValidatorCache,
    judge_submission,
)
from bitcode_core.verdicts import Verdict
from tests.fakes import PYTHON, ScriptedJudge, prints

TABLE = LanguageTable([PYTHON])


def doubling_question(**changes):
    hidden = tuple(Case(f"secret/{i}", b"%d" % i, b"%d" % (2 * i)) for i in range(2, 6))
    fields = {
        "samples": (Case("sample/1", b"1", b"2", sample=True),),
        "hidden": hidden,
        **changes,
    }
    return Question(id="double", title="Double", statement="x2", **fields)


def doubler(data: bytes) -> Execution:
    return prints(b"%d\n" % (2 * int(data)))


def wrong_from_four(data: bytes) -> Execution:
    value = int(data)
    return prints(b"%d\n" % (2 * value + (value >= 4)))


def wrong_at_three(data: bytes) -> Execution:
    return prints(b"%d\n" % (2 * int(data) + (data == b"3")))


def judge(judge_, source, question=None, **options):
    submission = Submission(question or doubling_question(), PYTHON, source)
    validators = ValidatorCache(judge_, TABLE)
    return asyncio.run(judge_submission(judge_, validators, submission, **options))


class TestJudgeSubmission:
    def test_accepts_a_correct_program_and_releases_it(self):
        fake = ScriptedJudge({b"ok": doubler})

        result = judge(fake, b"ok")

        assert result.verdict is Verdict.ACCEPTED
        assert result.tests_passed == result.total_tests == 5
        assert len(fake.released) == 1

    def test_stops_at_the_first_failed_test(self):
        result = judge(ScriptedJudge({b"wa": wrong_from_four}), b"wa")

        assert result.verdict is Verdict.WRONG_ANSWER
        assert [t.verdict for t in result.tests][-1] is Verdict.WRONG_ANSWER
        assert len(result.tests) == 4

    def test_runs_every_test_when_asked(self):
        result = judge(ScriptedJudge({b"wa": wrong_from_four}), b"wa", run_all=True)

        assert len(result.tests) == 5
        assert result.tests_passed == 3
        assert result.passed_share == pytest.approx(0.6)

    def test_reports_a_compile_error_with_its_log(self):
        result = judge(ScriptedJudge({}), b"broken")

        assert result.verdict is Verdict.COMPILATION_ERROR
        assert "cannot compile" in result.compile_log

    @pytest.mark.parametrize(
        ("status", "verdict"),
        [
            pytest.param(ExitStatus.TIME_LIMIT, Verdict.TIME_LIMIT_EXCEEDED, id="tle"),
            pytest.param(
                ExitStatus.MEMORY_LIMIT, Verdict.MEMORY_LIMIT_EXCEEDED, id="mle"
            ),
            pytest.param(
                ExitStatus.OUTPUT_LIMIT, Verdict.OUTPUT_LIMIT_EXCEEDED, id="ole"
            ),
            pytest.param(ExitStatus.NONZERO_EXIT, Verdict.RUNTIME_ERROR, id="exit"),
            pytest.param(ExitStatus.SIGNALED, Verdict.RUNTIME_ERROR, id="signal"),
            pytest.param(ExitStatus.INTERNAL, Verdict.INTERNAL_ERROR, id="sandbox"),
        ],
    )
    def test_maps_how_the_program_ended_to_a_verdict(self, status, verdict):
        fake = ScriptedJudge({b"p": lambda _: Execution(status, exit_code=1)})

        assert judge(fake, b"p").verdict is verdict

    def test_hands_every_test_to_the_judge_at_once_when_all_are_asked(self):
        fake = ScriptedJudge({b"wa": wrong_from_four})

        judge(fake, b"wa", run_all=True)

        assert fake.runs == [5]

    @pytest.mark.parametrize(
        ("source", "waves", "judged"),
        [
            pytest.param(b"ok", [1, 2, 2], 5, id="accepted"),
            pytest.param(b"wa", [1, 2], 3, id="fails-in-the-second-wave"),
        ],
    )
    def test_otherwise_sends_doubling_waves_and_stops_at_the_first_failure(
        self, source, waves, judged
    ):
        fake = ScriptedJudge({b"ok": doubler, b"wa": wrong_at_three})

        result = judge(fake, source)

        assert fake.runs == waves
        assert len(result.tests) == judged

    def test_a_test_the_judge_failed_says_so_without_blaming_the_player(self):
        fake = ScriptedJudge({b"p": lambda _: Execution(ExitStatus.INTERNAL)})

        result = judge(fake, b"p")

        assert result.verdict is Verdict.INTERNAL_ERROR
        assert "not held against you" in result.tests[0].message

    def test_reports_each_test_as_it_is_judged(self):
        seen = []

        judge(ScriptedJudge({b"ok": doubler}), b"ok", on_test=seen.append)

        assert [o.test for o in seen][:2] == ["sample/1", "secret/2"]
        assert seen[0].sample


class TestCustomValidator:
    validator = ValidatorProgram("python3", "check.py", b"validator")

    def question(self):
        return doubling_question(check=OutputCheck(validator=self.validator))

    def test_uses_the_validator_exit_code(self):
        fake = ScriptedJudge(
            {b"ok": doubler, b"validator": doubler},
            validator=lambda i, a, o: 42 if int(o) == 2 * int(i) else 43,
        )

        assert judge(fake, b"ok", self.question()).verdict is Verdict.ACCEPTED

    def test_a_rejection_is_a_wrong_answer_with_feedback(self):
        fake = ScriptedJudge(
            {b"wa": wrong_from_four, b"validator": doubler},
            validator=lambda i, a, o: 42 if int(o) == 2 * int(i) else 43,
        )

        result = judge(fake, b"wa", self.question())

        assert result.verdict is Verdict.WRONG_ANSWER
        assert result.tests[-1].message == "validator says so"

    def test_a_crashing_validator_is_an_internal_error_not_the_players_fault(self):
        fake = ScriptedJudge(
            {b"ok": doubler, b"validator": doubler}, validator=lambda *_: 1
        )

        assert judge(fake, b"ok", self.question()).verdict is Verdict.INTERNAL_ERROR

    def test_compiles_the_validator_once_per_question(self):
        fake = ScriptedJudge(
            {b"ok": doubler, b"validator": doubler}, validator=lambda *_: 42
        )
        validators = ValidatorCache(fake, TABLE)
        submission = Submission(self.question(), PYTHON, b"ok")

        async def twice():
            await judge_submission(fake, validators, submission)
            await judge_submission(fake, validators, submission)
            await validators.close()

        asyncio.run(twice())

        assert fake.compiled == 3
        assert len(fake.released) == 3

    def test_a_validator_that_does_not_compile_is_a_judge_failure(self):
        fake = ScriptedJudge({b"ok": doubler})

        with pytest.raises(JudgeFailure):
            judge(fake, b"ok", self.question())
