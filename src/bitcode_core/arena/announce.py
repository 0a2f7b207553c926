"""What the battle channel says, as JSON-ready data. Nothing here carries a
submission's code or a hidden test's contents."""

from __future__ import annotations

from collections.abc import Sequence

from bitcode_core.arena.model import (
    BattleResult,
    BattleSubmission,
    LiveBattle,
    SideStanding,
)
from bitcode_core.catalog.model import CatalogEntry
from bitcode_core.rooms.announce import settings_data
from bitcode_core.rooms.ports import JsonValue
from bitcode_core.verdicts import TestOutcome

Data = dict[str, JsonValue]


def battle_data(battle: LiveBattle) -> Data:
    return {
        "battle": battle.id,
        "room": battle.room_id,
        "status": battle.status.value,
        "mode": battle.settings.mode.value,
        "rated": battle.rated,
        "settings": settings_data(battle.settings),
        "sides": [
            {
                "side": side.index,
                "players": [
                    {"id": p, "name": battle.names.get(p, p)} for p in side.members
                ],
            }
            for side in battle.sides
        ],
        "created_at": battle.created_at,
        "starts_at": battle.starts_at,
        "ends_at": battle.ends_at,
        "previous": battle.previous,
        "rematch": battle.rematch,
        "forfeits": [{"player": f.player, "at": f.at} for f in battle.forfeits],
        "rematch_votes": sorted(battle.rematch_votes),
        "result": result_data(battle.result) if battle.result else None,
    }


def question_data(entry: CatalogEntry) -> Data:
    question = entry.question
    limits = question.limits
    return {
        "id": question.id,
        "version": entry.version,
        "title": question.title,
        "statement": question.statement,
        "statement_format": question.statement_format.value,
        "difficulty": question.difficulty.value,
        "limits": {
            "time_s": limits.time_s,
            "memory_mib": limits.memory_mib,
            "output_mib": limits.output_mib,
        },
        "samples": [
            {
                "name": t.name,
                "input": t.input.decode("utf-8", "replace"),
                "answer": t.answer.decode("utf-8", "replace"),
            }
            for t in question.samples
        ],
        "tests": len(question.tests),
    }


def submission_data(submission: BattleSubmission) -> Data:
    """What everyone in the battle may see of a submission: never its code."""
    return {
        "battle": submission.battle_id,
        "submission": submission.id,
        "player": submission.player,
        "question": submission.question_id,
        "language": submission.language,
        "submitted_at": submission.submitted_at,
        "status": submission.status.value,
        "verdict": submission.verdict.value if submission.verdict else None,
        "tests_passed": submission.tests_passed,
        "tests_total": submission.tests_total,
        "time_s": submission.time_s,
        "memory_kib": submission.memory_kib,
    }


def test_data(outcome: TestOutcome, index: int) -> Data:
    """One test's outcome for the submitter; a hidden test's checker message
    could quote its answer, so only a sample's is shown."""
    return {
        "index": index,
        "test": outcome.test if outcome.sample else f"test {index + 1}",
        "sample": outcome.sample,
        "verdict": outcome.verdict.value,
        "time_s": outcome.time_s,
        "memory_kib": outcome.memory_kib,
        "message": outcome.message if outcome.sample else "",
    }


def tests_data(tests: Sequence[TestOutcome]) -> list[JsonValue]:
    return [test_data(outcome, index) for index, outcome in enumerate(tests)]


def standing_data(standing: SideStanding) -> Data:
    return {
        "side": standing.side,
        "rank": standing.rank,
        "solved": standing.solved,
        "penalty_s": standing.penalty_s,
        "partial": standing.partial,
        "left": standing.left,
    }


def result_data(result: BattleResult) -> Data:
    return {
        "reason": result.reason.value,
        "ended_at": result.ended_at,
        "voided": result.voided,
        "winners": list(result.winners),
        "standings": [standing_data(s) for s in result.standings],
        "ratings": [
            {
                "player": c.player,
                "before": c.before,
                "after": c.after,
                "delta": c.delta,
                "shown_delta": c.shown_delta,
                "k": c.k,
            }
            for c in result.rating_changes
        ],
        "season": result.season,
        "ladder": [
            {
                "player": c.player,
                "season": c.season,
                "scope": c.scope.value,
                "before": c.before,
                "after": c.after,
                "k": c.k,
                "outcome": c.outcome.value,
            }
            for c in result.ladder
        ],
    }
