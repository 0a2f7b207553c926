"""What the sandbox costs: judging a question through ``SandboxJudge.run`` against
running the same program the same way with no sandbox at all.

The program is an accepted Python solution (read N numbers, print their sum),
run once per test of a 20-test question, one test after another as judging does.
The baseline runs ``/usr/bin/python3`` on the same file as a plain subprocess.
Both are measured in the same process, alternating, several times; the report
gives each median and their ratio (the target is under 1.5).

    sudo .venv/bin/python benchmarks/bench_judge.py [--numbers N] [--repeats R]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bitcode_adapters.language_table import load_language_table
from bitcode_adapters.sandbox import SandboxJudge
from bitcode_core.ports import ExitStatus, Program
from bitcode_core.questions import Limits

SOLUTION = b"import sys\nprint(sum(map(int, sys.stdin.buffer.read().split())))\n"
LIMITS = Limits(time_s=2.0, memory_mib=256, output_mib=1)


def make_tests(count: int, numbers: int, seed: int = 20) -> list[tuple[bytes, bytes]]:
    chooser = random.Random(seed)  # noqa: S311 - reproducible test data, no secret
    tests = []
    for _ in range(count):
        values = [chooser.randint(-(10**9), 10**9) for _ in range(numbers)]
        tests.append((" ".join(map(str, values)).encode(), str(sum(values)).encode()))
    return tests


async def judged(judge: SandboxJudge, program: Program, tests: list) -> float:
    started = time.perf_counter()
    for given, expected in tests:
        execution = await judge.run(program, given, LIMITS)
        assert execution.status is ExitStatus.OK, execution
        assert execution.stdout.strip() == expected
    return time.perf_counter() - started


def unsandboxed(script: Path, tests: list) -> float:
    started = time.perf_counter()
    for given, expected in tests:
        done = subprocess.run(
            ["/usr/bin/python3", str(script)],
            input=given,
            capture_output=True,
            check=True,
            cwd=script.parent,
        )
        assert done.stdout.strip() == expected
    return time.perf_counter() - started


async def main(numbers: int, repeats: int, tests_per_question: int) -> None:
    tests = make_tests(tests_per_question, numbers)
    language = load_language_table().get("python3")
    with SandboxJudge([language]) as judge, tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "main.py"
        script.write_bytes(SOLUTION)
        compilation = await judge.compile(language, SOLUTION)
        assert compilation.program is not None, compilation.log
        await judged(judge, compilation.program, tests[:2])  # warm the caches
        unsandboxed(script, tests[:2])
        sandboxed_s, plain_s = [], []
        for _ in range(repeats):
            sandboxed_s.append(await judged(judge, compilation.program, tests))
            plain_s.append(unsandboxed(script, tests))
        await judge.release(compilation.program)

    print(f"question: {tests_per_question} tests of {numbers} numbers each")
    print(f"repeats:  {repeats} (the best repeat shows the cost without noise)")
    print("                               median      best")
    for name, figures in (("sandboxed (SandboxJudge.run)", sandboxed_s),
                          ("plain subprocess", plain_s)):  # fmt: skip
        median, best = statistics.median(figures), min(figures)
        print(f"{name:29s} {median * 1000:8.1f} ms {best * 1000:8.1f} ms")
    sandboxed, plain = statistics.median(sandboxed_s), statistics.median(plain_s)
    per_run = (sandboxed - plain) / tests_per_question * 1000
    best_ratio = min(sandboxed_s) / min(plain_s)
    print(f"overhead per run (medians):   {per_run:8.2f} ms")
    print(f"ratio of medians:             {sandboxed / plain:8.2f}x (target < 1.5x)")
    print(f"ratio of best repeats:        {best_ratio:8.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--tests", type=int, default=20)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.numbers, arguments.repeats, arguments.tests))
