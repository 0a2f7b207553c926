"""How a rated battle moves the ladder, and how the ladder is rebuilt.

Everything here is a pure function of what it is given, so replaying the
recorded battles in the order they were rated gives the stored ratings back,
to the last bit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from bitcode_core.elo import EloRules, RatedSide, rating_changes
from bitcode_core.errors import InvalidInput
from bitcode_core.ladder.model import (
    ALL_TIME,
    LadderChange,
    LadderKey,
    LadderRating,
    Outcome,
    Scope,
)
from bitcode_core.ports import PlayerRating
from bitcode_core.rooms.settings import Mode


@dataclass(frozen=True, slots=True)
class LadderRules:
    elo: EloRules = EloRules()
    # The share of the distance to the starting rating a new season takes
    # back: 0 keeps every rating, 1 starts everyone afresh.
    reset_share: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 <= self.reset_share <= 1.0:
            raise InvalidInput("the reset share is from 0 to 1", field="reset_share")

    def soft_reset(self, rating: float) -> float:
        start = self.elo.initial_rating
        return rating + (start - rating) * self.reset_share


@dataclass(frozen=True, slots=True)
class RatedBattle:
    """A battle as the ladder sees it: who ranked where, when, in which season."""

    battle_id: str
    mode: Mode
    sides: tuple[RatedSide, ...]
    at: float
    season: str
    previous_season: str | None  # the season before, for the soft reset

    @property
    def players(self) -> tuple[str, ...]:
        return tuple(p for side in self.sides for p in side.members)


@dataclass(frozen=True, slots=True)
class LadderUpdate:
    battle: RatedBattle  # what was rated: kept, so it can be rated again
    ratings: tuple[LadderRating, ...]
    changes: tuple[LadderChange, ...]


def ladders_of(battle: RatedBattle) -> tuple[tuple[str, Scope], ...]:
    """The four ladders a battle moves: (season, all time) x (mode, overall)."""
    scopes = (Scope.of(battle.mode), Scope.OVERALL)
    return tuple((season, s) for season in (battle.season, ALL_TIME) for s in scopes)


def keys_needed(battle: RatedBattle) -> tuple[LadderKey, ...]:
    """What ``rate`` reads: the players' ratings on the four ladders, and in
    the season before (a first battle of the season starts from there)."""
    keys = [
        LadderKey(season, scope, player)
        for season, scope in ladders_of(battle)
        for player in battle.players
    ]
    if battle.previous_season is not None:
        for scope in (Scope.of(battle.mode), Scope.OVERALL):
            keys += [
                LadderKey(battle.previous_season, scope, p) for p in battle.players
            ]
    return tuple(keys)


def rate(
    battle: RatedBattle,
    book: Mapping[LadderKey, LadderRating],
    rules: LadderRules,
) -> LadderUpdate:
    """The battle's effect on each of the four ladders, from ``book`` (the
    ratings as they stand; a missing one has not played there yet)."""
    ratings: list[LadderRating] = []
    changes: list[LadderChange] = []
    outcomes = _outcomes(battle.sides)
    for season, scope in ladders_of(battle):
        current = {
            p: book.get(LadderKey(season, scope, p))
            or _start(battle, LadderKey(season, scope, p), book, rules)
            for p in battle.players
        }
        seen = {
            p: PlayerRating(p, r.rating, r.rated_battles) for p, r in current.items()
        }
        for change in rating_changes(battle.sides, seen, rules.elo):
            outcome = outcomes[change.player]
            ratings.append(
                _moved(current[change.player], change.after, outcome, battle)
            )
            changes.append(
                LadderChange(
                    battle.battle_id,
                    change.player,
                    season,
                    scope,
                    change.before,
                    change.after,
                    change.k,
                    battle.at,
                    outcome,
                )
            )
    return LadderUpdate(battle, tuple(ratings), tuple(changes))


def rebuild(
    battles: Iterable[RatedBattle], rules: LadderRules
) -> dict[LadderKey, LadderRating]:
    """Every rating, from the rated battles in the order they were rated."""
    book: dict[LadderKey, LadderRating] = {}
    for battle in battles:
        for rating in rate(battle, book, rules).ratings:
            book[rating.key] = rating
    return book


def _start(
    battle: RatedBattle,
    key: LadderKey,
    book: Mapping[LadderKey, LadderRating],
    rules: LadderRules,
) -> LadderRating:
    start = rules.elo.initial_rating
    if key.season != ALL_TIME and battle.previous_season is not None:
        before = book.get(LadderKey(battle.previous_season, key.scope, key.player))
        if before is not None:
            start = rules.soft_reset(before.rating)
    return LadderRating(key.season, key.scope, key.player, start, best=start)


def _moved(
    rating: LadderRating, after: float, outcome: Outcome, battle: RatedBattle
) -> LadderRating:
    won, lost, drew = (outcome is o for o in (Outcome.WIN, Outcome.LOSS, Outcome.DRAW))
    if won:
        streak = rating.streak + 1 if rating.streak > 0 else 1
    elif lost:
        streak = rating.streak - 1 if rating.streak < 0 else -1
    else:
        streak = 0
    return replace(
        rating,
        rating=after,
        rated_battles=rating.rated_battles + 1,
        best=max(rating.best, after),
        wins=rating.wins + won,
        losses=rating.losses + lost,
        draws=rating.draws + drew,
        streak=streak,
        last_at=battle.at,
    )


def _outcomes(sides: Sequence[RatedSide]) -> dict[str, Outcome]:
    firsts = sum(1 for side in sides if side.rank == 1)
    outcomes = {}
    for side in sides:
        if side.rank != 1:
            outcome = Outcome.LOSS
        else:
            outcome = Outcome.WIN if firsts == 1 else Outcome.DRAW
        for player in side.members:
            outcomes[player] = outcome
    return outcomes
