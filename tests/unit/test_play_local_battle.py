"""A local battle's ratings: a battle the judge failed in rates nobody."""

from __future__ import annotations

import asyncio

from bitcode_adapters.memory import InMemoryRatingStore
from bitcode_core.languages import LanguageTable
from bitcode_core.ports import Execution, ExitStatus
from bitcode_core.questions import Question
from bitcode_core.questions import TestCase as Case
from bitcode_core.usecases.judge_submission import ValidatorCache
from bitcode_core.usecases.play_local_battle import Contender, play_local_battle
from tests.fakes import PYTHON, ManualClock, ScriptedJudge, prints

QUESTION = Question(
    id="echo", title="Echo", statement="Echo it.", hidden=(Case("1", b"7", b"7"),)
)


def echoes(data: bytes) -> Execution:
    return prints(data)


def prints_zero(_: bytes) -> Execution:
    return prints(b"0")


def judge_fails(_: bytes) -> Execution:
    return Execution(ExitStatus.INTERNAL)


def play(programs):
    judge = ScriptedJudge({name.encode(): run for name, run in programs.items()})
    ratings = InMemoryRatingStore()
    contenders = [Contender(name, PYTHON, name.encode()) for name in programs]
    validators = ValidatorCache(judge, LanguageTable([PYTHON]))
    result = asyncio.run(
        play_local_battle(
            judge,
            validators,
            QUESTION,
            contenders,
            clock=ManualClock(),
            ratings=ratings,
        )
    )
    return result, ratings.get_many(["good", "bad"])


class TestLocalBattleRatings:
    def test_a_decided_battle_changes_ratings(self) -> None:
        result, ratings = play({"good": echoes, "bad": prints_zero})

        assert not result.judge_failed
        assert len(result.rating_changes) == 2
        assert ratings["good"].rating > ratings["bad"].rating

    def test_a_battle_with_an_internal_error_rates_nobody(self) -> None:
        result, ratings = play({"good": echoes, "bad": judge_fails})

        assert result.judge_failed
        assert result.rating_changes == ()
        assert ratings == {}
