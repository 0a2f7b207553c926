"""The cursor of a player's battle history, the same for every store: the
last battle's end time (as ``repr`` writes it, so it reads back exactly) and
its id."""

from __future__ import annotations

import math

from bitcode_core.arena.model import LiveBattle
from bitcode_core.errors import InvalidInput


def history_key(battle: LiveBattle) -> tuple[float, str]:
    assert battle.result is not None  # noqa: S101 - only finished battles
    return (battle.result.ended_at, battle.id)


def history_cursor(battle: LiveBattle) -> str:
    ended_at, battle_id = history_key(battle)
    return f"{ended_at!r}_{battle_id}"


def parse_history_cursor(cursor: str | None) -> tuple[float, str] | None:
    if cursor is None:
        return None
    at, _, battle_id = cursor.partition("_")
    try:
        ended_at = float(at)
    except ValueError:
        raise InvalidInput("not a cursor from this list", field="cursor") from None
    if not battle_id.isalnum() or not math.isfinite(ended_at):
        raise InvalidInput("not a cursor from this list", field="cursor")
    return ended_at, battle_id
