from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitcode_core.battles import (
    Attempt,
    Battle,
    BattleRules,
    EndReason,
    Side,
    duel,
)
from bitcode_core.errors import BattleOver, BattleRuleViolation
from bitcode_core.verdicts import Verdict

START = 1_000.0
RULES = BattleRules(duration_s=600.0, penalty_s=60.0)


def make_battle(sides=None, questions=("q1", "q2")):
    return Battle(sides or duel(["ann", "bob"]), questions, RULES, START)


def ac(player, question="q1"):
    return Attempt(player, question, Verdict.ACCEPTED, 10, 10)


def rejected(player, question="q1", verdict=Verdict.WRONG_ANSWER, passed=3):
    return Attempt(player, question, verdict, passed, 10)


class TestStandings:
    def test_more_questions_solved_ranks_first(self):
        battle = make_battle()

        battle.record(ac("bob", "q1"), START + 300)
        battle.record(ac("ann", "q1"), START + 10)
        battle.record(ac("bob", "q2"), START + 400)

        assert [s.side.name for s in battle.standings()] == ["bob", "ann"]

    def test_penalty_breaks_ties_on_solved(self):
        battle = make_battle()

        battle.record(rejected("ann"), START + 5)
        battle.record(ac("ann"), START + 10)
        battle.record(ac("bob"), START + 50)

        first, second = battle.standings()
        assert (first.side.name, first.penalty_s) == ("bob", 50.0)
        assert (second.side.name, second.penalty_s) == ("ann", 70.0)

    def test_compile_errors_and_internal_errors_add_no_penalty(self):
        battle = make_battle()

        battle.record(rejected("ann", verdict=Verdict.COMPILATION_ERROR), START + 1)
        battle.record(rejected("ann", verdict=Verdict.INTERNAL_ERROR), START + 2)
        battle.record(ac("ann"), START + 10)

        assert battle.standings()[0].penalty_s == 10.0

    def test_share_of_tests_passed_breaks_ties_on_unsolved(self):
        battle = make_battle()

        battle.record(rejected("ann", passed=7), START + 5)
        battle.record(rejected("ann", passed=2), START + 6)
        battle.record(rejected("bob", passed=4), START + 7)

        first, second = battle.standings()
        assert first.side.name == "ann"
        assert first.partial == pytest.approx(0.7)
        assert second.partial == pytest.approx(0.4)

    def test_equal_records_share_a_rank_and_draw(self):
        battle = make_battle()

        battle.record(ac("ann"), START + 10)
        battle.record(ac("bob"), START + 10)

        assert [s.rank for s in battle.standings()] == [1, 1]
        assert battle.is_draw

    def test_any_member_solves_for_the_side(self):
        sides = (Side("a", "A", ("ann", "amy")), Side("b", "B", ("bob", "ben")))
        battle = make_battle(sides, questions=("q1",))

        battle.record(rejected("ann"), START + 5)
        battle.record(ac("amy"), START + 20)

        assert battle.standings()[0].side.id == "a"
        assert battle.standings()[0].penalty_s == 80.0
        assert battle.end_reason is EndReason.ALL_SOLVED

    def test_attempts_after_solving_change_nothing(self):
        battle = make_battle()
        battle.record(ac("ann"), START + 10)

        battle.record(rejected("ann"), START + 20)

        assert battle.standings()[0].penalty_s == 10.0

    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["ann", "bob", "cat", "dan"]),
                st.sampled_from(["q1", "q2", "q3"]),
                st.sampled_from(list(Verdict)),
                st.integers(0, 10),
                st.floats(0, 599),
            ),
            max_size=40,
        )
    )
    def test_ranks_are_ordered_by_the_sort_key(self, events):
        battle = make_battle(duel(["ann", "bob", "cat", "dan"]), ("q1", "q2", "q3"))
        for player, question, verdict, passed, at in sorted(events, key=lambda e: e[4]):
            attempt = Attempt(player, question, verdict, passed, 10)
            if not battle.over:
                battle.record(attempt, START + at)

        standings = battle.standings()

        assert standings[0].rank == 1
        for before, after in itertools.pairwise(standings):
            assert before.sort_key <= after.sort_key
            tied = before.sort_key == after.sort_key
            assert (after.rank == before.rank) is tied
            if not tied:
                assert after.rank == standings.index(after) + 1


