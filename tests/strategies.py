"""Shared hypothesis strategies for BitCode's rules."""

from __future__ import annotations

from hypothesis import strategies as st

from bitcode_core.ports import PlayerRating
from bitcode_core.rooms.model import Mode, RandomQuestions, RoomSettings

ratings = st.floats(min_value=100.0, max_value=3500.0, allow_nan=False)
battle_counts = st.integers(min_value=0, max_value=200)

tokens = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12
)
whitespace = st.text(alphabet=" \t\n\r", min_size=1, max_size=4)


@st.composite
def player_ratings(draw: st.DrawFn, player: str) -> PlayerRating:
    return PlayerRating(player, draw(ratings), draw(battle_counts))


@st.composite
def spaced(draw: st.DrawFn, words: list[str]) -> bytes:
    """The words joined by arbitrary runs of whitespace, with optional ends."""
    parts = [draw(st.sampled_from(["", " ", "\n"]))]
    for index, word in enumerate(words):
        if index:
            parts.append(draw(whitespace))
        parts.append(word)
    parts.append(draw(st.sampled_from(["", "\n", " \n"])))
    return "".join(parts).encode()


players = st.sampled_from([f"p{n}" for n in range(10)])


@st.composite
def room_settings(draw: st.DrawFn) -> RoomSettings:
    mode = draw(st.sampled_from(Mode))
    preset = mode.preset
    return RoomSettings(
        mode=mode,
        sides=draw(st.integers(preset.min_sides, preset.max_sides)),
        seats_per_side=draw(st.integers(preset.min_seats, preset.max_seats)),
        questions=RandomQuestions(count=draw(st.integers(1, 3))),
        languages=frozenset({"python"}),
        time_limit_s=600,
    )


sides = st.integers(min_value=-1, max_value=8)
room_actions = st.one_of(
    st.tuples(st.just("join"), players, st.none() | sides),
    st.tuples(st.just("leave"), players),
    st.tuples(st.just("switch_side"), players, sides),
    st.tuples(st.just("set_ready"), players, st.booleans()),
    st.tuples(st.just("kick"), players),
    st.tuples(st.just("hand_over"), players),
)
