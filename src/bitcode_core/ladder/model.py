"""The ladder: ratings kept per season and for all time, per mode and overall.

A rated battle moves four ratings of each player: the current season's in the
battle's mode and overall, and the all-time ones. A season's rating starts
from a soft reset of the player's rating in the season before (pulled part of
the way back to the starting rating); the all-time ratings never reset.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bitcode_core.errors import InvalidInput
from bitcode_core.rooms.settings import Mode

ALL_TIME = "all-time"  # the season id of the ratings that never reset


class Scope(StrEnum):
    OVERALL = "overall"
    DUEL = "duel"
    SQUADS = "squads"
    TEAMS = "teams"
    FREE_FOR_ALL = "free-for-all"

    @classmethod
    def of(cls, mode: Mode) -> Scope:
        return cls(mode.value)


class Outcome(StrEnum):
    WIN = "win"  # first place alone
    DRAW = "draw"  # first place shared
    LOSS = "loss"


@dataclass(frozen=True, slots=True)
class Season:
    id: str
    number: int  # 1, 2, ...: seasons follow one another without gaps
    name: str
    starts_at: float
    ends_at: float

    def contains(self, at: float) -> bool:
        return self.starts_at <= at < self.ends_at


@dataclass(frozen=True, slots=True)
class LadderKey:
    season: str  # a season's id, or ALL_TIME
    scope: Scope
    player: str


@dataclass(frozen=True, slots=True)
class LadderRating:
    """One player's standing on one ladder, with what their stats need."""

    season: str
    scope: Scope
    player: str
    rating: float
    rated_battles: int = 0
    best: float = 0.0
    wins: int = 0
    losses: int = 0
    draws: int = 0
    streak: int = 0  # +n: n wins in a row; -n: n losses; 0 after a draw
    last_at: float = 0.0

    @property
    def key(self) -> LadderKey:
        return LadderKey(self.season, self.scope, self.player)


@dataclass(frozen=True, slots=True)
class LadderChange:
    """A rating change as recorded: enough to rebuild every rating."""

    battle_id: str
    player: str
    season: str
    scope: Scope
    before: float
    after: float
    k: float
    at: float
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    floor: float  # the lowest rating in the band


@dataclass(frozen=True, slots=True)
class Tiers:
    """Named rating bands, lowest first; the first band has no floor."""

    bands: tuple[Tier, ...]

    def __post_init__(self) -> None:
        if not self.bands:
            raise InvalidInput("at least one tier is needed", field="tiers")
        floors = [t.floor for t in self.bands]
        if floors != sorted(floors) or len(set(floors)) != len(floors):
            raise InvalidInput("tier floors must rise", field="tiers")

    @classmethod
    def parse(cls, text: str) -> Tiers:
        """``Bronze:0,Silver:1400,...``: each band's name and floor."""
        bands = []
        for part in text.split(","):
            name, _, floor = part.strip().rpartition(":")
            try:
                bands.append(Tier(name.strip(), float(floor)))
            except ValueError:
                raise InvalidInput(
                    f"not a tier (name:floor): {part.strip()!r}", field="tiers"
                ) from None
            if not name.strip():
                raise InvalidInput("a tier needs a name", field="tiers")
        return cls(tuple(bands))

    def of(self, rating: float) -> Tier:
        chosen = self.bands[0]
        for tier in self.bands:
            if rating >= tier.floor:
                chosen = tier
        return chosen


DEFAULT_TIERS = Tiers(
    (
        Tier("Bronze", 0.0),
        Tier("Silver", 1400.0),
        Tier("Gold", 1600.0),
        Tier("Platinum", 1800.0),
        Tier("Diamond", 2000.0),
        Tier("Master", 2200.0),
        Tier("Grandmaster", 2400.0),
    )
)


@dataclass(frozen=True, slots=True)
class Board:
    """One leaderboard: a season (or all time), a scope, perhaps a country."""

    season: str
    scope: Scope
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Ranked:
    """A row of a leaderboard. Ties share a rank: a player's rank is one more
    than the number of players rated strictly higher; players of one rating
    are listed by id."""

    rank: int
    player: str
    rating: float
    rated_battles: int