class TestEnding:
    def test_ends_when_a_side_solves_everything(self):
        battle = make_battle()

        battle.record(ac("ann", "q1"), START + 10)
        battle.record(ac("ann", "q2"), START + 20)

        assert battle.end_reason is EndReason.ALL_SOLVED
        assert battle.ended_at == START + 20

    def test_a_submission_at_the_instant_of_the_ending_solve_still_counts(self):
        battle = make_battle(questions=("q1",))
        battle.record(ac("ann"), START + 10)

        battle.record(ac("bob"), START + 10)

        assert battle.is_draw
        with pytest.raises(BattleOver):
            battle.record(ac("bob"), START + 10.001)

    def test_ends_when_time_is_up(self):
        battle = make_battle()

        assert battle.tick(START + 599.9) is None
        assert battle.tick(START + 600) is EndReason.TIME_UP

    def test_refuses_a_submission_made_after_the_end(self):
        battle = make_battle()

        with pytest.raises(BattleOver):
            battle.record(ac("ann"), START + 600)

    def test_counts_a_submission_made_in_time_but_judged_late(self):
        battle = make_battle()
        battle.tick(START + 700)

        battle.record(ac("ann"), START + 599)

        assert battle.standings()[0].side.name == "ann"

    def test_refuses_a_submission_before_the_start(self):
        with pytest.raises(BattleRuleViolation):
            make_battle().record(ac("ann"), START - 1)

    def test_ends_when_only_one_side_is_left(self):
        battle = make_battle(duel(["ann", "bob", "cat"]))

        battle.leave("bob", START + 5)
        assert not battle.over
        battle.leave("cat", START + 6)

        assert battle.end_reason is EndReason.LAST_SIDE_STANDING
        assert battle.winners()[0].name == "ann"

    def test_a_side_that_left_ranks_below_every_side_still_playing(self):
        battle = make_battle(duel(["ann", "bob", "cat"]))
        battle.record(ac("bob"), START + 5)

        battle.leave("bob", START + 6)

        assert battle.standings()[-1].side.name == "bob"
        assert battle.standings()[-1].left

    def test_a_team_stays_while_one_member_remains(self):
        sides = (Side("a", "A", ("ann", "amy")), Side("b", "B", ("bob",)))
        battle = make_battle(sides)

        battle.leave("ann", START + 1)

        assert not battle.over
        with pytest.raises(BattleRuleViolation):
            battle.record(ac("ann"), START + 2)


class TestSetUp:
    @pytest.mark.parametrize(
        ("sides", "questions"),
        [
            pytest.param(duel(["ann"]), ("q1",), id="one-side"),
            pytest.param(duel(["ann", "bob"]), (), id="no-question"),
            pytest.param(duel(["ann", "bob"]), ("q1", "q1"), id="repeated-question"),
            pytest.param(
                (Side("a", "A", ("ann",)), Side("b", "B", ("ann",))),
                ("q1",),
                id="player-on-two-sides",
            ),
            pytest.param(
                (Side("a", "A", ()), Side("b", "B", ("bob",))), ("q1",), id="empty-side"
            ),
        ],
    )
    def test_refuses_impossible_battles(self, sides, questions):
        with pytest.raises(BattleRuleViolation):
            Battle(sides, questions, RULES, START)

    def test_refuses_a_stranger(self):
        with pytest.raises(BattleRuleViolation):
            make_battle().record(ac("eve"), START + 1)

    def test_refuses_a_question_not_in_the_battle(self):
        with pytest.raises(BattleRuleViolation):
            make_battle().record(ac("ann", "q9"), START + 1)

    def test_refuses_a_non_positive_time_limit(self):
        with pytest.raises(BattleRuleViolation):
            BattleRules(duration_s=0)
