"""The ladder's records as they are stored in JSON: a rated battle whole, and
the ladder changes a battle's result lists."""

from __future__ import annotations

import msgspec

from bitcode_core.elo import RatedSide
from bitcode_core.ladder.model import LadderChange, Outcome, Scope
from bitcode_core.ladder.rules import RatedBattle
from bitcode_core.rooms.settings import Mode

_encoder = msgspec.json.Encoder()


class ChangeRecord(msgspec.Struct, frozen=True):
    battle_id: str
    player: str
    season: str
    scope: str
    before: float
    after: float
    k: float
    at: float
    outcome: str

    @classmethod
    def of(cls, change: LadderChange) -> ChangeRecord:
        return cls(
            change.battle_id,
            change.player,
            change.season,
            change.scope.value,
            change.before,
            change.after,
            change.k,
            change.at,
            change.outcome.value,
        )

    def change(self) -> LadderChange:
        return LadderChange(
            self.battle_id,
            self.player,
            self.season,
            Scope(self.scope),
            self.before,
            self.after,
            self.k,
            self.at,
            Outcome(self.outcome),
        )


class _Side(msgspec.Struct, frozen=True):
    members: list[str]
    rank: int


class _RatedBattle(msgspec.Struct, frozen=True):
    battle_id: str
    mode: str
    sides: list[_Side]
    at: float
    season: str
    previous_season: str | None


def encode_rated_battle(battle: RatedBattle) -> str:
    record = _RatedBattle(
        battle.battle_id,
        battle.mode.value,
        [_Side(list(s.members), s.rank) for s in battle.sides],
        battle.at,
        battle.season,
        battle.previous_season,
    )
    return _encoder.encode(record).decode()


def decode_rated_battle(data: str) -> RatedBattle:
    record = msgspec.json.decode(data, type=_RatedBattle)
    return RatedBattle(
        record.battle_id,
        Mode(record.mode),
        tuple(RatedSide(tuple(s.members), s.rank) for s in record.sides),
        record.at,
        record.season,
        record.previous_season,
    )
