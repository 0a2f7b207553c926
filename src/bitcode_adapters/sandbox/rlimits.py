"""Kernel resource limits for one sandboxed process tree, set by ``prlimit``."""

from __future__ import annotations

import math
import resource
from dataclasses import dataclass

from bitcode_core.questions import Limits

_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ResourceLimits:
    cpu_s: int  # the kernel sends SIGXCPU here and SIGKILL a second later
    address_space_mib: int
    processes: int  # counted per uid, hence one uid per sandbox slot
    file_size_mib: int
    open_files: int

    @classmethod
    def for_run(cls, limits: Limits, address_space_extra_mib: int) -> ResourceLimits:
        return cls(
            # A margin over the limit so that the time is measured, not cut short.
            cpu_s=math.ceil(limits.time_s) + 1,
            address_space_mib=limits.memory_mib + address_space_extra_mib,
            processes=64,
            file_size_mib=16,
            open_files=256,
        )

    @classmethod
    def for_compile(
        cls, limits: Limits, address_space_extra_mib: int
    ) -> ResourceLimits:
        # Compilers run helpers and threads and may write large binaries (a
        # program with a big initialised array) but run under the same rules.
        return cls(
            cpu_s=math.ceil(limits.time_s) + 1,
            address_space_mib=limits.memory_mib + address_space_extra_mib,
            processes=256,
            file_size_mib=256,
            open_files=1024,
        )

    def prlimit_options(self) -> list[str]:
        """Options for util-linux ``prlimit``, each capped at the judge's own hard
        limit: lowering a limit needs no privilege, raising one would."""
        wanted = {
            "core": (0, 0),
            "memlock": (0, 0),
            "msgqueue": (0, 0),
            "cpu": (self.cpu_s, self.cpu_s + 1),
            "fsize": _same(self.file_size_mib * _MIB),
            "nofile": _same(self.open_files),
            "nproc": _same(self.processes),
            # Unlimited: the stack may grow until the address space runs out, and
            # threads keep the C library's default size rather than each taking
            # the stack limit (with V8's ten threads that exhausts the space).
            "stack": _same(resource.RLIM_INFINITY),
            "as": _same(self.address_space_mib * _MIB),
        }
        options = []
        for name, values in wanted.items():
            soft, hard = _capped(_RESOURCES[name], values)
            options.append(f"--{name}={_text(soft)}:{_text(hard)}")
        return options


_RESOURCES = {
    "core": resource.RLIMIT_CORE,
    "memlock": resource.RLIMIT_MEMLOCK,
    "msgqueue": resource.RLIMIT_MSGQUEUE,
    "cpu": resource.RLIMIT_CPU,
    "fsize": resource.RLIMIT_FSIZE,
    "nofile": resource.RLIMIT_NOFILE,
    "nproc": resource.RLIMIT_NPROC,
    "stack": resource.RLIMIT_STACK,
    "as": resource.RLIMIT_AS,
}


def _same(value: int) -> tuple[int, int]:
    return value, value


def _capped(kind: int, values: tuple[int, int]) -> tuple[int, int]:
    _, ceiling = resource.getrlimit(kind)
    if ceiling == resource.RLIM_INFINITY:
        return values
    soft, hard = (
        ceiling if v == resource.RLIM_INFINITY else min(v, ceiling) for v in values
    )
    return soft, hard


def _text(value: int) -> str:
    return "unlimited" if value == resource.RLIM_INFINITY else str(value)
