"""What a sandboxed process sees: a bubblewrap jail, or (unsafe) the bare host.

The jail is built from nothing: an empty root made read-only once set up, the
system folders toolchains need bound read-only, a handful of device nodes, a
fresh ``/proc`` for its own pid namespace, a size-capped ``/tmp`` and the work
folder at ``/work`` (writable only while compiling). It has no network, no
capabilities, cannot make user namespaces, runs in a new session, dies with its
launcher and starts from an empty environment.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bitcode_adapters.sandbox.files import Descriptors
from bitcode_adapters.sandbox.toolchains import Toolchain

_SYSTEM_PATH = ("/usr/bin", "/bin")
# Top-level folders that merged-/usr systems keep as links into /usr.
_TOP_LEVEL = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
_SYSTEM_FILES = ("/etc/alternatives", "/etc/ld.so.cache")
_DEVICES = ("null", "zero", "full", "random", "urandom")
_DEVICE_LINKS = (
    ("/proc/self/fd", "/dev/fd"),
    ("/proc/self/fd/0", "/dev/stdin"),
    ("/proc/self/fd/1", "/dev/stdout"),
    ("/proc/self/fd/2", "/dev/stderr"),
)
_MIB = 1024 * 1024
_TMP = "/tmp"  # noqa: S108 - the jail's own size-capped tmpfs, not the host's


@dataclass(frozen=True, slots=True)
class Bind:
    host: Path
    inside: str
    writable: bool = False


@dataclass(frozen=True, slots=True)
class Job:
    """One command to run, and the folders it needs."""

    command: tuple[str, ...]
    workdir: Bind
    binds: tuple[Bind, ...] = ()
    # Host folders (glob patterns allowed) a language needs, bound read-only in place.
    language_paths: tuple[str, ...] = ()
    toolchains: tuple[Toolchain, ...] = ()
    tmp_mib: int = 16


@dataclass(frozen=True, slots=True)
class Prepared:
    argv: tuple[str, ...]
    cwd: str
    env: Mapping[str, str]
    pass_fds: tuple[int, ...] = ()
    spawned: Callable[[], None] = lambda: None  # call once the process started
    status_fd: int | None = None  # read end of bubblewrap's JSON status reports
    # Binds the launcher makes, as root, in a mount namespace of its own before
    # anything else: (host folder, empty folder everyone may pass through). See
    # ``toolchains`` for why.
    mounts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Environment:
    """All a sandboxed process finds in its environment."""

    home: str
    tmp: str

    def for_path(self, path: Sequence[str]) -> dict[str, str]:
        return {
            "PATH": ":".join(path),
            "HOME": self.home,
            "TMPDIR": self.tmp,
            "LANG": "C.UTF-8",
        }


class BwrapJail:
    """Runs jobs inside bubblewrap with namespaces of their own."""

    namespaced = True

    def __init__(
        self, bwrap: str, toolchain_root: Path, seccomp_filter: bytes | None
    ) -> None:
        self._toolchain_root = toolchain_root
        self._seccomp = seccomp_filter
        self._environment = Environment(home=_TMP, tmp=_TMP)
        self._prefix = (
            bwrap,
            "--unshare-all",
            "--unshare-user",
            "--disable-userns",
            "--die-with-parent",
            "--new-session",
            "--as-pid-1",
            "--cap-drop",
            "ALL",
            "--hostname",
            "sandbox",
            *_system_view(),
        )

    def path(self, bind: Bind) -> str:
        return bind.inside

    @contextlib.contextmanager
    def prepare(self, job: Job) -> Iterator[Prepared]:
        with Descriptors() as fds:
            status_read, status_write = fds.pipe()
            argv = [*self._prefix, "--json-status-fd", str(status_write)]
            inherited = [status_write]
            if self._seccomp is not None:
                seccomp_read = fds.filled_pipe(self._seccomp)
                argv += ["--seccomp", str(seccomp_read)]
                inherited.append(seccomp_read)
            argv += self._binds(job)
            argv += self._scratch(job)
            path = [*(f"{t.inside}/bin" for t in job.toolchains), *_SYSTEM_PATH]
            argv += ["--chdir", job.workdir.inside, "--clearenv"]
            for name, value in self._environment.for_path(path).items():
                argv += ["--setenv", name, value]
            argv += ["--", *job.command]
            yield Prepared(
                argv=tuple(argv),
                cwd="/",
                env={"PATH": ":".join(_SYSTEM_PATH)},
                pass_fds=tuple(inherited),
                # The launcher's copies must go, or the status pipe never ends.
                spawned=lambda: fds.close(*inherited),
                status_fd=status_read,
                mounts=_toolchain_mounts(job.toolchains, self._toolchain_root),
            )

    def _binds(self, job: Job) -> list[str]:
        argv: list[str] = []
        for toolchain in job.toolchains:
            mountpoint = self._toolchain_root / toolchain.name
            argv += ["--ro-bind", str(mountpoint), toolchain.inside]
        for pattern in job.language_paths:
            for found in _expand(pattern):
                argv += ["--ro-bind", found, found]
        for bind in (job.workdir, *job.binds):
            kind = "--bind" if bind.writable else "--ro-bind"
            argv += [kind, str(bind.host), bind.inside]
        return argv

    def _scratch(self, job: Job) -> list[str]:
        # The device nodes sit in the root tmpfs, made read-only with it below.
        argv = ["--proc", "/proc"]
        for device in _DEVICES:
            argv += ["--dev-bind", f"/dev/{device}", f"/dev/{device}"]
        for target, link in _DEVICE_LINKS:
            argv += ["--symlink", target, link]
        argv += ["--size", str(job.tmp_mib * _MIB), "--tmpfs", _TMP]
        # Unbounded tmpfs would let a program spend host memory outside its limit.
        return [*argv, "--remount-ro", "/"]


class BareJail:
    """Runs jobs on the host itself: same uid, limits and environment rules, but
    no namespaces. Only for trusted code."""

    namespaced = False

    def __init__(self, toolchain_root: Path, scratch: Path) -> None:
        self._toolchain_root = toolchain_root
        self._environment = Environment(home=str(scratch), tmp=str(scratch))

    def path(self, bind: Bind) -> str:
        return str(bind.host)

    @contextlib.contextmanager
    def prepare(self, job: Job) -> Iterator[Prepared]:
        toolchain_bins = [
            str(self._toolchain_root / t.name / "bin") for t in job.toolchains
        ]
        path = [*toolchain_bins, *_SYSTEM_PATH]
        yield Prepared(
            argv=job.command,
            cwd=str(job.workdir.host),
            env=self._environment.for_path(path),
            mounts=_toolchain_mounts(job.toolchains, self._toolchain_root),
        )


Jail = BwrapJail | BareJail


def _system_view() -> list[str]:
    argv = ["--ro-bind", "/usr", "/usr"]
    for name in _TOP_LEVEL:
        host = Path("/") / name
        if host.is_symlink():
            argv += ["--symlink", os.readlink(host), str(host)]
        elif host.is_dir():
            argv += ["--ro-bind", str(host), str(host)]
    for path in _SYSTEM_FILES:
        argv += ["--ro-bind-try", path, path]
    return argv


def _toolchain_mounts(
    toolchains: Sequence[Toolchain], root: Path
) -> tuple[tuple[str, str], ...]:
    return tuple((str(t.home), str(root / t.name)) for t in toolchains)


@functools.lru_cache(maxsize=256)
def _expand(pattern: str) -> tuple[str, ...]:
    return tuple(sorted(glob.glob(pattern)))
