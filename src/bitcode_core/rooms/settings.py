"""Room settings: the mode's presets and what a host may choose within them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bitcode_core.errors import InvalidInput
from bitcode_core.questions import Difficulty

MIN_TIME_LIMIT_S = 60
MAX_TIME_LIMIT_S = 3 * 60 * 60
MAX_QUESTIONS = 10
_LANGUAGE_KEY = re.compile(r"[a-z0-9][a-z0-9+#._-]{0,31}")


class Mode(StrEnum):
    DUEL = "duel"
    SQUADS = "squads"
    TEAMS = "teams"
    FREE_FOR_ALL = "free-for-all"

    @property
    def preset(self) -> ModePreset:
        return PRESETS[self]


@dataclass(frozen=True, slots=True)
class ModePreset:
    """How many sides and seats per side a mode allows, bounds included.

    ``min_sides`` of them must hold at least ``min_seats`` players to start;
    when ``every_side_plays`` all the room's sides must.
    """

    min_sides: int
    max_sides: int
    min_seats: int
    max_seats: int
    every_side_plays: bool = True


PRESETS: dict[Mode, ModePreset] = {
    Mode.DUEL: ModePreset(2, 2, 1, 1),
    Mode.SQUADS: ModePreset(2, 2, 2, 4),
    Mode.TEAMS: ModePreset(2, 4, 2, 5),
    # Each player is a side of one; the room's sides are its player cap.
    Mode.FREE_FOR_ALL: ModePreset(3, 8, 1, 1, every_side_plays=False),
}


@dataclass(frozen=True, slots=True)
class ChosenQuestions:
    ids: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, slots=True)
class RandomQuestions:
    count: int
    difficulty: Difficulty | None = None  # None: any difficulty
    tags: frozenset[str] = frozenset()


QuestionChoice = ChosenQuestions | RandomQuestions


@dataclass(frozen=True, slots=True)
class RoomSettings:
    mode: Mode
    sides: int
    seats_per_side: int
    questions: QuestionChoice
    languages: frozenset[str]  # keys of the language table; checked there
    time_limit_s: int
    rated: bool = False
    private: bool = False

    def __post_init__(self) -> None:
        _check_sizes(self.mode, self.sides, self.seats_per_side)
        _check_questions(self.questions)
        _check_languages(self.languages)
        if not MIN_TIME_LIMIT_S <= self.time_limit_s <= MAX_TIME_LIMIT_S:
            raise InvalidInput(
                f"the time limit must be {MIN_TIME_LIMIT_S} to "
                f"{MAX_TIME_LIMIT_S} seconds",
                field="time_limit_s",
            )

    @property
    def capacity(self) -> int:
        return self.sides * self.seats_per_side


def _check_sizes(mode: Mode, sides: int, seats: int) -> None:
    preset = mode.preset
    if not preset.min_sides <= sides <= preset.max_sides:
        raise InvalidInput(
            f"{mode} takes {preset.min_sides} to {preset.max_sides} sides",
            field="sides",
        )
    if not preset.min_seats <= seats <= preset.max_seats:
        raise InvalidInput(
            f"{mode} takes {preset.min_seats} to {preset.max_seats} players a side",
            field="seats_per_side",
        )


def _check_questions(choice: QuestionChoice) -> None:
    if not 1 <= choice.count <= MAX_QUESTIONS:
        raise InvalidInput(
            f"a battle takes 1 to {MAX_QUESTIONS} questions", field="questions"
        )
    if isinstance(choice, ChosenQuestions):
        if len(set(choice.ids)) != len(choice.ids) or not all(choice.ids):
            raise InvalidInput(
                "chosen questions must be distinct, non-empty ids",
                field="questions",
            )
    elif not all(tag.strip() for tag in choice.tags):
        raise InvalidInput("tags cannot be blank", field="questions")


def _check_languages(keys: frozenset[str]) -> None:
    if not keys:
        raise InvalidInput("allow at least one language", field="languages")
    bad = sorted(k for k in keys if not _LANGUAGE_KEY.fullmatch(k))
    if bad:
        raise InvalidInput(f"not language keys: {', '.join(bad)}", field="languages")
