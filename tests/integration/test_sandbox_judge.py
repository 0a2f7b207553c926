"""The bubblewrap judge against real toolchains and hostile programs.

Every hostile program here attacks only what the test itself set up: files it
wrote, a listener on loopback, the judge's own folders.
"""

from __future__ import annotations

import ast
import asyncio
import errno
import gc
import logging
import secrets
import socket
import textwrap
import time
from collections.abc import Collection, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bitcode_adapters.language_table import load_language_table
from bitcode_adapters.sandbox import SandboxJudge, SandboxProgram
from bitcode_adapters.sandbox import judge as judge_module
from bitcode_core.errors import JudgeFailure, LanguageUnavailable, SandboxUnavailable
from bitcode_core.languages import Language
from bitcode_core.ports import Execution, ExitStatus, Program
from bitcode_core.questions import Limits

T = TypeVar("T")

LANGUAGES = load_language_table()
# Away from the default range, which a judge running on this host may use.
TEST_UID_BASE = 63000
UNSAFE_UID_BASE = 64000
PARALLELISM = 4
QUICK = Limits(time_s=0.5, memory_mib=64, output_mib=1)
ROOMY = Limits(time_s=2.0, memory_mib=256, output_mib=8)

# A "language" whose build step is a shell script: it lets a test act as a
# hostile compiler that plants whatever it likes in its work folder.
SCRIPTED_BUILD = Language(
    key="scripted",
    name="Scripted build",
    extensions=("build",),
    source_file="build.sh",
    compile=("sh", "{source}"),
    run=("sh", "{source}"),
)

pytestmark = pytest.mark.slow


