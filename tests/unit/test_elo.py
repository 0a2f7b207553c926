from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bitcode_core.elo import (
    EloRules,
    RatedSide,
    apply_changes,
    expected_score,
    rating_changes,
)
from bitcode_core.ports import PlayerRating
from tests.strategies import player_ratings, ratings

RULES = EloRules()
VETERAN = RULES.provisional_battles


def veteran(player, rating):
    return PlayerRating(player, rating, VETERAN)


class TestExpectedScore:
    @given(ratings, ratings)
    def test_the_two_expectations_sum_to_one(self, a, b):
        assert expected_score(a, b) + expected_score(b, a) == pytest.approx(1.0)

    def test_four_hundred_points_is_ten_to_one(self):
        assert expected_score(1900, 1500) == pytest.approx(10 / 11)


class TestDuel:
    @given(ratings, ratings)
    def test_is_zero_sum_between_players_of_equal_k(self, a, b):
        assume(max(a, b) < RULES.top_rating)
        ratings_now = {"ann": veteran("ann", a), "bob": veteran("bob", b)}

        changes = rating_changes(
            [RatedSide(("ann",), 1), RatedSide(("bob",), 2)], ratings_now
        )

        assert sum(c.delta for c in changes) == pytest.approx(0.0, abs=1e-9)

    @given(ratings, ratings)
    def test_the_winner_gains_and_the_loser_loses(self, a, b):
        ratings_now = {"ann": veteran("ann", a), "bob": veteran("bob", b)}

        ann, bob = rating_changes(
            [RatedSide(("ann",), 1), RatedSide(("bob",), 2)], ratings_now
        )

        assert ann.delta > 0 > bob.delta

    def test_a_draw_between_equals_changes_nothing(self):
        ratings_now = {"ann": veteran("ann", 1600), "bob": veteran("bob", 1600)}

        changes = rating_changes(
            [RatedSide(("ann",), 1), RatedSide(("bob",), 1)], ratings_now
        )

        assert [c.delta for c in changes] == [0.0, 0.0]

    def test_newcomers_start_at_the_initial_rating(self):
        ann, _ = rating_changes([RatedSide(("ann",), 1), RatedSide(("bob",), 2)], {})

        assert ann.before == RULES.initial_rating
        assert ann.delta == RULES.provisional_k / 2


class TestKFactor:
    @pytest.mark.parametrize(
        ("rating", "battles", "k"),
        [
            pytest.param(1500, 0, 40, id="provisional"),
            pytest.param(2500, 5, 40, id="provisional-even-at-the-top"),
            pytest.param(1500, 30, 20, id="standard"),
            pytest.param(2400, 30, 10, id="top"),
        ],
    )
    def test_follows_experience_and_level(self, rating, battles, k):
        assert RULES.k_for(PlayerRating("p", rating, battles)) == k


class TestMultiSide:
    @given(st.data(), st.integers(2, 8))
    def test_no_battle_moves_a_rating_by_more_than_k(self, data, n):
        players = [f"p{i}" for i in range(n)]
        ranks = data.draw(st.lists(st.integers(1, n), min_size=n, max_size=n))
        ratings_now = {p: data.draw(player_ratings(p)) for p in players}

        changes = rating_changes(
            [RatedSide((p,), r) for p, r in zip(players, ranks, strict=True)],
            ratings_now,
        )

        for change in changes:
            assert abs(change.delta) <= change.k + 1e-9

    @given(st.lists(ratings, min_size=3, max_size=8))
    def test_better_ranks_never_gain_less_between_equals(self, values):
        rating = values[0]
        players = [f"p{i}" for i in range(len(values))]
        ratings_now = {p: veteran(p, rating) for p in players}

        changes = rating_changes(
            [RatedSide((p,), i + 1) for i, p in enumerate(players)], ratings_now
        )

        deltas = [c.delta for c in changes]
        assert deltas == sorted(deltas, reverse=True)
        assert sum(deltas) == pytest.approx(0.0, abs=1e-9)

    def test_every_member_of_a_team_gets_the_same_delta(self):
        ratings_now = {
            "ann": veteran("ann", 1400),
            "amy": veteran("amy", 1800),
            "bob": veteran("bob", 1600),
            "ben": veteran("ben", 1600),
        }

        changes = rating_changes(
            [RatedSide(("ann", "amy"), 1), RatedSide(("bob", "ben"), 2)], ratings_now
        )

        by_player = {c.player: c.delta for c in changes}
        assert by_player["ann"] == by_player["amy"] == pytest.approx(10.0)
        assert by_player["bob"] == by_player["ben"] == pytest.approx(-10.0)

    def test_a_single_side_changes_nothing(self):
        assert rating_changes([RatedSide(("ann",), 1)], {}) == []


class TestApplyChanges:
    @given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=60))
    def test_stored_ratings_do_not_drift_from_the_sum_of_changes(self, results):
        stored = {"ann": RULES.new_player("ann"), "bob": RULES.new_player("bob")}
        total = 0.0
        for ann_wins, draw in results:
            ranks = (1, 1) if draw else ((1, 2) if ann_wins else (2, 1))
            changes = rating_changes(
                [RatedSide(("ann",), ranks[0]), RatedSide(("bob",), ranks[1])], stored
            )
            total += changes[0].delta
            stored = {r.player: r for r in apply_changes(changes, stored)}

        assert stored["ann"].rating == pytest.approx(RULES.initial_rating + total)
        assert stored["ann"].rated_battles == len(results)
