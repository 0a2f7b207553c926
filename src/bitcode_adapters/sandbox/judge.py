"""``SandboxJudge``: the ``Judge`` port on bubblewrap, for one machine.

Every untrusted process (compiler, program, output validator) runs in a jail of
its own (see ``jail``) under a uid of its own: the judge has one slot per unit of
parallelism, and each slot runs as a uid (and the same gid) that no other slot,
judge or host account uses, with no other groups (see ``slots``), so
RLIMIT_NPROC bounds that slot alone and one slot can never signal another. The
launch sets the resource limits, drops to the slot's uid and execs bubblewrap
(see ``process``). How a run's end becomes an ``ExitStatus``, including when it
counts as out of memory, is written in ``outcome``.

Files: each program gets a folder with an unguessable name under the judge's
root (mode 0711). A compiler gets it writable as its slot's uid; once it is done
the folder goes back to root and every run sees it read-only at ``/work``, so a
program cannot alter its binary. Inputs reach programs as sealed in-memory files
on stdin. The host never reads a file back from a folder a sandbox could write
and removes folders without following links.

The blocking work runs in a thread pool as wide as the slots, so ``compile``,
``run`` and ``run_validator`` never block the event loop. A cancelled call does
not stop its process early: the process still ends by its wall-clock deadline.

With ``unsafe=True`` and no working bubblewrap, programs run on the bare host
with the same uids, limits and clean environment but no namespaces: only for
trusted code, such as checking a question's own solutions on a laptop.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from bitcode_adapters.sandbox.files import (
    new_directory,
    remove_tree,
    rmtree_is_safe,
    seal_directory,
    sealed_input,
    write_new_file,
)
from bitcode_adapters.sandbox.jail import BareJail, Bind, BwrapJail, Jail, Job
from bitcode_adapters.sandbox.outcome import execution_of
from bitcode_adapters.sandbox.process import Ended, Identity, Tools, Watch, launch
from bitcode_adapters.sandbox.rlimits import ResourceLimits
from bitcode_adapters.sandbox.seccomp import deny_filter
from bitcode_adapters.sandbox.slots import UidClaims
from bitcode_adapters.sandbox.toolchains import Toolchain, find_rust
from bitcode_core.errors import JudgeFailure, LanguageUnavailable, SandboxUnavailable
from bitcode_core.languages import Language
from bitcode_core.ports import Compilation, Execution, ExitStatus, Program
from bitcode_core.questions import Limits

logger = logging.getLogger(__name__)

T = TypeVar("T")

COMPILE_LIMITS = Limits(time_s=30.0, memory_mib=1024, output_mib=1)
UID_BASE = 61000
_WORKDIR = "/work"
_STDERR_KEPT = 64 * 1024
_COMPILE_LOG_CHARS = 16 * 1024
_COMPILE_TMP_MIB = 256
_RUN_TMP_MIB = 16
_PROBE_LIMITS = ResourceLimits(
    cpu_s=5,
    address_space_mib=1024,
    processes=16,
    file_size_mib=1,
    open_files=64,
)
_PROBE_WATCH = Watch(deadline_s=15.0, output_cap=64 * 1024, stderr_kept=4096)
# Looks every command up on the sandbox's own PATH, in the sandbox's own view.
_PROBE_SCRIPT = 'for c do command -v "$c" >/dev/null || exit 1; done'


@dataclass(frozen=True, slots=True, eq=False)
class SandboxProgram:
    """A compiled (or, for interpreted languages, stored) program."""

    language: Language
    directory: Path


class SandboxJudge:
    """Compiles and runs untrusted programs in bubblewrap sandboxes.

    ``languages`` are probed up front so that ``available`` answers at once;
    other languages are probed on first use.
    """

    def __init__(
        self,
        languages: Iterable[Language] = (),
        *,
        unsafe: bool = False,
        parallelism: int | None = None,
        root: Path | None = None,
        uid_base: int = UID_BASE,
        compile_limits: Limits = COMPILE_LIMITS,
        toolchains: Sequence[Toolchain] | None = None,
        bwrap: str | None = None,
    ) -> None:
        self._tools = _require_host()
        self._parallelism = parallelism or os.cpu_count() or 1
        self._compile_limits = compile_limits
        # One uid per slot plus one for probing toolchains, none shared.
        self._claims = UidClaims(uid_base, self._parallelism + 1)
        *slot_uids, probe_uid = self._claims.uids
        self._root = Path(tempfile.mkdtemp(prefix="bitcode-judge-", dir=root))
        workers: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
        self._executor = ThreadPoolExecutor(
            max_workers=self._parallelism,
            thread_name_prefix="sandbox",
            initializer=lambda: workers.add(threading.current_thread()),
        )
        self._finalizer = weakref.finalize(
            self, _shut_down, self._executor, workers, self._root, self._claims
        )
        # Slot uids pass through (but cannot list) to reach their own folders.
        os.chmod(self._root, 0o711)  # noqa: S103
        if toolchains is None:
            toolchains = [t for t in [find_rust()] if t is not None]
        self._toolchains = self._mount_points(toolchains)
        self._executables = {t.name: t.executables() for t in self._toolchains}
        self._slots: queue.SimpleQueue[Identity] = queue.SimpleQueue()
        for uid in slot_uids:
            self._slots.put(Identity(uid, uid))
        self._probe_identity = Identity(probe_uid, probe_uid)
        self._probe_folder = new_directory(self._root, "probe", owner=None)
        self._probe_lock = threading.Lock()
        self._availability: dict[Language, bool] = {}
        self._programs: set[Path] = set()
        self._programs_lock = threading.Lock()
        self._jail: Jail = self._open_jail(bwrap, unsafe=unsafe)
        self._wrapped = self._jail.namespaced or self._tools.time is not None
        for language in languages:
            self.available(language)

    @property
    def uids(self) -> tuple[int, ...]:
        """The uids this judge runs programs under (its slots', then its probe's)."""
        return tuple(self._claims.uids)

    @property
    def sandboxed(self) -> bool:
        """False when running unsafe, without namespaces."""
        return self._jail.namespaced

    def close(self) -> None:
        """Stop the workers and remove every program folder."""
        self._finalizer()

    def __enter__(self) -> SandboxJudge:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def available(self, language: Language) -> bool:
        with self._probe_lock:
            known = self._availability.get(language)
            if known is None:
                known = self._availability[language] = self._probe(language)
        return known

    async def compile(self, language: Language, source: bytes) -> Compilation:
        work = functools.partial(self._compile, language=language, source=source)
        return await self._in_slot(work)

    async def run(self, program: Program, stdin: bytes, limits: Limits) -> Execution:
        live = self._live(program)
        return await self._in_slot(
            functools.partial(self._run, program=live, stdin=stdin, limits=limits)
        )

    async def run_many(
        self, program: Program, stdins: Sequence[bytes], limits: Limits
    ) -> list[Execution]:
        # As many at once as there are slots; the rest wait for a free one.
        return list(
            await asyncio.gather(*(self.run(program, s, limits) for s in stdins))
        )

    async def run_validator(
        self,
        validator: Program,
        test_input: bytes,
        answer: bytes,
        output: bytes,
        limits: Limits,
    ) -> Execution:
        live = self._live(validator)
        work = functools.partial(
            self._validate,
            validator=live,
            test_input=test_input,
            answer=answer,
            output=output,
            limits=limits,
        )
        return await self._in_slot(work)

    async def release(self, program: Program) -> None:
        if not isinstance(program, SandboxProgram):
            return
        with self._programs_lock:
            if program.directory not in self._programs:
                return
            self._programs.remove(program.directory)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, remove_tree, program.directory)

    # Set-up.

    def _mount_points(self, toolchains: Sequence[Toolchain]) -> tuple[Toolchain, ...]:
        folder = self._root / "toolchains"
        folder.mkdir(mode=0o755)
        for toolchain in toolchains:
            (folder / toolchain.name).mkdir(mode=0o755)
        return tuple(toolchains)

    def _open_jail(self, bwrap: str | None, *, unsafe: bool) -> Jail:
        found = bwrap or shutil.which("bwrap")
        problem: str | None = (
            "bubblewrap (bwrap) is not installed: install the bubblewrap package"
        )
        if found is not None:
            jail = BwrapJail(found, self._root / "toolchains", deny_filter())
            problem = self._self_test(jail)
            if problem is None:
                return jail
        if not unsafe:
            raise SandboxUnavailable(
                f"{problem}. Without it untrusted code cannot run safely; pass "
                "unsafe=True only to run trusted code without a sandbox."
            )
        logger.warning("sandbox.unsafe", extra={"reason": problem})
        scratch = self._root / "tmp"
        scratch.mkdir()
        os.chmod(scratch, 0o1777)  # noqa: S103 - the bare runs' shared /tmp, sticky
        return BareJail(self._root / "toolchains", scratch)

    def _self_test(self, jail: BwrapJail) -> str | None:
        """Start a program from a work folder, as every compiled run does (this
        also catches a judge root on a file system mounted noexec)."""
        shutil.copy(
            shutil.which("true", path="/usr/bin:/bin") or "/bin/true",
            self._probe_folder / "true",
        )
        job = Job(("./true",), Bind(self._probe_folder, _WORKDIR))
        try:
            ended = self._launch(jail, job, self._probe_identity)
        except JudgeFailure as error:
            return f"bubblewrap could not start: {error}"
        if ended.started and ended.wait_status == 0:
            return None
        said = ended.stderr.decode("utf-8", "replace").strip()
        return f"bubblewrap cannot make a sandbox here ({said or 'no reason given'})"

    # Work done in a slot, on a worker thread.

    async def _in_slot(self, work: Callable[[Identity], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._with_slot, work)

    def _with_slot(self, work: Callable[[Identity], T]) -> T:
        # As many workers as slots: a worker always finds one free.
        identity = self._slots.get()
        try:
            return work(identity)
        finally:
            self._slots.put(identity)

    def _compile(
        self, identity: Identity, language: Language, source: bytes
    ) -> Compilation:
        self._require(language)
        owner = (identity.uid, identity.gid) if language.compiled else None
        folder = new_directory(self._root, "program", owner=owner)
        try:
            write_new_file(folder, language.source_file, source)
            execution = self._build(language, folder, identity)
        except BaseException:
            remove_tree(folder)
            raise
        if execution is None or execution.status is ExitStatus.OK:
            with self._programs_lock:
                self._programs.add(folder)
            log = _compile_log(execution, self._compile_limits) if execution else ""
            return Compilation(SandboxProgram(language, folder), log=log)
        remove_tree(folder)
        return Compilation(
            None,
            log=_compile_log(execution, self._compile_limits),
            internal_error=execution.status is ExitStatus.INTERNAL,
        )

    def _build(
        self, language: Language, folder: Path, identity: Identity
    ) -> Execution | None:
        if not language.compiled:
            return None
        command = tuple(language.compile_argv())
        job = Job(
            command,
            Bind(folder, _WORKDIR, writable=True),
            language_paths=language.sandbox_paths,
            toolchains=self._toolchains_for(command[0]),
            tmp_mib=_COMPILE_TMP_MIB,
        )
        limits = self._compile_limits
        rlimits = ResourceLimits.for_compile(limits, language.address_space_extra_mib)
        watch = Watch(
            deadline_s=_deadline(limits),
            output_cap=limits.output_bytes,
            stderr_kept=_STDERR_KEPT,
            stderr_head=True,
        )
        try:
            execution = self._execute(job, identity, limits, rlimits, watch)
        finally:
            seal_directory(folder)
        _log("sandbox.compile", language, execution, logging.INFO)
        return execution

    def _run(
        self,
        identity: Identity,
        program: SandboxProgram,
        stdin: bytes,
        limits: Limits,
        *,
        arguments: tuple[str, ...] = (),
        binds: tuple[Bind, ...] = (),
    ) -> Execution:
        language = program.language
        self._require(language)
        command = (*language.run_argv(limits.memory_mib), *arguments)
        job = Job(
            command,
            Bind(program.directory, _WORKDIR),
            binds=binds,
            language_paths=language.sandbox_paths,
            toolchains=self._toolchains_for(command[0]),
            tmp_mib=_RUN_TMP_MIB,
        )
        rlimits = ResourceLimits.for_run(limits, language.address_space_extra_mib)
        watch = Watch(
            deadline_s=_deadline(limits),
            output_cap=limits.output_bytes,
            stderr_kept=_STDERR_KEPT,
        )
        execution = self._execute(job, identity, limits, rlimits, watch, stdin=stdin)
        _log("sandbox.run", language, execution, logging.DEBUG)
        return execution

    def _validate(
        self,
        identity: Identity,
        validator: SandboxProgram,
        *,
        test_input: bytes,
        answer: bytes,
        output: bytes,
        limits: Limits,
    ) -> Execution:
        data = new_directory(self._root, "judge-data", owner=None)
        feedback = new_directory(
            self._root, "feedback", owner=(identity.uid, identity.gid)
        )
        try:
            write_new_file(data, "input", test_input)
            write_new_file(data, "answer", answer)
            data_bind = Bind(data, "/judge")
            feedback_bind = Bind(feedback, "/feedback", writable=True)
            arguments = (
                f"{self._jail.path(data_bind)}/input",
                f"{self._jail.path(data_bind)}/answer",
                self._jail.path(feedback_bind),
            )
            binds = (data_bind, feedback_bind)
            return self._run(
                identity, validator, output, limits, arguments=arguments, binds=binds
            )
        finally:
            remove_tree(data)
            remove_tree(feedback)

    def _execute(
        self,
        job: Job,
        identity: Identity,
        limits: Limits,
        rlimits: ResourceLimits,
        watch: Watch,
        *,
        stdin: bytes = b"",
    ) -> Execution:
        """Run a compiler or a program once. A launch can fail for the host's
        moment (no memory, no process slot) or for what a program left behind,
        so it is tried again once; failing twice is the sandbox's failure, an
        ``INTERNAL`` execution, never an error for the caller."""
        launch = functools.partial(
            self._launch,
            self._jail,
            job,
            identity,
            stdin=stdin,
            rlimits=rlimits,
            watch=watch,
        )
        try:
            ended = launch()
        except JudgeFailure:
            try:
                ended = launch()
            except JudgeFailure:  # logged by the launch, not shown to the user
                return Execution(ExitStatus.INTERNAL)
        return execution_of(ended, limits, signals_as_exit_codes=self._wrapped)

    def _launch(
        self,
        jail: Jail,
        job: Job,
        identity: Identity,
        *,
        stdin: bytes = b"",
        rlimits: ResourceLimits = _PROBE_LIMITS,
        watch: Watch = _PROBE_WATCH,
    ) -> Ended:
        try:
            stdin_fd = sealed_input(stdin)
            try:
                with jail.prepare(job) as prepared:
                    return launch(
                        prepared, identity, rlimits, stdin_fd, watch, tools=self._tools
                    )
            finally:
                os.close(stdin_fd)
        except (OSError, ValueError, subprocess.SubprocessError) as error:
            logger.exception("sandbox.launch_failed", extra={"command": job.command})
            raise JudgeFailure(
                f"the sandbox could not start a process: {error}"
            ) from error

    # Languages and programs.

    def _probe(self, language: Language) -> bool:
        names = _commands(language)
        job = Job(
            ("/bin/sh", "-c", _PROBE_SCRIPT, "probe", *names),
            Bind(self._probe_folder, _WORKDIR),
            language_paths=language.sandbox_paths,
            toolchains=tuple(t for n in names for t in self._toolchains_for(n)),
        )
        ended = self._launch(self._jail, job, self._probe_identity)
        found = ended.started and ended.wait_status == 0
        logger.info(
            "sandbox.language_probed",
            extra={"language": language.key, "commands": names, "available": found},
        )
        return found

    def _require(self, language: Language) -> None:
        if not self.available(language):
            raise LanguageUnavailable(
                f"{language.name} cannot run here: the sandbox has no "
                f"{' or '.join(_commands(language))}"
            )

    def _toolchains_for(self, command: str) -> tuple[Toolchain, ...]:
        return tuple(
            t for t in self._toolchains if command in self._executables[t.name]
        )

    def _live(self, program: Program) -> SandboxProgram:
        if not isinstance(program, SandboxProgram):
            raise JudgeFailure("this program was not compiled by the sandbox judge")
        with self._programs_lock:
            if program.directory not in self._programs:
                raise JudgeFailure("this program has been released")
        return program


def _require_host() -> Tools:
    if os.geteuid() != 0:
        raise SandboxUnavailable(
            "the sandbox judge must start as root: it runs every program under an "
            "unprivileged uid of its own"
        )
    if not rmtree_is_safe():
        raise SandboxUnavailable(
            "this platform cannot remove folders without following links"
        )
    tools = Tools.find()
    if tools is None:
        raise SandboxUnavailable(
            "util-linux's prlimit, setpriv, unshare and mount are needed to start "
            "sandboxed processes: install util-linux"
        )
    if tools.time is None:
        logger.warning(
            "sandbox.memory_unmeasured",
            extra={"reason": "GNU time is not installed (Debian package time)"},
        )
    return tools


def _commands(language: Language) -> tuple[str, ...]:
    """The executables a language needs; ``./main`` is the program itself."""
    commands = [language.compile_argv(), language.run_argv(0)]
    return tuple(
        argv[0]
        for argv in commands
        if argv and ("/" not in argv[0] or argv[0].startswith("/"))
    )


def _deadline(limits: Limits) -> float:
    return 2 * limits.time_s + 1


def _compile_log(execution: Execution, limits: Limits) -> str:
    said = (execution.stdout + execution.stderr).decode("utf-8", "replace")
    if len(said) > _COMPILE_LOG_CHARS:
        said = said[:_COMPILE_LOG_CHARS] + "\n[compiler output truncated]"
    headline = {
        ExitStatus.TIME_LIMIT: f"compilation took longer than {limits.time_s:g} s",
        ExitStatus.MEMORY_LIMIT: (
            f"the compiler needed more than {limits.memory_mib} MiB of memory"
        ),
        ExitStatus.OUTPUT_LIMIT: (
            f"the compiler wrote more than {limits.output_mib} MiB of messages"
        ),
        ExitStatus.INTERNAL: "the sandbox could not start the compiler",
    }.get(execution.status)
    if headline is None and not said.strip() and execution.status is not ExitStatus.OK:
        headline = f"the compiler failed ({_describe(execution)})"
    return f"{headline}\n{said}".strip() if headline else said


def _describe(execution: Execution) -> str:
    if execution.signal is not None:
        return f"killed by signal {execution.signal}"
    return f"exit code {execution.exit_code}"


def _log(event: str, language: Language, execution: Execution, level: int) -> None:
    fields: dict[str, object] = {
        "language": language.key,
        "status": execution.status.value,
        "exit_code": execution.exit_code,
        "signal": execution.signal,
        "cpu_s": execution.cpu_time_s,
        "wall_s": execution.wall_time_s,
        "memory_kib": execution.memory_kib,
    }
    if execution.status is ExitStatus.INTERNAL:
        level = logging.ERROR
        fields["sandbox_said"] = execution.stderr[-500:].decode("utf-8", "replace")
    logger.log(level, event, extra=fields)


def _shut_down(
    executor: ThreadPoolExecutor,
    workers: weakref.WeakSet[threading.Thread],
    root: Path,
    claims: UidClaims,
) -> None:
    # The garbage collector runs on whichever thread allocates, so the judge can
    # be finalized on one of its own workers, which cannot wait for itself. Any
    # other worker is idle then: a task in flight would keep the judge alive.
    on_worker = threading.current_thread() in workers
    try:
        executor.shutdown(wait=not on_worker, cancel_futures=True)
    finally:
        remove_tree(root)
        claims.close()
