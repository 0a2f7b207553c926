"""Start one sandboxed process tree and watch it until it ends.

Blocking: the judge calls this from worker threads. Nothing runs in the forked
child but exec, so the launch is a ``vfork`` whose cost does not grow with the
judge's own memory. The limits, the uid and the measuring are set up by a chain
of small programs, each exec'ing the next in the same process:

    [unshare + mount: private binds]  ->  prlimit: resource limits (as root)
    ->  setpriv: the slot's uid and gid, no groups, no new privileges
    ->  setpriv: die with the judge  ->  GNU time  ->  bubblewrap  ->  command

(or, unsafe, the same chain without bubblewrap). The second setpriv is needed
because changing uid clears the parent-death signal. The host then

* moves stdout and stderr through pipes, keeping at most the output cap, and
  ends the tree the moment either pipe carries more than that;
* ends the tree when the wall-clock deadline passes;
* reaps its child itself with ``wait4`` for the CPU time of the whole tree (each
  process in the chain reaps the next); asyncio's child watchers never see it.

Why GNU time: a process's peak resident size (``ru_maxrss``) counts the memory
of the process it was forked from, so every direct child of the judge would
report at least the judge's own size. GNU time is small; it forks the rest of
the chain and reports that chain's peak, which is the program's. It writes the
figure after a random marker into a pipe the judge reads. bubblewrap passes
inherited descriptors on, so the program can write into that pipe too, but it
cannot forge a line without the marker. Without GNU time the peak is unknown.

Why ``--as-pid-1``: bubblewrap's own init exits without waiting for the command,
which would lose the command's CPU time. As pid 1 the command is reaped by
bubblewrap itself. Killing it makes the kernel kill and reap everything else in
its namespace first, so even a killed tree's CPU time is counted. Without
namespaces the tree is the process group, and afterwards every process still
running as the slot's uid is killed too.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import re
import secrets
import selectors
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bitcode_adapters.sandbox.files import Descriptors
from bitcode_adapters.sandbox.jail import Prepared
from bitcode_adapters.sandbox.rlimits import ResourceLimits

_CHUNK = 64 * 1024
_STATUS_KEPT = 64 * 1024
_REPORT_KEPT = 4096
_STOP_GRACE_S = 2.0  # how long a killed init may take before the chain is killed
_DRAIN_GRACE_S = 1.0  # how long to read what is left in the pipes after exit
_CHILD_PID = re.compile(rb'"child-pid"\s*:\s*(\d+)')
_SYSTEM_TOOLS = "/usr/bin:/bin:/usr/sbin:/sbin"
# Binds each (source, target) pair given before "--", then runs the rest.
_MOUNT_SCRIPT = (
    'mount=$1; shift; while [ "$1" != -- ]; do '
    '"$mount" --bind "$1" "$2" || exit 125; shift 2; done; shift; exec "$@"'
)


@dataclass(frozen=True, slots=True)
class Tools:
    """The programs the launch chain is made of: util-linux's, and GNU time."""

    prlimit: str
    setpriv: str
    unshare: str
    mount: str
    time: str | None  # without it, memory is not measured

    @classmethod
    def find(cls) -> Tools | None:
        """The tools, or None when util-linux's are missing."""
        names = ("prlimit", "setpriv", "unshare", "mount")
        prlimit, setpriv, unshare, mount = map(_which, names)
        if prlimit and setpriv and unshare and mount:
            return cls(prlimit, setpriv, unshare, mount, _which("time"))
        return None


def _which(name: str) -> str | None:
    return shutil.which(name, path=_SYSTEM_TOOLS)


@dataclass(frozen=True, slots=True)
class Identity:
    uid: int
    gid: int


@dataclass(frozen=True, slots=True)
class Watch:
    deadline_s: float  # wall clock
    output_cap: int  # bytes on either stream that end the process
    stderr_kept: int
    stderr_head: bool = False  # keep the first bytes of stderr, not the last


@dataclass(frozen=True, slots=True)
class Ended:
    wait_status: int
    cpu_s: float
    peak_kib: int | None  # None when it could not be measured
    wall_s: float
    stdout: bytes
    stderr: bytes
    timed_out: bool
    output_exceeded: bool
    started: bool  # the command itself ran; False when the sandbox failed first


