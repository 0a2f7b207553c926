"""A local battle: each contender submits one solution to one question at the start,
all are judged on every test, and the battle's rules decide the standings."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bitcode_core.battles import Attempt, Battle, BattleRules, Standing, duel
from bitcode_core.elo import EloRules, RatedSide, RatingChange, apply_changes
from bitcode_core.elo import rating_changes as compute_rating_changes
from bitcode_core.errors import BattleRuleViolation
from bitcode_core.languages import Language
from bitcode_core.ports import Clock, Judge, RatingStore
from bitcode_core.questions import Question
from bitcode_core.usecases.judge_submission import (
    Submission,
    ValidatorCache,
    judge_submission,
)
from bitcode_core.verdicts import SubmissionResult, TestOutcome, Verdict

LOCAL_BATTLE_RULES = BattleRules(duration_s=3600.0)

OnContenderTest = Callable[[str, TestOutcome], Awaitable[None] | None]


@dataclass(frozen=True, slots=True)
class Contender:
    name: str
    language: Language
    source: bytes


@dataclass(frozen=True, slots=True)
class LocalBattleResult:
    question: Question
    standings: tuple[Standing, ...]
    results: dict[str, SubmissionResult]
    rating_changes: tuple[RatingChange, ...]
    is_draw: bool
    # An Internal Error is the judge's fault: such a battle changes no rating.
    judge_failed: bool = False


async def play_local_battle(
    judge: Judge,
    validators: ValidatorCache,
    question: Question,
    contenders: Sequence[Contender],
    *,
    clock: Clock,
    ratings: RatingStore | None = None,
    elo: EloRules = EloRules(),
    on_test: OnContenderTest | None = None,
) -> LocalBattleResult:
    names = [c.name for c in contenders]
    if len(set(names)) != len(names):
        raise BattleRuleViolation("every contender needs a different name")
    battle = Battle(duel(names), (question.id,), LOCAL_BATTLE_RULES, clock.now())

    results = await asyncio.gather(
        *(_judge(judge, validators, question, c, on_test) for c in contenders)
    )
    for contender, result in zip(contenders, results, strict=True):
        attempt = Attempt(
            contender.name,
            question.id,
            result.verdict,
            result.tests_passed,
            result.total_tests,
        )
        battle.record(attempt, battle.started_at)
    standings = battle.standings()

    judge_failed = any(r.verdict is Verdict.INTERNAL_ERROR for r in results)
    changes: tuple[RatingChange, ...] = ()
    if ratings is not None and not judge_failed:
        before = ratings.get_many(names)
        sides = [RatedSide(s.side.members, s.rank) for s in standings]
        changes = tuple(compute_rating_changes(sides, before, elo))
        ratings.save_many(apply_changes(changes, before))
    return LocalBattleResult(
        question,
        standings,
        dict(zip(names, results, strict=True)),
        changes,
        battle.is_draw,
        judge_failed,
    )


async def _judge(
    judge: Judge,
    validators: ValidatorCache,
    question: Question,
    contender: Contender,
    on_test: OnContenderTest | None,
) -> SubmissionResult:
    async def announce(outcome: TestOutcome) -> None:
        if on_test is not None:
            announced = on_test(contender.name, outcome)
            if announced is not None:
                await announced

    submission = Submission(question, contender.language, contender.source)
    return await judge_submission(
        judge, validators, submission, run_all=True, on_test=announce
    )
