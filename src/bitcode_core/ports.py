"""The ports the core needs, as protocols. Adapters implement them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bitcode_core.languages import Language
from bitcode_core.questions import Limits, Question


class ExitStatus(StrEnum):
    """How a sandboxed process ended, before any output is checked."""

    OK = "ok"  # exited with status 0
    NONZERO_EXIT = "nonzero-exit"
    SIGNALED = "signaled"
    TIME_LIMIT = "time-limit"  # CPU or wall time ran out
    MEMORY_LIMIT = "memory-limit"
    OUTPUT_LIMIT = "output-limit"
    INTERNAL = "internal"  # the sandbox failed, not the program


@dataclass(frozen=True, slots=True)
class Execution:
    status: ExitStatus
    exit_code: int | None = None
    signal: int | None = None
    stdout: bytes = field(default=b"", repr=False)
    stderr: bytes = field(default=b"", repr=False)
    cpu_time_s: float = 0.0
    wall_time_s: float = 0.0
    memory_kib: int = 0


class Program(Protocol):
    """A handle on a compiled program that a judge can run again and again."""

    @property
    def language(self) -> Language: ...


@dataclass(frozen=True, slots=True)
class Compilation:
    program: Program | None
    log: str = ""
    # Set when compiling failed for reasons that are not the program's fault.
    internal_error: bool = False

    @property
    def succeeded(self) -> bool:
        return self.program is not None


class Judge(Protocol):
    """Runs untrusted programs under limits. A judge never raises on a bad program;
    a broken judge raises ``JudgeFailure``."""

    def available(self, language: Language) -> bool: ...

    async def compile(self, language: Language, source: bytes) -> Compilation: ...

    async def run(
        self, program: Program, stdin: bytes, limits: Limits
    ) -> Execution: ...

    async def run_many(
        self, program: Program, stdins: Sequence[bytes], limits: Limits
    ) -> Sequence[Execution]:
        """Run ``program`` once per input, in any order or all at once (a remote
        judge sends them as one batch); the results come in the inputs' order."""
        ...

    async def run_validator(
        self,
        validator: Program,
        test_input: bytes,
        answer: bytes,
        output: bytes,
        limits: Limits,
    ) -> Execution:
        """Run a custom output validator as the ICPC format defines: arguments
        ``INPUT ANSWER FEEDBACK_DIR``, the contestant's output on standard input."""
        ...

    async def release(self, program: Program) -> None: ...


class QuestionRepository(Protocol):
    def get(self, question_id: str) -> Question: ...

    def list(self) -> Sequence[Question]: ...

    def add(self, question: Question) -> None: ...


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch (wall clock, for stamping events)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for measuring durations)."""
        ...


@dataclass(frozen=True, slots=True)
class PlayerRating:
    player: str
    rating: float
    rated_battles: int = 0


class RatingStore(Protocol):
    def get_many(self, players: Iterable[str]) -> Mapping[str, PlayerRating]: ...

    def save_many(self, ratings: Iterable[PlayerRating]) -> None: ...
