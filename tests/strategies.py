"""Shared hypothesis strategies for BitCode's rules."""

from __future__ import annotations

from hypothesis import strategies as st

from bitcode_core.ports import PlayerRating

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