def sync(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


@pytest.fixture(scope="module")
def judge() -> Iterator[SandboxJudge]:
    try:
        made = SandboxJudge(LANGUAGES, parallelism=PARALLELISM, uid_base=TEST_UID_BASE)
    except SandboxUnavailable as error:
        pytest.fail(f"the sandbox must work on this machine: {error}")
    with made:
        yield made


@pytest.fixture(scope="module")
def strict_judge() -> Iterator[SandboxJudge]:
    """Compiles under tight limits, so compile bombs end quickly."""
    compile_limits = Limits(time_s=2.0, memory_mib=512, output_mib=1)
    with SandboxJudge(
        parallelism=1, uid_base=TEST_UID_BASE, compile_limits=compile_limits
    ) as made:
        yield made


def compile_ok(judge: SandboxJudge, language: str | Language, source: str) -> Program:
    chosen = LANGUAGES.get(language) if isinstance(language, str) else language
    compilation = sync(judge.compile(chosen, textwrap.dedent(source).encode()))
    assert compilation.program is not None, compilation.log
    return compilation.program


def run(
    judge: SandboxJudge,
    language: str,
    source: str,
    stdin: bytes = b"",
    limits: Limits = ROOMY,
) -> Execution:
    program = compile_ok(judge, language, source)
    try:
        return sync(judge.run(program, stdin, limits))
    finally:
        sync(judge.release(program))


def python(judge: SandboxJudge, source: str, limits: Limits = ROOMY) -> Execution:
    return run(judge, "python3", source, limits=limits)


def printed(execution: Execution) -> str:
    return execution.stdout.decode()


def processes_of(uids: Collection[int]) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in uids:
                    found.append(int(entry.name))
            except FileNotFoundError:
                continue
    return found


def no_process_left(uids: Collection[int], within_s: float = 2.0) -> bool:
    """Killed orphans of an unconfined run are reaped by the host's init, a
    moment later."""
    deadline = time.monotonic() + within_s
    while processes_of(uids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


FORK_BOMB = """
    #include <unistd.h>
    int main(void) { for (;;) fork(); }
"""

HELLO_AND_SUM = {
    "python3": """
        import sys
        print("hello")
        print(sum(int(x) for x in sys.stdin.read().split()))
    """,
    "c": """
        #include <stdio.h>
        int main(void) {
            long long total = 0, x;
            puts("hello");
            while (scanf("%lld", &x) == 1) total += x;
            printf("%lld\\n", total);
            return 0;
        }
    """,
    "cpp": """
        #include <iostream>
        int main() {
            long long total = 0, x;
            std::cout << "hello\\n";
            while (std::cin >> x) total += x;
            std::cout << total << "\\n";
        }
    """,
    "java": """
        import java.util.Scanner;
        public class Main {
            public static void main(String[] args) {
                Scanner in = new Scanner(System.in);
                long total = 0;
                while (in.hasNextLong()) total += in.nextLong();
                System.out.println("hello");
                System.out.println(total);
            }
        }
    """,
    "javascript": """
        const text = require("fs").readFileSync(0, "utf8");
        const total = text.split(/\\s+/).filter(Boolean).map(Number)
            .reduce((a, b) => a + b, 0);
        console.log("hello");
        console.log(total);
    """,
    "rust": """
        use std::io::Read;
        fn main() {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).unwrap();
            let total: i64 = text
                .split_whitespace()
                .map(|x| x.parse::<i64>().unwrap())
                .sum();
            println!("hello");
            println!("{}", total);
        }
    """,
}


class TestEveryLanguage:
    @pytest.mark.parametrize("key", sorted(HELLO_AND_SUM))
    def test_it_compiles_greets_and_sums_its_input(
        self, judge: SandboxJudge, key: str
    ) -> None:
        language = LANGUAGES.get(key)
        if not judge.available(language):
            pytest.skip(f"{language.name}: its toolchain is not installed here")

        execution = run(judge, key, HELLO_AND_SUM[key], stdin=b"1 2 3\n-10 40\n")

        assert execution.status is ExitStatus.OK, execution.stderr
        assert printed(execution).split() == ["hello", "36"]
        assert execution.memory_kib > 0

    def test_python_is_the_systems_not_the_hosts_interpreter(
        self, judge: SandboxJudge
    ) -> None:
        execution = python(judge, "import sys; print(sys.executable)")

        assert printed(execution).strip() == "/usr/bin/python3"


@pytest.mark.no_skip
class TestTimeLimits:
    def test_a_busy_loop_ends_in_time_limit(self, judge: SandboxJudge) -> None:
        execution = python(judge, "while True: pass", QUICK)

        assert execution.status is ExitStatus.TIME_LIMIT
        assert execution.cpu_time_s > QUICK.time_s

    def test_a_program_sleeping_forever_is_killed_at_the_wall_deadline(
        self, judge: SandboxJudge
    ) -> None:
        started = time.monotonic()

        execution = python(judge, "import time; time.sleep(10**6)", QUICK)

        assert execution.status is ExitStatus.TIME_LIMIT
        assert 2 * QUICK.time_s + 1 <= execution.wall_time_s < 4
        assert time.monotonic() - started < 5

    def test_a_fork_bomb_is_contained_and_leaves_no_process_behind(
        self, judge: SandboxJudge
    ) -> None:
        execution = run(judge, "c", FORK_BOMB, limits=QUICK)

        assert execution.status is ExitStatus.TIME_LIMIT
        assert processes_of(judge.uids) == []

    @pytest.mark.parametrize(
        "attempt", [pytest.param(i, id=f"try-{i}") for i in range(5)]
    )
    def test_a_fork_bomb_beside_a_normal_program_leaves_its_verdict_alone(
        self, judge: SandboxJudge, attempt: int
    ) -> None:
        bomb = compile_ok(judge, "c", FORK_BOMB)
        summer = compile_ok(judge, "python3", HELLO_AND_SUM["python3"])

        async def side_by_side() -> list[Execution]:
            runs = [judge.run(bomb, b"", QUICK) for _ in range(PARALLELISM - 1)]
            runs += [judge.run(summer, b"1 2 3\n", ROOMY) for _ in range(4)]
            return await asyncio.gather(*runs)

        executions = sync(side_by_side())
        sync(judge.release(bomb))
        sync(judge.release(summer))

        bombs, sums = executions[: PARALLELISM - 1], executions[PARALLELISM - 1 :]
        assert all(e.status is ExitStatus.TIME_LIMIT for e in bombs)
        assert all(e.status is ExitStatus.OK for e in sums)
        assert all(printed(e) == "hello\n6\n" for e in sums)


@pytest.mark.no_skip
class TestMemoryLimits:
    def test_a_python_memory_bomb_ends_in_memory_limit(
        self, judge: SandboxJudge
    ) -> None:
        source = "chunks = []\nwhile True: chunks.append(bytearray(1 << 20))"

        execution = python(judge, source, QUICK)

        assert execution.status is ExitStatus.MEMORY_LIMIT

    def test_a_cpp_program_that_cannot_allocate_ends_in_memory_limit(
        self, judge: SandboxJudge
    ) -> None:
        source = """
            #include <vector>
            int main() {
                std::vector<std::vector<char>> chunks;
                for (;;) chunks.emplace_back(1 << 20, 'x');
            }
        """

        execution = run(judge, "cpp", source, limits=QUICK)

        assert execution.status is ExitStatus.MEMORY_LIMIT
        assert b"bad_alloc" in execution.stderr

    def test_a_c_program_that_crashes_when_memory_runs_out_ends_in_memory_limit(
        self, judge: SandboxJudge
    ) -> None:
        source = """
            #include <stdlib.h>
            #include <string.h>
            int main(void) {
                for (;;) {
                    char *chunk = malloc(1 << 20);
                    memset(chunk, 1, 1 << 20);  /* crashes once malloc fails */
                }
            }
        """

        execution = run(judge, "c", source, limits=QUICK)

        assert execution.status is ExitStatus.MEMORY_LIMIT
        assert execution.memory_kib >= 0.9 * QUICK.memory_mib * 1024


@pytest.mark.no_skip
class TestOutputLimits:
    @pytest.mark.parametrize(
        "stream",
        [pytest.param("stdout", id="stdout"), pytest.param("stderr", id="stderr")],
    )
    def test_endless_output_ends_in_output_limit_at_once(
        self, judge: SandboxJudge, stream: str
    ) -> None:
        source = f"import sys\nwhile True: sys.{stream}.write('x' * 65536)"

        execution = python(judge, source, QUICK)

        assert execution.status is ExitStatus.OUTPUT_LIMIT
        assert execution.wall_time_s < 2 * QUICK.time_s + 1
        assert len(execution.stdout) <= QUICK.output_bytes


@pytest.mark.no_skip
class TestIsolation:
    def test_a_connection_to_a_listener_of_the_host_fails_and_reaches_nothing(
        self, judge: SandboxJudge
    ) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen()
            listener.setblocking(False)
            port = listener.getsockname()[1]
            source = f"""
                import socket
                try:
                    socket.create_connection(("127.0.0.1", {port}), timeout=1)
                    print("connected")
                except OSError as error:
                    print("failed", type(error).__name__)
            """

            execution = python(judge, textwrap.dedent(source))

            with pytest.raises(BlockingIOError):
                listener.accept()
        assert printed(execution).startswith("failed")

    def test_files_outside_its_own_tmp_cannot_be_written(
        self, judge: SandboxJudge, tmp_path: Path
    ) -> None:
        victim = tmp_path / "victim.txt"
        victim.write_text("untouched")
        targets = ["/work/x", "/x", "/usr/x", "/etc/x", "/dev/x", str(victim), "/tmp/x"]
        source = f"""
            import errno
            for target in {targets!r}:
                try:
                    with open(target, "w") as file:
                        file.write("overwritten")
                    print(target, "written")
                except OSError as error:
                    print(target, errno.errorcode[error.errno])
        """

        execution = python(judge, textwrap.dedent(source))

        results = dict(line.split() for line in printed(execution).splitlines())
        assert results.pop("/tmp/x") == "written"
        assert set(results.values()) <= {"EROFS", "ENOENT"}
        assert results[str(victim)] == "ENOENT"
        assert victim.read_text() == "untouched"

    def test_a_secret_planted_on_the_host_cannot_be_read(
        self, judge: SandboxJudge
    ) -> None:
        token = secrets.token_hex(8)
        planted = [Path(f"/tmp/bitcode-secret-{token}"), Path(f"/root/secret-{token}")]
        for path in planted:
            path.write_text(f"secret {token}")
            path.chmod(0o644)
        source = f"""
            for path in {[str(p) for p in planted]!r} + ["/etc/shadow"]:
                try:
                    print(open(path).read())
                except OSError as error:
                    print(path, type(error).__name__)
        """
        try:
            execution = python(judge, textwrap.dedent(source))
        finally:
            for path in planted:
                path.unlink()

        assert token not in printed(execution).replace(f"-{token}", "")
        assert printed(execution).count("FileNotFoundError") == 3

    def test_the_hosts_environment_is_not_visible(
        self, judge: SandboxJudge, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        token = secrets.token_hex(8)
        monkeypatch.setenv("BITCODE_TEST_SECRET", token)
        source = """
            import os
            print(sorted(os.environ.items()))
            print(open("/proc/self/environ", "rb").read())
            print(open("/proc/1/environ", "rb").read())
        """

        execution = python(judge, source)

        assert token not in printed(execution)
        assert "('PATH', '/usr/bin:/bin')" in printed(execution)

    def test_it_runs_unprivileged_and_cannot_become_root(
        self, judge: SandboxJudge
    ) -> None:
        source = """
            import ctypes, errno, os
            print(os.getuid(), os.geteuid(), os.getgid(), os.getgroups())
            try:
                os.setuid(0)
                print("became root")
            except OSError as error:  # root is not even mapped in its namespace
                print("setuid refused", errno.errorcode[error.errno])
            libc = ctypes.CDLL(None, use_errno=True)
            print("unshare", libc.unshare(0x10000000), ctypes.get_errno())
            status = open("/proc/self/status").read()
            print([line for line in status.splitlines() if line.startswith("Cap")])
            print("NoNewPrivs:\\t1" in status)
        """

        lines = printed(python(judge, source)).splitlines()

        uid, euid, gid, groups = lines[0].split(maxsplit=3)
        assert int(uid) == int(euid) == int(gid) in judge.uids
        assert groups in ("[]", f"[{gid}]")
        assert lines[1] in ("setuid refused EPERM", "setuid refused EINVAL")
        assert lines[2].startswith("unshare -1")
        assert all(
            cap.endswith("0000000000000000") for cap in ast.literal_eval(lines[3])
        )
        assert lines[4] == "True"

    def test_the_kernel_interfaces_it_never_needs_are_refused(
        self, judge: SandboxJudge
    ) -> None:
        source = """
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            for name, number, args in [("ptrace", 101, (0, 0, 0, 0)),
                                       ("io_uring_setup", 425, (1, 0)),
                                       ("bpf", 321, (0, 0, 0)),
                                       ("userfaultfd", 323, (0,))]:
                result = libc.syscall(number, *args)
                print(name, result, ctypes.get_errno())
        """

        lines = printed(python(judge, source)).splitlines()

        assert lines == [
            f"{name} -1 {errno.EPERM}"
            for name in ("ptrace", "io_uring_setup", "bpf", "userfaultfd")
        ]

    def test_only_pipes_and_its_input_reach_it_as_descriptors(
        self, judge: SandboxJudge
    ) -> None:
        source = """
            import os
            for fd in sorted(os.listdir("/proc/self/fd"), key=int):
                try:
                    print(fd, os.readlink(f"/proc/self/fd/{fd}"))
                except OSError:
                    pass
        """

        lines = printed(python(judge, source)).splitlines()

        targets = dict(line.split(maxsplit=1) for line in lines)
        assert targets["0"].startswith("/memfd:stdin")
        others = {fd: target for fd, target in targets.items() if fd != "0"}
        # Apart from its own listing of /proc/self/fd, only pipes: stdout, stderr
        # and the judge's memory report (which it cannot forge).
        assert all(
            t.startswith("pipe:") or t.startswith("/proc/") for t in others.values()
        ), targets

    def test_a_program_cannot_alter_its_own_binary(self, judge: SandboxJudge) -> None:
        source = """
            #include <errno.h>
            #include <fcntl.h>
            #include <stdio.h>
            #include <unistd.h>
            int main(void) {
                int fd = open("./main", O_WRONLY);
                printf("open %d %d\\n", fd, fd < 0 ? errno : 0);
                printf("unlink %d %d\\n", unlink("./main"), errno);
                return 0;
            }
        """
        program = compile_ok(judge, "c", source)

        first = sync(judge.run(program, b"", ROOMY))
        second = sync(judge.run(program, b"", ROOMY))
        sync(judge.release(program))

        refusals = {str(errno.EROFS), str(errno.EACCES), str(errno.ETXTBSY)}
        (_, opened, open_errno), (_, unlinked, unlink_errno) = (
            line.split() for line in printed(first).splitlines()
        )
        assert (opened, unlinked) == ("-1", "-1")
        assert {open_errno, unlink_errno} <= refusals
        assert second.status is ExitStatus.OK


@pytest.mark.no_skip
class TestHostFiles:
    def plant_links(self, victim: Path, fails: bool) -> str:
        return f"""
            ln -s {victim}/secret main
            ln -s {victim} folder-link
            ln -s / root-link
            mkdir locked && ln -s {victim}/secret locked/link && chmod 000 locked
            exit {1 if fails else 0}
        """

    @pytest.mark.parametrize(
        "fails",
        [pytest.param(False, id="kept-program"), pytest.param(True, id="failed-build")],
    )
    def test_links_planted_in_a_work_folder_are_never_followed_on_removal(
        self, judge: SandboxJudge, tmp_path: Path, fails: bool
    ) -> None:
        victim = tmp_path / "victim"
        victim.mkdir()
        (victim / "secret").write_text("still here")
        source = textwrap.dedent(self.plant_links(victim, fails)).encode()

        compilation = sync(judge.compile(SCRIPTED_BUILD, source))
        if compilation.program is not None:
            assert isinstance(compilation.program, SandboxProgram)
            folder = compilation.program.directory
            assert (folder / "main").is_symlink()
            sync(judge.release(compilation.program))
            assert not folder.exists()

        assert compilation.succeeded is not fails
        assert (victim / "secret").read_text() == "still here"
        assert sorted(p.name for p in victim.iterdir()) == ["secret"]


@pytest.mark.no_skip
class TestCompilation:
    def test_a_compile_error_returns_the_compilers_log(
        self, judge: SandboxJudge
    ) -> None:
        compilation = sync(judge.compile(LANGUAGES.get("c"), b"int main( { }"))

        assert compilation.program is None
        assert not compilation.internal_error
        assert "error" in compilation.log

    def test_a_long_compiler_log_is_truncated(self, judge: SandboxJudge) -> None:
        source = "".join(
            f'#warning "warning number {i} {"x" * 60}"\n' for i in range(600)
        )

        compilation = sync(judge.compile(LANGUAGES.get("c"), source.encode() + b"!"))

        assert compilation.program is None
        assert compilation.log.endswith("[compiler output truncated]")
        assert len(compilation.log) < 17_000

    @pytest.mark.parametrize(
        "source",
        [
            pytest.param('#include "/dev/zero"\nint main() {}', id="include-dev-zero"),
            pytest.param(
                """
                template <int N> struct F {
                    static const int v = F<N - 1>::v + F<N - 2>::v;
                };
                template <> struct F<0> { static const int v = 0; };
                template <> struct F<1> { static const int v = 1; };
                template <int N> struct G { static const int v = G<N - 1>::v + 1; };
                template <> struct G<0> { static const int v = 0; };
                int main() { return F<40>::v + G<100000>::v; }
                """,
                id="deep-templates",
            ),
            pytest.param(
                """
                #define A x x x x x x x x x x
                #define B A A A A A A A A A A
                #define C B B B B B B B B B B
                #define D C C C C C C C C C C
                #define E D D D D D D D D D D
                #define F E E E E E E E E E E
                #define G F F F F F F F F F F
                int main() { G G G G G G G G }
                """,
                id="macro-expansion",
            ),
        ],
    )
    def test_a_compile_bomb_ends_as_a_compile_error(
        self, strict_judge: SandboxJudge, source: str
    ) -> None:
        started = time.monotonic()

        compilation = sync(
            strict_judge.compile(LANGUAGES.get("cpp"), textwrap.dedent(source).encode())
        )

        assert compilation.program is None
        assert not compilation.internal_error
        assert time.monotonic() - started < 10


@pytest.mark.no_skip
class TestValidators:
    VALIDATOR = """
        import sys
        given, expected = open(sys.argv[1]).read(), open(sys.argv[2]).read()
        output = sys.stdin.read()
        with open(sys.argv[3] + "/judgemessage.txt", "w") as feedback:
            feedback.write("checked")
        for path in sys.argv[1:3]:
            try:
                open(path, "a").write("tampered")
                print("tampered with", path)
            except OSError:
                pass
        print("input was", given.strip())
        sys.exit(42 if output.split() == expected.split() else 43)
    """

    @pytest.mark.parametrize(
        ("output", "code"),
        [
            pytest.param(b"3\n", 42, id="accepted"),
            pytest.param(b"4\n", 43, id="rejected"),
        ],
    )
    def test_a_validator_judges_the_output_on_its_stdin(
        self, judge: SandboxJudge, output: bytes, code: int
    ) -> None:
        validator = compile_ok(judge, "python3", self.VALIDATOR)

        checked = sync(judge.run_validator(validator, b"1 2\n", b"3\n", output, ROOMY))
        sync(judge.release(validator))

        assert checked.status is ExitStatus.NONZERO_EXIT
        assert checked.exit_code == code
        assert printed(checked).splitlines() == ["input was 1 2"]


@pytest.mark.no_skip
class TestReporting:
    def test_the_cpu_time_of_a_half_second_loop_is_reported(
        self, judge: SandboxJudge
    ) -> None:
        source = """
            #include <time.h>
            int main(void) { while (clock() < CLOCKS_PER_SEC / 2) {} return 0; }
        """

        execution = run(judge, "c", source)

        assert execution.status is ExitStatus.OK
        assert 0.48 <= execution.cpu_time_s <= 0.65
        assert execution.wall_time_s >= execution.cpu_time_s - 0.02

    def test_the_peak_memory_of_a_program_touching_100_mib_is_reported(
        self, judge: SandboxJudge
    ) -> None:
        source = """
            #include <stdlib.h>
            int main(void) {
                volatile char *block = malloc(100 << 20);
                for (long i = 0; i < (100 << 20); i += 4096) block[i] = 1;
                return block[12345 * 4096] - 1;
            }
        """

        execution = run(judge, "c", source)

        assert execution.status is ExitStatus.OK
        assert 100 * 1024 <= execution.memory_kib <= 108 * 1024

    def test_a_small_program_reports_its_own_memory_not_the_judges(
        self, judge: SandboxJudge
    ) -> None:
        execution = run(judge, "c", "int main(void) { return 0; }")

        assert 0 < execution.memory_kib < 4 * 1024

    def test_a_crash_is_reported_as_its_signal(self, judge: SandboxJudge) -> None:
        source = "int main(void) { return *(volatile int *)0; }"

        execution = run(judge, "c", source)

        assert execution.status is ExitStatus.SIGNALED
        assert execution.signal == 11

    def test_a_failing_exit_is_reported_with_its_code(
        self, judge: SandboxJudge
    ) -> None:
        execution = python(judge, "import sys; print('partial'); sys.exit(3)")

        assert execution.status is ExitStatus.NONZERO_EXIT
        assert execution.exit_code == 3
        assert execution.stdout == b"partial\n"


@pytest.mark.no_skip
class TestConcurrency:
    def test_parallel_runs_each_get_their_own_result(self, judge: SandboxJudge) -> None:
        program = compile_ok(
            judge, "python3", "import time; time.sleep(0.5); print(input())"
        )

        async def all_at_once() -> list[Execution]:
            runs = [judge.run(program, f"{i}\n".encode(), ROOMY) for i in range(8)]
            return await asyncio.gather(*runs)

        started = time.monotonic()
        executions = sync(all_at_once())
        elapsed = time.monotonic() - started
        sync(judge.release(program))

        assert [printed(e).strip() for e in executions] == [str(i) for i in range(8)]
        assert all(e.status is ExitStatus.OK for e in executions)
        assert elapsed < 8 * 0.5 * 0.75


@pytest.mark.no_skip
class TestLanguagesAndPrograms:
    def test_a_missing_toolchain_makes_its_language_unavailable(
        self, judge: SandboxJudge
    ) -> None:
        missing = Language(
            key="missing",
            name="Missing",
            extensions=("missing",),
            source_file="main.missing",
            run=("no-such-interpreter", "{source}"),
        )

        assert not judge.available(missing)
        with pytest.raises(LanguageUnavailable, match="no-such-interpreter"):
            sync(judge.compile(missing, b"anything"))

    @pytest.mark.parametrize(
        ("failures", "status"),
        [
            pytest.param(1, ExitStatus.OK, id="retried"),
            pytest.param(2, ExitStatus.INTERNAL, id="given-up"),
        ],
    )
    def test_a_launch_that_fails_is_retried_once_then_reported_not_raised(
        self,
        judge: SandboxJudge,
        monkeypatch: pytest.MonkeyPatch,
        failures: int,
        status: ExitStatus,
    ) -> None:
        program = compile_ok(judge, "python3", "print(1)")
        real = judge_module.sealed_input
        left = [failures]

        def busy_at_first(data: bytes) -> int:
            if left[0]:
                left[0] -= 1
                raise OSError(errno.EBUSY, "Device or resource busy")
            return real(data)

        monkeypatch.setattr(judge_module, "sealed_input", busy_at_first)
        execution = sync(judge.run(program, b"", ROOMY))
        sync(judge.release(program))

        assert execution.status is status

    def test_a_released_program_cannot_run_again(self, judge: SandboxJudge) -> None:
        program = compile_ok(judge, "python3", "print(1)")
        sync(judge.release(program))

        with pytest.raises(JudgeFailure, match="released"):
            sync(judge.run(program, b"", ROOMY))

    def test_two_judges_never_share_a_uid(self, judge: SandboxJudge) -> None:
        with SandboxJudge(parallelism=2, uid_base=TEST_UID_BASE) as other:
            assert set(other.uids).isdisjoint(judge.uids)
            assert len(set(other.uids)) == 3

    @pytest.mark.parametrize(
        "ending",
        [
            pytest.param("closed", id="closed"),
            pytest.param("main", id="collected-on-the-main-thread"),
            pytest.param("worker", id="collected-on-its-own-worker"),
        ],
    )
    def test_an_ended_judge_leaves_no_folder_behind(self, ending: str) -> None:
        made = SandboxJudge(parallelism=1, uid_base=TEST_UID_BASE)
        program = compile_ok(made, "python3", "print(1)")
        assert isinstance(program, SandboxProgram)
        root = program.directory.parent
        executor = made._executor  # one of its own threads, to collect it on
        # A busy machine can leave the compile's worker still holding its work
        # item (and through it the judge) for a moment: let it finish first.
        executor.submit(int).result()

        gc.disable()  # only the collections below may finalize it
        try:
            if ending == "closed":
                made.close()
            garbage: list[object] = [made]
            garbage.append(garbage)  # only the cycle collector can free it
            del made, garbage
            if ending == "worker":
                executor.submit(gc.collect).result()
            else:
                gc.collect()
        finally:
            gc.enable()

        assert not root.exists()


@pytest.mark.no_skip
class TestWithoutBubblewrap:
    def test_the_judge_refuses_to_start_without_a_sandbox(self) -> None:
        with pytest.raises(SandboxUnavailable, match="bubblewrap"):
            SandboxJudge(bwrap="/nonexistent/bwrap", uid_base=UNSAFE_UID_BASE)

    def test_unsafe_mode_keeps_the_uid_limits_and_clean_environment(
        self, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("BITCODE_TEST_SECRET", "visible")
        with caplog.at_level(logging.WARNING, logger="bitcode_adapters.sandbox"):
            made = SandboxJudge(
                bwrap="/nonexistent/bwrap",
                unsafe=True,
                parallelism=1,
                uid_base=UNSAFE_UID_BASE,
            )
        with made:
            shown = python(made, "import os; print(os.getuid(), dict(os.environ))")
            looping = python(made, "while True: pass", QUICK)

        warnings = [r.message for r in caplog.records if r.levelno >= logging.WARNING]
        assert warnings == ["sandbox.unsafe"]
        assert not made.sandboxed
        assert printed(shown).startswith(f"{made.uids[0]} ")
        assert "visible" not in printed(shown)
        assert looping.status is ExitStatus.TIME_LIMIT
        assert no_process_left(made.uids)


class TestSyntaxErrors:
    @pytest.mark.parametrize(
        ("language", "source"),
        [
            pytest.param("python3", "print(1\n", id="python"),
            pytest.param("javascript", "console.log(1;\n", id="javascript"),
        ],
    )
    def test_an_interpreted_program_that_does_not_parse_fails_to_compile(
        self, judge: SandboxJudge, language: str, source: str
    ) -> None:
        compilation = sync(judge.compile(LANGUAGES.get(language), source.encode()))

        assert compilation.program is None
        assert not compilation.internal_error
        assert "Error" in compilation.log