def launch(
    prepared: Prepared,
    identity: Identity,
    limits: ResourceLimits,
    stdin: int,
    watch: Watch,
    *,
    tools: Tools,
) -> Ended:
    """Run ``prepared`` to its end."""
    with Descriptors() as fds:
        out_read, out_write = fds.pipe()
        err_read, err_write = fds.pipe()
        inherited = list(prepared.pass_fds)
        marker = secrets.token_hex(16)
        measure: list[str] = []
        report_read = None
        if tools.time is not None:
            report_read, report_write = fds.pipe()
            # GNU time opens it again through /proc, as the slot's uid.
            os.fchown(report_write, identity.uid, identity.gid)
            inherited.append(report_write)
            measure = [
                tools.time,
                "--quiet",
                f"--format={marker} %M",
                f"--output=/dev/fd/{report_write}",
            ]
        argv = [*_set_up(prepared, identity, limits, tools), *measure, *prepared.argv]
        started = time.monotonic()
        try:
            process = subprocess.Popen(
                argv,
                stdin=stdin,
                stdout=out_write,
                stderr=err_write,
                cwd=prepared.cwd,
                env=prepared.env,
                close_fds=True,
                pass_fds=tuple(inherited),
                start_new_session=True,
                umask=0o022,
            )
        finally:
            # Our copies of the write ends must go, or the pipes never end.
            fds.close(out_write, err_write, *inherited[len(prepared.pass_fds) :])
            prepared.spawned()
        supervisor = _Supervisor(process, prepared, watch, fds)
        supervisor.on_leftovers(lambda: _kill_all_processes_of(identity, tools))
        supervisor.listen(out_read, err_read, report_read)
        ended = supervisor.supervise(started)
    return _with_peak(ended, supervisor.report, marker)


def _set_up(
    prepared: Prepared, identity: Identity, limits: ResourceLimits, tools: Tools
) -> list[str]:
    """The chain's links before GNU time, as one argv."""
    argv: list[str] = []
    if prepared.mounts:
        pairs = [path for pair in prepared.mounts for path in pair]
        argv += [tools.unshare, "--mount", "--propagation=private", "--"]
        argv += ["/bin/sh", "-c", _MOUNT_SCRIPT, "mount", tools.mount, *pairs, "--"]
    argv += [tools.prlimit, *limits.prlimit_options(), "--"]
    argv += [
        tools.setpriv,
        f"--reuid={identity.uid}",
        f"--regid={identity.gid}",
        "--clear-groups",
        "--no-new-privs",
        "--",
    ]
    return [*argv, tools.setpriv, "--pdeathsig=KILL", "--"]


def _with_peak(ended: Ended, report: bytes, marker: str) -> Ended:
    """The peak GNU time wrote after ``marker`` (the last such line counts)."""
    _, found, rest = report.rpartition(f"{marker} ".encode())
    figure = rest.split(b"\n", 1)[0]
    if not found or not figure.isdigit():
        return ended
    return dataclasses.replace(ended, peak_kib=int(figure))


class _Sink:
    """Collects one output stream up to what is kept, counting every byte."""

    def __init__(self, kept: int, cap: int, *, head: bool = True) -> None:
        self._data = bytearray()
        self._kept = kept
        self._cap = cap
        self._head = head
        self.total = 0

    def add(self, chunk: bytes) -> bool:
        """Take ``chunk``; False once the stream has gone over its cap."""
        self.total += len(chunk)
        if self._head:
            room = self._kept - len(self._data)
            if room > 0:
                self._data += chunk[:room]
        else:
            self._data += chunk
            del self._data[: -self._kept]
        return self.total <= self._cap

    def value(self) -> bytes:
        return bytes(self._data)


