"""Quick match: pair queued players of close rating, more loosely the longer
they wait.

A ticket accepts opponents within its band of its own rating; the band starts
narrow and widens with waiting time up to a cap. Oldest tickets are served
first: each in turn is grouped with the closest-rated tickets that fall within
the wider band of the two, so a long wait is never held back by a newcomer's
narrow band.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bitcode_core.rooms.ports import MatchTicket
from bitcode_core.rooms.settings import Mode


@dataclass(frozen=True, slots=True)
class MatchShape:
    sides: int
    seats_per_side: int

    @property
    def players(self) -> int:
        return self.sides * self.seats_per_side


# What a quick match of each mode seats.
QUICK_MATCH_SHAPES: dict[Mode, MatchShape] = {
    Mode.DUEL: MatchShape(2, 1),
    Mode.SQUADS: MatchShape(2, 2),
    Mode.TEAMS: MatchShape(2, 3),
    Mode.FREE_FOR_ALL: MatchShape(4, 1),
}


@dataclass(frozen=True, slots=True)
class MatchRules:
    start_band: float = 100.0  # rating points either side, at once
    widen_per_s: float = 10.0
    max_band: float = 1000.0

    def band(self, waited_s: float) -> float:
        return min(
            self.start_band + self.widen_per_s * max(waited_s, 0.0), self.max_band
        )


def find_matches(
    tickets: Sequence[MatchTicket], size: int, now: float, rules: MatchRules
) -> list[list[MatchTicket]]:
    """Groups of ``size`` tickets to seat together; each ticket in one at most."""
    waiting = sorted(tickets, key=lambda t: (t.since, t.player))
    taken: set[str] = set()
    groups: list[list[MatchTicket]] = []
    for anchor in waiting:
        if anchor.player in taken:
            continue
        band = rules.band(now - anchor.since)
        near = [
            t
            for t in waiting
            if t.player not in taken
            and t.player != anchor.player
            and abs(t.rating - anchor.rating) <= max(band, rules.band(now - t.since))
        ]
        if len(near) < size - 1:
            continue
        near.sort(key=lambda t: (abs(t.rating - anchor.rating), t.since, t.player))
        group = [anchor, *near[: size - 1]]
        taken.update(t.player for t in group)
        groups.append(group)
    return groups


def balanced_sides(group: Sequence[MatchTicket], sides: int) -> list[list[str]]:
    """Players dealt to sides in snake order of rating (1-2-2-1 ...), which keeps
    the sides' mean ratings close."""
    ranked = sorted(group, key=lambda t: (-t.rating, t.player))
    dealt: list[list[str]] = [[] for _ in range(sides)]
    for index, ticket in enumerate(ranked):
        lap, place = divmod(index, sides)
        side = place if lap % 2 == 0 else sides - 1 - place
        dealt[side].append(ticket.player)
    return dealt
