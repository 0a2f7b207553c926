"""How a sandboxed process ended, in the judge port's terms.

The first rule that matches decides:

1. The sandbox never started the command (bubblewrap reported no exit of it and
   the judge did not kill it): ``INTERNAL``.
2. stdout or stderr went over the output limit (the tree is killed at once):
   ``OUTPUT_LIMIT``.
3. The wall-clock deadline passed, the CPU time went over the time limit, or the
   kernel's CPU limit fired (SIGXCPU): ``TIME_LIMIT``.
4. The peak resident memory went over the memory limit, however it ended:
   ``MEMORY_LIMIT``.
5. It failed (a non-zero exit or a signal) and died of memory: its stderr names
   an allocation failure (Python ``MemoryError``, ``std::bad_alloc``, Java's
   ``OutOfMemoryError``, V8's heap-out-of-memory, Rust's "memory allocation of N
   bytes failed"), something other than the judge sent it SIGKILL (the kernel's
   out-of-memory killer), or its peak resident memory reached 90% of the limit
   (the address-space limit refused an allocation and the program crashed):
   ``MEMORY_LIMIT``.
6. Otherwise ``OK`` for exit status 0, ``SIGNALED`` for a signal and
   ``NONZERO_EXIT`` for any other status.

The peak resident memory is the largest of any single process in the tree, as
GNU time reports it (see ``process``); without GNU time it is unknown, reported
as 0, and only the other signs in rule 5 count.

The memory limit is enforced with RLIMIT_AS, so an allocation that would pass it
fails rather than the process being killed. A program that asks for far more than
the limit at once and then crashes without touching the memory (C that ignores a
NULL from ``malloc``) is reported by how it crashed, usually ``SIGNALED``.

bubblewrap and GNU time pass on a command killed by signal N as exit status
128 + N, so behind either an exit status above 128 reads as that signal: a
program that calls ``exit(139)`` is reported as killed by SIGSEGV. A sandboxed
program is pid 1 of its namespace, and the kernel ignores the signals such a
process sends itself: ``abort()`` (an uncaught C++ exception, a Rust abort) then
ends in SIGSEGV rather than SIGABRT. Both are runtime errors to the core.
"""

from __future__ import annotations

import os
import signal

from bitcode_adapters.out_of_memory import OUT_OF_MEMORY_MARKERS
from bitcode_adapters.sandbox.process import Ended
from bitcode_core.ports import Execution, ExitStatus
from bitcode_core.questions import Limits

_NEAR_LIMIT = 0.9


def execution_of(
    ended: Ended, limits: Limits, *, signals_as_exit_codes: bool
) -> Execution:
    """``signals_as_exit_codes``: whether a wrapper (bubblewrap, GNU time) stood
    between the judge and the command and passed a signal on as 128 + N."""
    exit_code, signal_number = _exit_of(ended.wait_status, signals_as_exit_codes)
    status = _status(ended, limits, exit_code, signal_number)
    return Execution(
        status=status,
        exit_code=exit_code,
        signal=signal_number,
        stdout=ended.stdout,
        stderr=ended.stderr,
        cpu_time_s=round(ended.cpu_s, 3),
        wall_time_s=round(ended.wall_s, 3),
        memory_kib=ended.peak_kib or 0,
    )


def _exit_of(wait_status: int, encoded: bool) -> tuple[int | None, int | None]:
    if os.WIFSIGNALED(wait_status):
        return None, os.WTERMSIG(wait_status)
    code = os.WEXITSTATUS(wait_status)
    if encoded and 128 < code < 128 + signal.NSIG:
        return None, code - 128
    return code, None


def _status(
    ended: Ended, limits: Limits, exit_code: int | None, signal_number: int | None
) -> ExitStatus:
    killed_by_judge = ended.timed_out or ended.output_exceeded
    if not ended.started and not killed_by_judge:
        return ExitStatus.INTERNAL
    if ended.output_exceeded:
        return ExitStatus.OUTPUT_LIMIT
    if (
        ended.timed_out
        or ended.cpu_s > limits.time_s
        or signal_number == signal.SIGXCPU
    ):
        return ExitStatus.TIME_LIMIT
    if _out_of_memory(
        ended, limits, failed=exit_code != 0, signal_number=signal_number
    ):
        return ExitStatus.MEMORY_LIMIT
    if exit_code == 0:
        return ExitStatus.OK
    return ExitStatus.SIGNALED if signal_number is not None else ExitStatus.NONZERO_EXIT


def _out_of_memory(
    ended: Ended, limits: Limits, *, failed: bool, signal_number: int | None
) -> bool:
    limit_kib = limits.memory_mib * 1024
    peak_kib = ended.peak_kib or 0  # unmeasured: judged by how it died alone
    if peak_kib > limit_kib:
        return True
    return failed and (
        any(marker in ended.stderr for marker in OUT_OF_MEMORY_MARKERS)
        or signal_number == signal.SIGKILL
        or peak_kib >= _NEAR_LIMIT * limit_kib
    )
