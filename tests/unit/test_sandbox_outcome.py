"""How the sandbox judge turns the end of a process into an ExitStatus."""

from __future__ import annotations

import dataclasses
import signal

import pytest

from bitcode_adapters.sandbox.outcome import execution_of
from bitcode_adapters.sandbox.process import Ended
from bitcode_core.ports import ExitStatus
from bitcode_core.questions import Limits

LIMITS = Limits(time_s=1.0, memory_mib=64, output_mib=1)
MIB = 1024


def ended(**changes: object) -> Ended:
    fine = Ended(
        wait_status=0,
        cpu_s=0.1,
        peak_kib=2 * MIB,
        wall_s=0.2,
        stdout=b"42\n",
        stderr=b"",
        timed_out=False,
        output_exceeded=False,
        started=True,
    )
    return dataclasses.replace(fine, **changes)  # type: ignore[arg-type]


def exited(code: int) -> int:
    return code << 8


def killed_by(number: int) -> int:
    return number


class TestExitStatus:
    @pytest.mark.parametrize(
        ("end", "status"),
        [
            pytest.param(ended(), ExitStatus.OK, id="clean-exit"),
            pytest.param(
                ended(wait_status=exited(1), started=False),
                ExitStatus.INTERNAL,
                id="sandbox-never-started-it",
            ),
            pytest.param(
                ended(output_exceeded=True, wait_status=killed_by(9)),
                ExitStatus.OUTPUT_LIMIT,
                id="too-much-output",
            ),
            pytest.param(
                ended(timed_out=True, wait_status=killed_by(9), started=False),
                ExitStatus.TIME_LIMIT,
                id="wall-deadline",
            ),
            pytest.param(ended(cpu_s=1.01), ExitStatus.TIME_LIMIT, id="cpu-over"),
            pytest.param(
                ended(wait_status=exited(128 + signal.SIGXCPU)),
                ExitStatus.TIME_LIMIT,
                id="cpu-rlimit-fired",
            ),
            pytest.param(
                ended(peak_kib=65 * MIB), ExitStatus.MEMORY_LIMIT, id="peak-over"
            ),
            pytest.param(
                ended(wait_status=exited(1), stderr=b"MemoryError\n"),
                ExitStatus.MEMORY_LIMIT,
                id="python-memory-error",
            ),
            pytest.param(
                ended(wait_status=exited(128 + signal.SIGKILL)),
                ExitStatus.MEMORY_LIMIT,
                id="killed-by-the-oom-killer",
            ),
            pytest.param(
                ended(wait_status=exited(128 + signal.SIGSEGV), peak_kib=60 * MIB),
                ExitStatus.MEMORY_LIMIT,
                id="crashed-at-the-limit",
            ),
            pytest.param(
                ended(wait_status=exited(128 + signal.SIGSEGV)),
                ExitStatus.SIGNALED,
                id="crashed",
            ),
            pytest.param(
                ended(wait_status=exited(3)), ExitStatus.NONZERO_EXIT, id="exit-3"
            ),
            pytest.param(
                ended(stderr=b"MemoryError\n"), ExitStatus.OK, id="says-memory-but-ok"
            ),
        ],
    )
    def test_the_first_matching_rule_decides(
        self, end: Ended, status: ExitStatus
    ) -> None:
        assert execution_of(end, LIMITS, signals_as_exit_codes=True).status is status

    def test_behind_a_wrapper_an_exit_above_128_reads_as_a_signal(self) -> None:
        execution = execution_of(
            ended(wait_status=exited(139)), LIMITS, signals_as_exit_codes=True
        )

        assert (execution.exit_code, execution.signal) == (None, signal.SIGSEGV)

    def test_with_nothing_between_an_exit_above_128_is_an_exit_code(self) -> None:
        execution = execution_of(
            ended(wait_status=exited(139)), LIMITS, signals_as_exit_codes=False
        )

        assert (execution.exit_code, execution.signal) == (139, None)

    def test_an_unmeasured_peak_is_reported_as_zero_and_judged_by_the_crash(
        self,
    ) -> None:
        execution = execution_of(
            ended(peak_kib=None, wait_status=exited(128 + signal.SIGSEGV)),
            LIMITS,
            signals_as_exit_codes=True,
        )

        assert execution.memory_kib == 0
        assert execution.status is ExitStatus.SIGNALED
