"""Elo ratings for duels, free-for-all and team battles.

A battle with n sides is scored as every pair of sides meeting once: against each
other side, a side scores 1 for ranking above it, 0.5 for a tie, 0 below. The sum of
(score - expected) over the n - 1 pairings is divided by n - 1, so one battle moves a
rating by at most K whatever the number of sides. A side's rating is the mean of its
members' ratings, its K the mean of theirs, and every member gets the side's delta.

K follows the chess federations: higher while a player is provisional (their first
rated battles), lower once they reach the top. Ratings are kept as floats so rounding
for display never accumulates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean

from bitcode_core.ports import PlayerRating


@dataclass(frozen=True, slots=True)
class EloRules:
    initial_rating: float = 1500.0
    provisional_battles: int = 30
    provisional_k: float = 40.0
    standard_k: float = 20.0
    top_k: float = 10.0
    top_rating: float = 2400.0
    scale: float = 400.0

    def k_for(self, rating: PlayerRating) -> float:
        if rating.rated_battles < self.provisional_battles:
            return self.provisional_k
        if rating.rating >= self.top_rating:
            return self.top_k
        return self.standard_k

    def new_player(self, player: str) -> PlayerRating:
        return PlayerRating(player, self.initial_rating, 0)


@dataclass(frozen=True, slots=True)
class RatedSide:
    members: tuple[str, ...]
    rank: int  # 1 is best; equal ranks are a tie


@dataclass(frozen=True, slots=True)
class RatingChange:
    player: str
    before: float
    after: float
    k: float

    @property
    def delta(self) -> float:
        return self.after - self.before

    @property
    def shown_delta(self) -> int:
        return round(self.after) - round(self.before)


def expected_score(rating: float, opponent: float, scale: float = 400.0) -> float:
    power: float = 10.0 ** ((opponent - rating) / scale)
    return 1.0 / (1.0 + power)


def rating_changes(
    sides: Sequence[RatedSide],
    ratings: Mapping[str, PlayerRating],
    rules: EloRules = EloRules(),
) -> list[RatingChange]:
    """Each member's change after a battle whose final ranks are given."""
    if len(sides) < 2:
        return []
    current = {
        player: ratings.get(player) or rules.new_player(player)
        for side in sides
        for player in side.members
    }
    side_ratings = [fmean(current[p].rating for p in side.members) for side in sides]
    side_ks = [fmean(rules.k_for(current[p]) for p in side.members) for side in sides]
    changes: list[RatingChange] = []
    for i, side in enumerate(sides):
        surprise = sum(
            _score(side.rank, other.rank)
            - expected_score(side_ratings[i], side_ratings[j], rules.scale)
            for j, other in enumerate(sides)
            if j != i
        )
        delta = side_ks[i] * surprise / (len(sides) - 1)
        for player in side.members:
            before = current[player].rating
            changes.append(RatingChange(player, before, before + delta, side_ks[i]))
    return changes


def apply_changes(
    changes: Sequence[RatingChange], ratings: Mapping[str, PlayerRating]
) -> list[PlayerRating]:
    updated = []
    for change in changes:
        battles = (
            ratings[change.player].rated_battles if change.player in ratings else 0
        )
        updated.append(PlayerRating(change.player, change.after, battles + 1))
    return updated


def _score(rank: int, other_rank: int) -> float:
    if rank < other_rank:
        return 1.0
    return 0.5 if rank == other_rank else 0.0
