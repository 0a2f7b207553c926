"""Verdicts for one test and for a whole submission."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    ACCEPTED = "AC"
    WRONG_ANSWER = "WA"
    TIME_LIMIT_EXCEEDED = "TLE"
    MEMORY_LIMIT_EXCEEDED = "MLE"
    RUNTIME_ERROR = "RTE"
    COMPILATION_ERROR = "CE"
    OUTPUT_LIMIT_EXCEEDED = "OLE"
    INTERNAL_ERROR = "IE"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def counts_as_try(self) -> bool:
        """Whether a rejection adds penalty: neither a compile error nor our fault."""
        return self not in (Verdict.COMPILATION_ERROR, Verdict.INTERNAL_ERROR)


_LABELS = {
    Verdict.ACCEPTED: "Accepted",
    Verdict.WRONG_ANSWER: "Wrong Answer",
    Verdict.TIME_LIMIT_EXCEEDED: "Time Limit Exceeded",
    Verdict.MEMORY_LIMIT_EXCEEDED: "Memory Limit Exceeded",
    Verdict.RUNTIME_ERROR: "Runtime Error",
    Verdict.COMPILATION_ERROR: "Compilation Error",
    Verdict.OUTPUT_LIMIT_EXCEEDED: "Output Limit Exceeded",
    Verdict.INTERNAL_ERROR: "Internal Error",
}


@dataclass(frozen=True, slots=True)
class TestOutcome:
    test: str
    verdict: Verdict
    time_s: float
    memory_kib: int
    sample: bool = False
    message: str = ""


@dataclass(frozen=True, slots=True)
class SubmissionResult:
    verdict: Verdict
    tests: tuple[TestOutcome, ...]
    total_tests: int
    compile_log: str = ""

    @property
    def tests_passed(self) -> int:
        return sum(1 for t in self.tests if t.verdict is Verdict.ACCEPTED)

    @property
    def passed_share(self) -> float:
        return self.tests_passed / self.total_tests if self.total_tests else 0.0

    @property
    def max_time_s(self) -> float:
        return max((t.time_s for t in self.tests), default=0.0)

    @property
    def max_memory_kib(self) -> int:
        return max((t.memory_kib for t in self.tests), default=0)
