"""``bitcode battle``: a local battle between solution files on one question."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from bitcode_adapters.clock import SystemClock
from bitcode_adapters.rating_file import JsonFileRatingStore
from bitcode_cli import bootstrap
from bitcode_cli.errors import UsageProblem, reports_errors
from bitcode_cli.questions_source import find_package
from bitcode_core.errors import LanguageUnavailable
from bitcode_core.languages import LanguageTable
from bitcode_core.ports import Judge, RatingStore
from bitcode_core.questions import Question
from bitcode_core.usecases.judge_submission import ValidatorCache
from bitcode_core.usecases.play_local_battle import (
    Contender,
    LocalBattleResult,
    play_local_battle,
)
from bitcode_core.verdicts import TestOutcome, Verdict

DEMO_QUESTION = "max-subarray"
_VERDICT_STYLE = {Verdict.ACCEPTED: "green", Verdict.INTERNAL_ERROR: "magenta"}


@click.command()
@click.argument("question", required=False)
@click.argument("solutions", nargs=-1)
@click.option("--name", "names", multiple=True, help="Label of a side, in order.")
@click.option("--lang", "langs", multiple=True, help="Language key, once or per file.")
@click.option("--unrated", is_flag=True, help="Do not change local ratings.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--demo", is_flag=True, help="Play the demo battle on the demo bank.")
@click.option(
    "--unsafe",
    is_flag=True,
    help="Run without bubblewrap (only for code you trust).",
)
@reports_errors
def battle(
    question: str | None,
    solutions: tuple[str, ...],
    names: tuple[str, ...],
    langs: tuple[str, ...],
    unrated: bool,
    as_json: bool,
    demo: bool,
    unsafe: bool,
) -> None:
    """Battle SOLUTION files (one side each) on QUESTION, a package folder or a
    demo bank id."""
    if demo:
        if question is not None or solutions:
            raise UsageProblem("--demo takes no question or solution files")
        question, solutions = _demo_arguments()
    if question is None or len(solutions) < 2:
        raise UsageProblem("a battle needs a question and at least two solution files")
    table = bootstrap.languages()
    package = find_package(question, table)
    contenders = _contenders(solutions, names, langs, table)
    judge, close_judge = bootstrap.judge(table, unsafe=unsafe)
    for contender in contenders:
        if not judge.available(contender.language):
            raise LanguageUnavailable(
                f"{contender.language.name} is not installed here "
                f"(needed by {contender.name})"
            )
    ratings = None if unrated else JsonFileRatingStore(_ratings_path())
    if ratings is not None:
        ratings.get_many([])  # a broken ratings file fails now, before any judging
    result = asyncio.run(
        _play(
            judge,
            table,
            package.question,
            contenders,
            ratings,
            quiet=as_json,
            close_judge=close_judge,
        )
    )
    if as_json:
        click.echo(json.dumps(_as_json(result), indent=2))
    else:
        _show(result)


def _demo_arguments() -> tuple[str, tuple[str, ...]]:
    root = bootstrap.demo_bank_dir() / DEMO_QUESTION / "submissions"
    accepted = sorted((root / "accepted").glob("*.py"))
    wrong = sorted((root / "wrong_answer").glob("*"))
    if not accepted or not wrong:
        raise UsageProblem(f"the demo bank is missing {root}")
    return DEMO_QUESTION, (str(accepted[0]), str(wrong[0]))


def _ratings_path() -> Path:
    return bootstrap.data_dir() / "ratings.json"


def _contenders(
    files: Sequence[str],
    names: Sequence[str],
    langs: Sequence[str],
    table: LanguageTable,
) -> list[Contender]:
    if names and len(names) != len(files):
        raise UsageProblem(f"{len(names)} --name given for {len(files)} solutions")
    if len(langs) not in (0, 1, len(files)):
        raise UsageProblem("give --lang once for every file, or once for all")
    contenders = []
    for index, file in enumerate(files):
        path = Path(file)
        if path.is_dir():
            raise UsageProblem(f"{file} is a folder, not a solution file")
        if not path.is_file():
            raise UsageProblem(f"no such solution file: {file}")
        if langs:
            language = table.get(langs[index] if len(langs) > 1 else langs[0])
        else:
            language = table.for_filename(path.name)
        name = names[index] if names else _default_name(path, files)
        if not name.strip() or not name.isprintable():
            raise UsageProblem(f"side name {name!r} must be printable and not empty")
        contenders.append(Contender(name, language, path.read_bytes()))
    if len({c.name for c in contenders}) != len(contenders):
        raise UsageProblem("every side needs a different name (use --name)")
    return contenders


def _default_name(path: Path, files: Sequence[str]) -> str:
    stems = [Path(f).name for f in files]
    if stems.count(path.name) == 1:
        return path.name
    return f"{path.parent.name}/{path.name}"


async def _play(
    judge: Judge,
    table: LanguageTable,
    question: Question,
    contenders: list[Contender],
    ratings: RatingStore | None,
    *,
    quiet: bool,
    close_judge: bootstrap.Closer,
) -> LocalBattleResult:
    validators = ValidatorCache(judge, table)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[last]}"),
        console=Console(stderr=True),
        disable=quiet or not sys.stderr.isatty(),
        transient=True,
    )
    tasks = {
        c.name: progress.add_task(c.name, total=len(question.tests), last="")
        for c in contenders
    }

    def advance(name: str, outcome: TestOutcome) -> None:
        progress.update(tasks[name], advance=1, last=outcome.verdict.value)

    try:
        with progress:
            return await play_local_battle(
                judge,
                validators,
                question,
                contenders,
                clock=SystemClock(),
                ratings=ratings,
                on_test=advance,
            )
    finally:
        await validators.close()
        await close_judge()


def _show(result: LocalBattleResult) -> None:
    console = Console(soft_wrap=True)
    question = result.question
    console.print(
        f"[bold]{question.title}[/] ({question.id}, {len(question.tests)} tests)"
    )
    standings = Table("rank", "side", "verdict", "tests passed", "solved", "max time")
    for standing in result.standings:
        name = standing.side.name
        submission = result.results[name]
        standings.add_row(
            str(standing.rank),
            name,
            _verdict(submission.verdict),
            f"{submission.tests_passed}/{submission.total_tests}",
            str(standing.solved),
            f"{submission.max_time_s:.2f}s",
        )
    console.print(standings)
    console.print(_per_test_table(result))
    for name, submission in result.results.items():
        if submission.compile_log and submission.verdict is Verdict.COMPILATION_ERROR:
            console.print(f"[bold]{name}[/] compile log:\n{submission.compile_log}")
    if result.rating_changes:
        console.print(_ratings_table(result))
    if result.judge_failed:
        console.print(
            "[magenta]Not rated[/]: the judge failed on a submission (IE), "
            "which is never held against a player"
        )
    winners = [s.side.name for s in result.standings if s.rank == 1]
    if result.is_draw:
        console.print(f"[bold]Draw[/] between {', '.join(winners)}")
    else:
        console.print(f"[bold green]Winner: {winners[0]}[/]")


def _per_test_table(result: LocalBattleResult) -> Table:
    names = list(result.results)
    table = Table("test", *names, title="per test")
    for index, test in enumerate(result.question.tests):
        cells = []
        for name in names:
            outcomes = result.results[name].tests
            if index < len(outcomes):
                outcome = outcomes[index]
                cells.append(f"{_verdict(outcome.verdict)} {outcome.time_s:.2f}s")
            else:
                cells.append("-")
        table.add_row(test.name, *cells)
    return table


def _ratings_table(result: LocalBattleResult) -> Table:
    table = Table("player", "before", "after", "change", title="ratings")
    for change in result.rating_changes:
        table.add_row(
            change.player,
            str(round(change.before)),
            str(round(change.after)),
            f"{change.shown_delta:+d}",
        )
    return table


def _verdict(verdict: Verdict) -> str:
    style = _VERDICT_STYLE.get(verdict, "red")
    return f"[{style}]{verdict.value}[/]"


def _as_json(result: LocalBattleResult) -> dict[str, Any]:
    return {
        "question": {"id": result.question.id, "title": result.question.title},
        "draw": result.is_draw,
        "judge_failed": result.judge_failed,
        "winners": [s.side.name for s in result.standings if s.rank == 1],
        "standings": [
            {
                "rank": s.rank,
                "side": s.side.name,
                "solved": s.solved,
                "penalty_s": s.penalty_s,
                "partial": s.partial,
            }
            for s in result.standings
        ],
        "results": {
            name: {
                "verdict": r.verdict.value,
                "tests_passed": r.tests_passed,
                "total_tests": r.total_tests,
                "compile_log": r.compile_log,
                "tests": [
                    {
                        "test": t.test,
                        "verdict": t.verdict.value,
                        "time_s": t.time_s,
                        "memory_kib": t.memory_kib,
                        "message": t.message,
                    }
                    for t in r.tests
                ],
            }
            for name, r in result.results.items()
        },
        "rating_changes": [
            {
                "player": c.player,
                "before": c.before,
                "after": c.after,
                "delta": c.delta,
                "k": c.k,
            }
            for c in result.rating_changes
        ],
    }
