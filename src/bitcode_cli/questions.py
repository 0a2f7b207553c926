"""``bitcode questions``: list the demo bank and validate problem packages."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from bitcode_adapters.problem_package import ProblemPackage, load_package
from bitcode_cli import bootstrap
from bitcode_cli.errors import reports_errors
from bitcode_cli.questions_source import demo_bank
from bitcode_core.errors import BitCodeError
from bitcode_core.languages import LanguageTable
from bitcode_core.ports import Judge
from bitcode_core.usecases.check_reference_solutions import (
    Outcome,
    SolutionCheck,
    check_reference_solutions,
)
from bitcode_core.usecases.judge_submission import ValidatorCache


@click.group()
def questions() -> None:
    """Question packages and the demo bank."""


@questions.command("list")
@reports_errors
def list_questions() -> None:
    """List the demo bank."""
    table = Table("id", "title", "difficulty", "tags", "tests", "time limit")
    table.columns[0].no_wrap = True
    for package in demo_bank(bootstrap.languages()):
        question = package.question
        table.add_row(
            question.id,
            question.title,
            question.difficulty.value,
            ", ".join(question.tags),
            str(len(question.tests)),
            f"{question.limits.time_s:g}s",
        )
    Console().print(table)


@questions.command("validate")
@click.argument("folders", nargs=-1, required=True)
@click.option("--unsafe", is_flag=True, help="Run without bubblewrap (trusted code).")
@reports_errors
def validate(folders: tuple[str, ...], unsafe: bool) -> None:
    """Run every program under submissions/ and check it gets its folder's verdict."""
    table = bootstrap.languages()
    judge = bootstrap.sandbox_judge(table, unsafe=unsafe)
    console = Console(soft_wrap=True)
    differing = asyncio.run(_validate_all(judge, table, folders, console))
    if differing:
        console.print(f"[bold red]{differing} problem(s) found[/]")
        raise SystemExit(1)
    console.print("[bold green]every submission got the verdict of its folder[/]")


async def _validate_all(
    judge: Judge, table: LanguageTable, folders: tuple[str, ...], console: Console
) -> int:
    problems = 0
    for folder in folders:
        try:
            package = load_package(Path(folder), table)
        except BitCodeError as error:
            click.echo(f"bitcode: {error}", err=True)
            problems += 1
            continue
        validators = ValidatorCache(judge, table)
        problems += await _validate_one(judge, validators, package, console)
    return problems


async def _validate_one(
    judge: Judge, validators: ValidatorCache, package: ProblemPackage, console: Console
) -> int:
    question = package.question
    console.print(f"[bold]{question.id}[/]: {len(question.tests)} tests")
    if not package.solutions:
        console.print("  no submissions/ to check")

    def report(check: SolutionCheck) -> None:
        console.print("  " + _describe(check), highlight=False)

    try:
        checks = await check_reference_solutions(
            judge, validators, question, package.solutions, on_check=report
        )
    finally:
        await validators.close()
    return sum(1 for c in checks if c.outcome is Outcome.DIFFERS)


def _describe(check: SolutionCheck) -> str:
    path = check.solution.path
    if check.outcome is Outcome.SKIPPED:
        return f"[yellow]skipped[/] {path}: {check.reason}"
    expected = check.expected.value if check.expected else "?"
    if check.result is None:
        return f"[red]✗[/] {path}: expected {expected}, {check.reason}"
    got = check.result.verdict.value
    detail = f"{check.result.tests_passed}/{check.result.total_tests} tests, "
    detail += f"max {check.result.max_time_s:.2f}s"
    if check.outcome is Outcome.AS_EXPECTED:
        return f"[green]✓[/] {path}: {got} ({detail})"
    failing = next((t for t in check.result.tests if t.verdict.value == got), None)
    where = f" on {failing.test}" if failing else ""
    return f"[red]✗[/] {path}: expected {expected}, got {got}{where} ({detail})"
