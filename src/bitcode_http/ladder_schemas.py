"""Seasons, leaderboards and player stats at the edge."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

from bitcode_core.ladder.ladder import BoardPage, PlayerStats
from bitcode_core.ladder.model import LadderChange, Ranked, Season, Tiers
from bitcode_core.ladder.seasons import LATEST_END

SeasonName = Annotated[str, Meta(min_length=1, max_length=64)]
Timestamp = Annotated[float, Meta(ge=0, le=LATEST_END)]


class SeasonOut(msgspec.Struct, kw_only=True):
    id: str
    number: int
    name: str
    starts_at: float
    ends_at: float
    current: bool

    @classmethod
    def of(cls, season: Season, current: Season) -> SeasonOut:
        return cls(
            id=season.id,
            number=season.number,
            name=season.name,
            starts_at=season.starts_at,
            ends_at=season.ends_at,
            current=season.id == current.id,
        )


class SeasonList(msgspec.Struct, kw_only=True):
    seasons: list[SeasonOut]


class ScheduleSeason(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: SeasonName
    ends_at: Timestamp
    # Only for the very first season; later ones start when the last ends.
    starts_at: Timestamp | None = None


class ChangeSeason(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: SeasonName | None = None
    ends_at: Timestamp | None = None


class RankedOut(msgspec.Struct, kw_only=True):
    rank: int
    player: str
    name: str | None
    rating: float
    shown_rating: int
    tier: str
    rated_battles: int

    @classmethod
    def of(cls, row: Ranked, tiers: Tiers, names: dict[str, str]) -> RankedOut:
        return cls(
            rank=row.rank,
            player=row.player,
            name=names.get(row.player),
            rating=row.rating,
            shown_rating=round(row.rating),
            tier=tiers.of(row.rating).name,
            rated_battles=row.rated_battles,
        )


class BoardOut(msgspec.Struct, kw_only=True):
    season: str
    scope: str
    country: str | None
    total: int
    rows: list[RankedOut]
    next_cursor: str | None

    @classmethod
    def of(
        cls,
        page: BoardPage,
        *,
        season: str,
        scope: str,
        country: str | None,
        tiers: Tiers,
        names: dict[str, str],
    ) -> BoardOut:
        return cls(
            season=season,
            scope=scope,
            country=country,
            total=page.total,
            rows=[RankedOut.of(r, tiers, names) for r in page.rows],
            next_cursor=page.next_cursor,
        )


class AroundOut(msgspec.Struct, kw_only=True):
    season: str
    scope: str
    country: str | None
    rows: list[RankedOut]


class StatsOut(msgspec.Struct, kw_only=True):
    player: str
    season: str
    scope: str
    battles: int
    wins: int
    losses: int
    draws: int
    win_rate: float | None
    rating: float | None
    shown_rating: int | None
    best_rating: float | None
    tier: str | None
    streak: int  # +n: n wins in a row, -n: n losses, 0 after a draw
    favourite_language: str | None
    solved_questions: int

    @classmethod
    def of(cls, player: str, season: str, scope: str, stats: PlayerStats) -> StatsOut:
        rating = stats.rating
        return cls(
            player=player,
            season=season,
            scope=scope,
            battles=stats.battles,
            wins=rating.wins if rating else 0,
            losses=rating.losses if rating else 0,
            draws=rating.draws if rating else 0,
            win_rate=stats.win_rate,
            rating=rating.rating if rating else None,
            shown_rating=round(rating.rating) if rating else None,
            best_rating=rating.best if rating else None,
            tier=stats.tier.name if stats.tier else None,
            streak=rating.streak if rating else 0,
            favourite_language=stats.played.favourite_language,
            solved_questions=stats.played.solved_questions,
        )


class RatingPoint(msgspec.Struct, kw_only=True):
    at: float
    battle: str
    before: float
    rating: float
    delta: float
    k: float
    outcome: str


class RatingHistory(msgspec.Struct, kw_only=True):
    player: str
    season: str
    scope: str
    points: list[RatingPoint]

    @classmethod
    def of(
        cls, player: str, season: str, scope: str, changes: list[LadderChange]
    ) -> RatingHistory:
        return cls(
            player=player,
            season=season,
            scope=scope,
            points=[
                RatingPoint(
                    at=c.at,
                    battle=c.battle_id,
                    before=c.before,
                    rating=c.after,
                    delta=c.after - c.before,
                    k=c.k,
                    outcome=c.outcome.value,
                )
                for c in changes
            ],
        )
