"""Shared hypothesis strategies for BitCode's rules."""

from __future__ import annotations

from hypothesis import strategies as st

from bitcode_core.arena.model import (
    BattleSide,
    BattleStatus,
    BattleSubmission,
    LiveBattle,
    QuestionRef,
    SubmissionStatus,
)
from bitcode_core.elo import RatedSide
from bitcode_core.ladder.rules import RatedBattle
from bitcode_core.ports import PlayerRating
from bitcode_core.rooms.model import (
    ChosenQuestions,
    Mode,
    RandomQuestions,
    RoomSettings,
)
from bitcode_core.verdicts import TestOutcome, Verdict

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


# Live battles as the arena stores them, and what happened in them. Times are
# whole seconds for submissions and half seconds for forfeits, so that a
# submission and a forfeit never share an instant (their order then is a
# choice of the replay, not a rule of the battle).

BATTLE_START = 1_000.0
BATTLE_LENGTH = 600.0
BATTLE_TESTS = 3

battle_shapes = st.sampled_from(
    [(Mode.DUEL, 2, 1), (Mode.SQUADS, 2, 2), (Mode.FREE_FOR_ALL, 3, 1)]
)
verdicts = st.sampled_from(Verdict)
fair_verdicts = st.sampled_from([v for v in Verdict if v is not Verdict.INTERNAL_ERROR])


def live_battle(
    mode: Mode,
    side_count: int,
    seats: int,
    questions: tuple[str, ...] = ("q1",),
    rated: bool = False,
) -> LiveBattle:
    """A running battle of players ``sIpJ`` (side I, seat J)."""
    sides = tuple(
        BattleSide(i, tuple(f"s{i}p{j}" for j in range(seats)))
        for i in range(side_count)
    )
    settings = RoomSettings(
        mode=mode,
        sides=side_count,
        seats_per_side=seats,
        questions=ChosenQuestions(questions),
        languages=frozenset({"python3"}),
        time_limit_s=int(BATTLE_LENGTH),
        rated=rated,
    )
    return LiveBattle(
        id="battle",
        room_id="room",
        settings=settings,
        sides=sides,
        questions=tuple(QuestionRef(q, 1) for q in questions),
        names={},
        created_at=BATTLE_START - 5,
        starts_at=BATTLE_START,
        ends_at=BATTLE_START + BATTLE_LENGTH,
        status=BattleStatus.RUNNING,
    )


@st.composite
def live_battles(draw: st.DrawFn, rated: bool | None = None) -> LiveBattle:
    mode, side_count, seats = draw(battle_shapes)
    questions = ("q1", "q2", "q3")[: draw(st.integers(1, 3))]
    return live_battle(
        mode,
        side_count,
        seats,
        questions,
        rated=draw(st.booleans()) if rated is None else rated,
    )


def judged(
    battle: LiveBattle,
    player: str,
    question: str,
    verdict: Verdict,
    at: float,
    *,
    index: int = 0,
    passed: int | None = None,
) -> BattleSubmission:
    """A judged submission with ``passed`` of the question's tests passed:
    all of them when accepted, none when it did not compile or unless told."""
    if verdict is Verdict.ACCEPTED:
        passed = BATTLE_TESTS
    elif verdict is Verdict.COMPILATION_ERROR or passed is None:
        passed = 0
    outcomes = tuple(
        TestOutcome(str(n), Verdict.ACCEPTED if n < passed else verdict, 0.1, 100)
        for n in range(BATTLE_TESTS)
    )
    return BattleSubmission(
        id=f"sub{index}",
        battle_id=battle.id,
        player=player,
        question_id=question,
        language="python3",
        source=b"code",
        submitted_at=at,
        status=SubmissionStatus.JUDGED,
        verdict=verdict,
        tests=outcomes,
        tests_total=BATTLE_TESTS,
    )


@st.composite
def battle_histories(
    draw: st.DrawFn,
    rated: bool | None = None,
    verdict: st.SearchStrategy[Verdict] = verdicts,
) -> tuple[LiveBattle, list[BattleSubmission]]:
    """A battle with its forfeits, and its judged submissions in the order
    they were accepted (which is the order of their times)."""
    battle = draw(live_battles(rated))
    players = battle.players
    moments = st.integers(-5, int(BATTLE_LENGTH) + 10).map(lambda s: BATTLE_START + s)
    picks = draw(
        st.lists(
            st.tuples(
                st.sampled_from(players),
                st.sampled_from(battle.question_ids),
                verdict,
                st.integers(0, BATTLE_TESTS - 1),
                moments,
            ),
            max_size=25,
        )
    )
    picks.sort(key=lambda pick: pick[4])
    submissions = [
        judged(battle, player, question, v, at, index=i, passed=p)
        for i, (player, question, v, p, at) in enumerate(picks)
    ]
    leaving = draw(st.lists(st.sampled_from(players), unique=True))
    # Forfeits at distinct instants: the order of simultaneous ones is
    # tested on its own.
    seconds = st.integers(0, int(BATTLE_LENGTH) - 1)
    times = draw(
        st.lists(seconds, min_size=len(leaving), max_size=len(leaving), unique=True)
    )
    for player, at in zip(leaving, sorted(times), strict=True):
        battle = battle.with_forfeit(player, BATTLE_START + at + 0.5)
    return battle, submissions


# Arrivals at a fair queue and completions of the jobs it runs: ("arrive",
# player) queues one more job; ("finish", n) ends the n-th running job (mod
# how many run).
queue_actions = st.lists(
    st.one_of(
        st.tuples(st.just("arrive"), st.sampled_from(["ann", "ben", "cat", "dan"])),
        st.tuples(st.just("finish"), st.integers(0, 7)),
    ),
    max_size=40,
)


# Rated battles as the ladder records them: 2 to 4 sides of one or two
# players from a small pool (so players meet again), ranks from random scores
# (ties included), times rising, across one to three seasons "s1".."s3".

LADDER_PLAYERS = tuple(f"p{n}" for n in range(8))


@st.composite
def rated_sides(draw: st.DrawFn) -> tuple[RatedSide, ...]:
    count = draw(st.integers(2, 4))
    seats = draw(st.integers(1, 2))
    players = draw(
        st.lists(
            st.sampled_from(LADDER_PLAYERS),
            min_size=count * seats,
            max_size=count * seats,
            unique=True,
        )
    )
    scores = draw(st.lists(st.integers(0, 2), min_size=count, max_size=count))
    return tuple(
        RatedSide(
            tuple(players[i * seats : (i + 1) * seats]),
            1 + sum(1 for other in scores if other > score),
        )
        for i, score in enumerate(scores)
    )


@st.composite
def rated_battle_histories(draw: st.DrawFn) -> list[RatedBattle]:
    count = draw(st.integers(1, 15))
    last = draw(st.integers(1, 3))
    numbers = sorted(
        draw(st.lists(st.integers(1, last), min_size=count, max_size=count))
    )
    battles: list[RatedBattle] = []
    at = 0.0
    for index, number in enumerate(numbers):
        at += draw(st.integers(1, 10_000))
        battles.append(
            RatedBattle(
                f"b{index}",
                draw(st.sampled_from(Mode)),
                draw(rated_sides()),
                at,
                f"s{number}",
                f"s{number - 1}" if number > 1 else None,
            )
        )
    return battles