class _Supervisor:
    def __init__(
        self,
        process: subprocess.Popen[bytes],
        prepared: Prepared,
        watch: Watch,
        fds: Descriptors,
    ) -> None:
        self._process = process
        self._kill_leftovers: Callable[[], None] = lambda: None
        self._watch = watch
        self._fds = fds
        self._namespaced = prepared.status_fd is not None
        self._selector = selectors.DefaultSelector()
        self._pidfd = fds.adopt(os.pidfd_open(process.pid))
        self._init_pidfd: int | None = None
        self._status = bytearray()
        self._stdout = _Sink(watch.output_cap, watch.output_cap)
        self._stderr = _Sink(
            watch.stderr_kept, watch.output_cap, head=watch.stderr_head
        )
        self._report = _Sink(_REPORT_KEPT, _REPORT_KEPT, head=False)
        self._streams: set[int] = set()
        self._exited = False
        self._timed_out = False
        self._output_exceeded = False
        self._watch_fd(self._pidfd, self._on_exit)
        if prepared.status_fd is not None:
            self._watch_fd(prepared.status_fd, self._on_status)

    def on_leftovers(self, kill: Callable[[], None]) -> None:
        """How to kill what an unconfined tree left outside its group."""
        self._kill_leftovers = kill

    @property
    def report(self) -> bytes:
        return self._report.value()

    def listen(self, stdout: int, stderr: int, report: int | None) -> None:
        for fd, sink in ((stdout, self._stdout), (stderr, self._stderr)):
            self._streams.add(fd)
            self._watch_fd(fd, functools.partial(self._on_output, sink=sink))
        if report is not None:
            self._watch_fd(report, self._on_report)

    def supervise(self, started: float) -> Ended:
        try:
            self._pump(until=started + self._watch.deadline_s)
            if not self._exited:
                self._timed_out = not self._output_exceeded
                self._stop()
            if not self._namespaced:
                # The group outlives its leader only while unreaped: kill it first.
                _kill_group(self._process.pid)
            _, wait_status, usage = os.wait4(self._process.pid, 0)
            wall_s = time.monotonic() - started
            self._process.returncode = os.waitstatus_to_exitcode(wait_status)
            if not self._namespaced:
                self._kill_leftovers()
            self._drain(until=time.monotonic() + _DRAIN_GRACE_S)
        finally:
            self._selector.close()
        return Ended(
            wait_status=wait_status,
            cpu_s=usage.ru_utime + usage.ru_stime,
            peak_kib=None,
            wall_s=wall_s,
            stdout=self._stdout.value(),
            stderr=self._stderr.value(),
            timed_out=self._timed_out,
            output_exceeded=self._output_exceeded,
            started=not self._namespaced or b'"exit-code"' in self._status,
        )

    def _watch_fd(self, fd: int, handler: Callable[[int], None]) -> None:
        self._selector.register(fd, selectors.EVENT_READ, handler)

    def _pump(self, until: float) -> None:
        """Serve the pipes until the process ends, the time is up, or it wrote
        too much."""
        while not (self._exited or self._output_exceeded) and self._serve(until):
            pass

    def _drain(self, until: float) -> None:
        """Read what the ended tree left in the pipes."""
        while self._selector.get_map() and self._serve(until):
            pass

    def _serve(self, until: float) -> bool:
        timeout = until - time.monotonic()
        if timeout <= 0:
            return False
        for key, _ in self._selector.select(timeout):
            key.data(key.fd)
        return True

    def _on_output(self, fd: int, sink: _Sink) -> None:
        chunk = os.read(fd, _CHUNK)
        if not chunk:
            self._selector.unregister(fd)
        elif not sink.add(chunk) and not self._output_exceeded:
            self._output_exceeded = True
            # Stop reading: the tree is killed and what follows is not kept.
            for stream in self._streams:
                with contextlib.suppress(KeyError):
                    self._selector.unregister(stream)

    def _on_report(self, fd: int) -> None:
        chunk = os.read(fd, _CHUNK)
        if chunk:
            self._report.add(chunk)
        else:
            self._selector.unregister(fd)

    def _on_exit(self, fd: int) -> None:
        self._exited = True
        self._selector.unregister(fd)

    def _on_status(self, fd: int) -> None:
        chunk = os.read(fd, _CHUNK)
        if not chunk:
            self._selector.unregister(fd)
            return
        self._status += chunk[: _STATUS_KEPT - len(self._status)]
        found = _CHILD_PID.search(self._status)
        if found and self._init_pidfd is None:
            init = _open_descendant(int(found[1]), self._process.pid)
            if init is not None:
                self._init_pidfd = self._fds.adopt(init)

    def _stop(self) -> None:
        """Kill the tree and wait (a little) until the launched chain is gone."""
        if self._init_pidfd is not None:
            _signal(self._init_pidfd, signal.SIGKILL)
            if _wait_readable(self._pidfd, _STOP_GRACE_S):
                return
        _signal(self._pidfd, signal.SIGKILL)
        _kill_group(self._process.pid)


def _open_descendant(pid: int, ancestor: int) -> int | None:
    """A pidfd on ``pid`` if it is ``ancestor``'s child or grandchild, else None.

    Opened first and checked after, so the pidfd cannot name a process that took
    the number of one that already ended.
    """
    try:
        fd = os.pidfd_open(pid)
    except OSError:
        return None
    parent = _parent_of(pid)
    if parent is not None and ancestor in (parent, _parent_of(parent)):
        return fd
    os.close(fd)
    return None


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    # The command name in brackets may hold spaces; the fields after it do not.
    return int(stat[stat.rindex(b")") + 1 :].split()[1])


def _signal(pidfd: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        signal.pidfd_send_signal(pidfd, number)


def _wait_readable(fd: int, timeout: float) -> bool:
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        return bool(selector.select(timeout))


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _kill_all_processes_of(identity: Identity, tools: Tools) -> None:
    """Kill whatever an unconfined program left running outside its group, from a
    shell running as the slot's uid (``kill -1`` spares only the caller)."""
    subprocess.run(
        [
            tools.setpriv,
            f"--reuid={identity.uid}",
            f"--regid={identity.gid}",
            "--clear-groups",
            "--",
            "/bin/sh",
            "-c",
            "kill -KILL -1 2>/dev/null; exit 0",
        ],
        env={"PATH": _SYSTEM_TOOLS},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
        timeout=10,
    )
