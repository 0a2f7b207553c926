"""A finished Judge0 submission in the judge port's terms, and the limits sent.

Judge0 CE reports one of fourteen statuses; BitCode checks output itself, so a
run that ended normally is ``OK`` whatever Judge0 thought of it (it is never
sent an ``expected_output``). The first rule that matches decides:

1. In Queue (1) and Processing (2) are not finished; Internal Error (13),
   Exec Format Error (14), a Compilation Error (6) while running a program that
   compiled, or a status this module does not know: ``INTERNAL``.
2. Runtime Error (SIGXFSZ) (8), the file size limit, which is how Judge0's
   ``max_file_size`` stops a flood of output, or more output than the limit:
   ``OUTPUT_LIMIT``.
3. Time Limit Exceeded (5), or more CPU time than the limit: ``TIME_LIMIT``.
4. Judge0 has no memory status. Its memory limit is a cgroup's, so a program
   that reaches it is killed (SIGKILL, reported as Runtime Error (Other), 12);
   one that failed and reports a peak of 90% of the limit or more, was killed
   by SIGKILL, or names an allocation failure on stderr (as the sandbox reads
   it): ``MEMORY_LIMIT``.
5. Accepted (3) and Wrong Answer (4): ``OK``; Runtime Error (NZEC) (11):
   ``NONZERO_EXIT``; the other runtime errors (7, 9, 10, 12): ``SIGNALED``.

``time`` and ``wall_time`` come as decimal strings in seconds and ``memory`` in
kilobytes. The exit code and signal come as fields when asked for; a callback
carries only the default fields, so they are also read from isolate's message
("Exited with error status 3", "Caught fatal signal 11").
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bitcode_adapters.out_of_memory import OUT_OF_MEMORY_MARKERS
from bitcode_core.ports import Execution, ExitStatus
from bitcode_core.questions import Limits

IN_QUEUE, PROCESSING, ACCEPTED, WRONG_ANSWER, TIME_LIMIT_EXCEEDED = 1, 2, 3, 4, 5
COMPILATION_ERROR, SIGSEGV, SIGXFSZ, SIGFPE, SIGABRT = 6, 7, 8, 9, 10
NZEC, OTHER, INTERNAL_ERROR, EXEC_FORMAT_ERROR = 11, 12, 13, 14
PENDING = frozenset({IN_QUEUE, PROCESSING})
_SIGNALED = frozenset({SIGSEGV, SIGFPE, SIGABRT, OTHER})
# Asked for by name: an unknown field is a 400, and a result without one of
# these still maps (a callback sends only the default fields).
RESULT_FIELDS = (
    "token",
    "status",
    "stdout",
    "stderr",
    "compile_output",
    "message",
    "time",
    "wall_time",
    "memory",
    "exit_code",
    "exit_signal",
)
_EXIT_MESSAGE = re.compile(r"Exited with error status (\d+)")
_SIGNAL_MESSAGE = re.compile(r"Caught fatal signal (\d+)")
_NEAR_LIMIT = 0.9
_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/=_-]")


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """The maximums a Judge0 server accepts, from ``GET /config_info``
    (Judge0 CE's defaults when a key is missing)."""

    cpu_time_s: float = 15.0
    cpu_extra_time_s: float = 5.0
    wall_time_s: float = 20.0
    memory_kb: int = 512_000
    file_size_kb: int = 4096
    processes: int = 120

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ServerLimits:
        default = cls()

        def number(key: str, fallback: float) -> float:
            value = config.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                return fallback
            try:
                parsed = float(value)
            except ValueError:
                return fallback
            return parsed if math.isfinite(parsed) and parsed > 0 else fallback

        return cls(
            cpu_time_s=number("max_cpu_time_limit", default.cpu_time_s),
            cpu_extra_time_s=number("max_cpu_extra_time", default.cpu_extra_time_s),
            wall_time_s=number("max_wall_time_limit", default.wall_time_s),
            memory_kb=int(number("max_memory_limit", default.memory_kb)),
            file_size_kb=int(number("max_max_file_size", default.file_size_kb)),
            processes=int(
                number("max_max_processes_and_or_threads", default.processes)
            ),
        )


def limit_fields(limits: Limits, server: ServerLimits) -> dict[str, float | int]:
    """A submission's limits, as the local sandbox sets them, within the
    server's maximums. CPU time gets half a second of grace so the real time
    is measured; wall time is twice the CPU limit plus a second."""
    return {
        "cpu_time_limit": min(limits.time_s, server.cpu_time_s),
        "cpu_extra_time": min(0.5, server.cpu_extra_time_s),
        "wall_time_limit": min(2 * limits.time_s + 1, server.wall_time_s),
        "memory_limit": min(limits.memory_mib * 1024, server.memory_kb),
        "max_file_size": min(limits.output_mib * 1024, server.file_size_kb),
        "max_processes_and_or_threads": min(64, server.processes),
    }


def encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def decode(text: object) -> bytes:
    """Base64 as Judge0 writes it: wrapped every 60 characters, maybe with
    missing padding; ``null`` is empty."""
    if not isinstance(text, str) or not text:
        return b""
    cleaned = _B64_JUNK.sub(b"", text.encode("ascii", "ignore"))
    cleaned = cleaned.rstrip(b"=")
    cleaned += b"=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned.replace(b"-", b"+").replace(b"_", b"/"))
    except (binascii.Error, ValueError):
        return b""


def status_id(result: Mapping[str, Any]) -> int | None:
    status = result.get("status")
    value = status.get("id") if isinstance(status, Mapping) else None
    if value is None:
        value = result.get("status_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def is_finished(result: Mapping[str, Any]) -> bool:
    return status_id(result) not in PENDING


def execution_of(result: Mapping[str, Any], limits: Limits) -> Execution:
    """Map one finished submission (``base64_encoded=true``) to an execution."""
    stdout, stderr = decode(result.get("stdout")), decode(result.get("stderr"))
    message = decode(result.get("message")).decode("utf-8", "replace")
    exit_code, signal_number = _exit_of(result, message)
    cpu_s, wall_s = _seconds(result.get("time")), _seconds(result.get("wall_time"))
    memory_kib = _kilobytes(result.get("memory"))
    code = status_id(result)
    status = _status(
        code,
        limits,
        stdout=stdout,
        stderr=stderr,
        cpu_s=cpu_s,
        memory_kib=memory_kib,
        signal_number=signal_number,
    )
    if status is ExitStatus.INTERNAL and message:
        stderr = stderr or message.encode()
    return Execution(
        status=status,
        exit_code=exit_code if status is not ExitStatus.SIGNALED else None,
        signal=signal_number,
        stdout=stdout,
        stderr=stderr,
        cpu_time_s=round(cpu_s, 3),
        wall_time_s=round(wall_s, 3),
        memory_kib=memory_kib,
    )


def _status(
    code: int | None,
    limits: Limits,
    *,
    stdout: bytes,
    stderr: bytes,
    cpu_s: float,
    memory_kib: int,
    signal_number: int | None,
) -> ExitStatus:
    known = {ACCEPTED, WRONG_ANSWER, TIME_LIMIT_EXCEEDED, SIGXFSZ, NZEC} | _SIGNALED
    if code not in known:
        return ExitStatus.INTERNAL
    if code == SIGXFSZ or len(stdout) > limits.output_bytes:
        return ExitStatus.OUTPUT_LIMIT
    if code == TIME_LIMIT_EXCEEDED or cpu_s > limits.time_s:
        return ExitStatus.TIME_LIMIT
    failed = code not in (ACCEPTED, WRONG_ANSWER)
    if failed and _out_of_memory(limits, stderr, memory_kib, signal_number):
        return ExitStatus.MEMORY_LIMIT
    if not failed:
        return ExitStatus.OK
    return ExitStatus.NONZERO_EXIT if code == NZEC else ExitStatus.SIGNALED


def _out_of_memory(
    limits: Limits, stderr: bytes, memory_kib: int, signal_number: int | None
) -> bool:
    return (
        memory_kib >= _NEAR_LIMIT * limits.memory_mib * 1024
        or signal_number == signal.SIGKILL
        or any(marker in stderr for marker in OUT_OF_MEMORY_MARKERS)
    )


def _exit_of(result: Mapping[str, Any], message: str) -> tuple[int | None, int | None]:
    code, number = result.get("exit_code"), result.get("exit_signal")
    exit_code = code if isinstance(code, int) else None
    signal_number = number if isinstance(number, int) and number > 0 else None
    if signal_number is None and (found := _SIGNAL_MESSAGE.search(message)):
        signal_number = int(found.group(1))
    if exit_code is None and (found := _EXIT_MESSAGE.search(message)):
        exit_code = int(found.group(1))
    if (
        exit_code is None
        and signal_number is None
        and status_id(result)
        in (
            ACCEPTED,
            WRONG_ANSWER,
        )
    ):
        exit_code = 0
    return exit_code, signal_number


def _seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0.0
    try:
        seconds = float(value)
    except ValueError:
        return 0.0
    return seconds if math.isfinite(seconds) and seconds >= 0 else 0.0


def _kilobytes(value: object) -> int:
    return max(0, int(_seconds(value)))  # an integer, or a decimal when averaged
