"""Hand-written fakes for unit tests of the use cases (no processes run)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bitcode_core.accounts.ports import Mail
from bitcode_core.languages import Language
from bitcode_core.ports import Compilation, Execution, ExitStatus
from bitcode_core.questions import Limits

PYTHON = Language("python3", "Python 3", ("py",), "main.py", ("python3", "main.py"))


@dataclass(frozen=True)
class ScriptedProgram:
    """A 'program' whose behaviour is a Python function of its input."""

    language: Language
    behaviour: Callable[[bytes], Execution]


@dataclass
class ScriptedJudge:
    """Compiles sources naming a behaviour in ``programs``; ``b"!"`` fails."""

    programs: dict[bytes, Callable[[bytes], Execution]]
    validator: Callable[[bytes, bytes, bytes], int] | None = None
    released: list[ScriptedProgram] = field(default_factory=list)
    compiled: int = 0
    runs: list[int] = field(default_factory=list)  # the size of each call's batch

    def available(self, language: Language) -> bool:
        return True

    async def compile(self, language: Language, source: bytes) -> Compilation:
        self.compiled += 1
        if source not in self.programs:
            return Compilation(None, log=f"cannot compile {source!r}")
        return Compilation(ScriptedProgram(language, self.programs[source]))

    async def run(self, program, stdin: bytes, limits: Limits) -> Execution:
        self.runs.append(1)
        return program.behaviour(stdin)

    async def run_many(self, program, stdins, limits: Limits) -> list[Execution]:
        self.runs.append(len(stdins))
        return [program.behaviour(stdin) for stdin in stdins]

    async def run_validator(self, validator, test_input, answer, output, limits):
        assert self.validator is not None
        code = self.validator(test_input, answer, output)
        status = ExitStatus.OK if code == 0 else ExitStatus.NONZERO_EXIT
        return Execution(status, exit_code=code, stdout=b"validator says so")

    async def release(self, program) -> None:
        self.released.append(program)


def prints(output: bytes, time_s: float = 0.01) -> Execution:
    return Execution(ExitStatus.OK, 0, stdout=output, cpu_time_s=time_s, memory_kib=900)


class ManualClock:
    """A clock that moves only when a test moves it."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._monotonic = 0.0

    def now(self) -> float:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, seconds: float) -> None:
        self._now += seconds
        self._monotonic += seconds


@dataclass
class OutboxMailer:
    """Keeps every mail it is asked to send, newest last."""

    sent: list[Mail] = field(default_factory=list)

    async def send(self, mail: Mail) -> None:
        self.sent.append(mail)

    def to(self, address: str) -> list[Mail]:
        return [m for m in self.sent if m.to == address]

    def token_in_last(self, address: str) -> str:
        """The one-time token in the newest mail to ``address``."""
        text = self.to(address)[-1].text
        found = re.search(r"token to the API.*?: ([A-Za-z0-9_-]+)", text, re.DOTALL)
        assert found, text
        return found.group(1)
