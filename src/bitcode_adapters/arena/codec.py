"""The parts of a battle and a submission that are stored as JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from bitcode_adapters.ladder.codec import ChangeRecord
from bitcode_core.arena.model import (
    BattleResult,
    BattleSide,
    Forfeit,
    QuestionRef,
    SideStanding,
)
from bitcode_core.battles import EndReason
from bitcode_core.elo import RatingChange
from bitcode_core.verdicts import TestOutcome, Verdict

_encoder = msgspec.json.Encoder()


class _Side(msgspec.Struct, frozen=True):
    index: int
    members: list[str]


class _Question(msgspec.Struct, frozen=True):
    id: str
    version: int


class _Forfeit(msgspec.Struct, frozen=True):
    player: str
    at: float


class _Standing(msgspec.Struct, frozen=True):
    side: int
    rank: int
    solved: int
    penalty_s: float
    partial: float
    left: bool


class _Change(msgspec.Struct, frozen=True):
    player: str
    before: float
    after: float
    k: float


class _Result(msgspec.Struct, frozen=True):
    reason: str
    ended_at: float
    standings: list[_Standing]
    rating_changes: list[_Change]
    voided: bool
    # Absent from results stored before the ladder: no season, no changes.
    season: str | None = None
    ladder: list[ChangeRecord] = msgspec.field(default_factory=list)


class _Test(msgspec.Struct, frozen=True):
    test: str
    verdict: str
    time_s: float
    memory_kib: int
    sample: bool
    message: str


def _text(value: object) -> str:
    return _encoder.encode(value).decode()


def encode_sides(sides: Sequence[BattleSide]) -> str:
    return _text([_Side(s.index, list(s.members)) for s in sides])


def decode_sides(data: str) -> tuple[BattleSide, ...]:
    records = msgspec.json.decode(data, type=list[_Side])
    return tuple(BattleSide(r.index, tuple(r.members)) for r in records)


def encode_questions(questions: Sequence[QuestionRef]) -> str:
    return _text([_Question(q.id, q.version) for q in questions])


def decode_questions(data: str) -> tuple[QuestionRef, ...]:
    records = msgspec.json.decode(data, type=list[_Question])
    return tuple(QuestionRef(r.id, r.version) for r in records)


def encode_names(names: Mapping[str, str]) -> str:
    return _text(dict(names))


def decode_names(data: str) -> dict[str, str]:
    return msgspec.json.decode(data, type=dict[str, str])


def encode_forfeits(forfeits: Sequence[Forfeit]) -> str:
    return _text([_Forfeit(f.player, f.at) for f in forfeits])


def decode_forfeits(data: str) -> tuple[Forfeit, ...]:
    records = msgspec.json.decode(data, type=list[_Forfeit])
    return tuple(Forfeit(r.player, r.at) for r in records)


def encode_votes(votes: frozenset[str]) -> str:
    return _text(sorted(votes))


def decode_votes(data: str) -> frozenset[str]:
    return frozenset(msgspec.json.decode(data, type=list[str]))


def encode_result(result: BattleResult) -> str:
    return _text(
        _Result(
            reason=result.reason.value,
            ended_at=result.ended_at,
            standings=[
                _Standing(s.side, s.rank, s.solved, s.penalty_s, s.partial, s.left)
                for s in result.standings
            ],
            rating_changes=[
                _Change(c.player, c.before, c.after, c.k) for c in result.rating_changes
            ],
            voided=result.voided,
            season=result.season,
            ladder=[ChangeRecord.of(c) for c in result.ladder],
        )
    )


def decode_result(data: str) -> BattleResult:
    record = msgspec.json.decode(data, type=_Result)
    return BattleResult(
        reason=EndReason(record.reason),
        ended_at=record.ended_at,
        standings=tuple(
            SideStanding(s.side, s.rank, s.solved, s.penalty_s, s.partial, s.left)
            for s in record.standings
        ),
        rating_changes=tuple(
            RatingChange(c.player, c.before, c.after, c.k)
            for c in record.rating_changes
        ),
        voided=record.voided,
        season=record.season,
        ladder=tuple(c.change() for c in record.ladder),
    )


def encode_tests(tests: Sequence[TestOutcome]) -> str:
    return _text(
        [
            _Test(t.test, t.verdict.value, t.time_s, t.memory_kib, t.sample, t.message)
            for t in tests
        ]
    )


def decode_tests(data: str) -> tuple[TestOutcome, ...]:
    records = msgspec.json.decode(data, type=list[_Test])
    return tuple(
        TestOutcome(
            r.test, Verdict(r.verdict), r.time_s, r.memory_kib, r.sample, r.message
        )
        for r in records
    )
