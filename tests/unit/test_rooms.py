from __future__ import annotations

import contextlib
import copy

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from bitcode_core.errors import (
    BitCodeError,
    Conflict,
    InvalidInput,
    PermissionDenied,
    RoomRuleViolation,
)
from bitcode_core.questions import Difficulty
from bitcode_core.rooms.events import (
    BattleStarting,
    HostChanged,
    PlayerJoined,
    PlayerKicked,
    PlayerLeft,
    ReadinessChanged,
    RoomClosed,
    RoomReopened,
    SettingsChanged,
    SideSwitched,
)
from bitcode_core.rooms.model import (
    ChosenQuestions,
    Mode,
    RandomQuestions,
    Room,
    RoomSettings,
    RoomStatus,
)
from tests.strategies import room_actions, room_settings


def settings(mode=Mode.DUEL, sides=2, seats=1, **changes):
    values = {
        "mode": mode,
        "sides": sides,
        "seats_per_side": seats,
        "questions": ChosenQuestions(("q1",)),
        "languages": frozenset({"python", "cpp"}),
        "time_limit_s": 900,
    }
    return RoomSettings(**(values | changes))


def room(*players, mode=Mode.DUEL, sides=2, seats=1, **changes):
    new = Room.open("r1", "CODE42", "host", settings(mode, sides, seats, **changes))
    for player in players:
        new.join(player, invite_code="CODE42")
    return new


def all_ready(new):
    for player in new.players:
        new.set_ready(player, True)
    return new


class TestSettings:
    @pytest.mark.parametrize(
        ("mode", "sides", "seats"),
        [
            pytest.param(Mode.DUEL, 2, 1, id="duel"),
            pytest.param(Mode.SQUADS, 2, 4, id="squads-of-four"),
            pytest.param(Mode.TEAMS, 4, 5, id="four-teams-of-five"),
            pytest.param(Mode.FREE_FOR_ALL, 8, 1, id="free-for-all-of-eight"),
        ],
    )
    def test_sizes_within_the_mode_preset_are_accepted(self, mode, sides, seats):
        assert settings(mode, sides, seats).capacity == sides * seats

    @pytest.mark.parametrize(
        ("mode", "sides", "seats", "field"),
        [
            pytest.param(Mode.DUEL, 3, 1, "sides", id="duel-of-three"),
            pytest.param(Mode.DUEL, 2, 2, "seats_per_side", id="duel-of-pairs"),
            pytest.param(Mode.SQUADS, 2, 5, "seats_per_side", id="squad-of-five"),
            pytest.param(Mode.SQUADS, 3, 2, "sides", id="three-squads"),
            pytest.param(Mode.TEAMS, 5, 2, "sides", id="five-teams"),
            pytest.param(Mode.TEAMS, 2, 1, "seats_per_side", id="team-of-one"),
            pytest.param(Mode.FREE_FOR_ALL, 2, 1, "sides", id="ffa-of-two"),
            pytest.param(Mode.FREE_FOR_ALL, 9, 1, "sides", id="ffa-of-nine"),
        ],
    )
    def test_sizes_outside_the_preset_name_the_field(self, mode, sides, seats, field):
        with pytest.raises(InvalidInput) as refused:
            settings(mode, sides, seats)

        assert refused.value.field == field

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            pytest.param({"time_limit_s": 59}, "time_limit_s", id="too-short"),
            pytest.param({"time_limit_s": 10_801}, "time_limit_s", id="too-long"),
            pytest.param({"languages": frozenset()}, "languages", id="no-language"),
            pytest.param(
                {"languages": frozenset({"Py thon"})}, "languages", id="bad-key"
            ),
            pytest.param(
                {"questions": ChosenQuestions(())}, "questions", id="no-question"
            ),
            pytest.param(
                {"questions": ChosenQuestions(("q1", "q1"))},
                "questions",
                id="repeated-question",
            ),
            pytest.param(
                {"questions": RandomQuestions(count=11)},
                "questions",
                id="too-many-random",
            ),
            pytest.param(
                {"questions": RandomQuestions(1, tags=frozenset({" "}))},
                "questions",
                id="blank-tag",
            ),
        ],
    )
    def test_invalid_choices_name_the_field(self, changes, field):
        with pytest.raises(InvalidInput) as refused:
            settings(**changes)

        assert refused.value.field == field

    def test_random_questions_by_difficulty_and_tags_are_accepted(self):
        choice = RandomQuestions(3, Difficulty.HARD, frozenset({"graphs"}))

        assert settings(questions=choice).questions.count == 3


class TestJoin:
    def test_a_new_room_seats_its_host_on_the_first_side(self):
        new = room()

        assert (new.seats, new.host, new.status) == (
            (("host",), ()),
            "host",
            RoomStatus.OPEN,
        )

    def test_a_player_without_a_side_is_balanced_onto_the_emptiest(self):
        new = room("ann", mode=Mode.TEAMS, sides=3, seats=2)

        events = new.join("bob")

        assert events == [PlayerJoined("r1", "bob", 2)]
        assert new.seats == (("host",), ("ann",), ("bob",))

    def test_a_player_may_pick_a_side_with_a_free_seat(self):
        new = room(mode=Mode.SQUADS, sides=2, seats=2)

        new.join("ann", side=0)

        assert new.seats == (("host", "ann"), ())

    @pytest.mark.parametrize(
        ("side", "error"),
        [
            pytest.param(0, RoomRuleViolation, id="full-side"),
            pytest.param(2, InvalidInput, id="no-such-side"),
            pytest.param(-1, InvalidInput, id="negative-side"),
        ],
    )
    def test_a_full_or_missing_side_is_refused(self, side, error):
        with pytest.raises(error):
            room().join("ann", side=side)

    def test_a_full_room_is_refused(self):
        with pytest.raises(RoomRuleViolation, match="room is full"):
            room("ann").join("bob")

    def test_joining_twice_is_a_conflict(self):
        with pytest.raises(Conflict):
            room("ann", mode=Mode.TEAMS, sides=2, seats=2).join("ann")

    @pytest.mark.parametrize(
        "code",
        [pytest.param(None, id="no-code"), pytest.param("WRONG", id="wrong-code")],
    )
    def test_a_private_room_needs_its_invite_code(self, code):
        private = room(private=True)

        with pytest.raises(PermissionDenied):
            private.join("ann", invite_code=code)

    def test_a_private_room_admits_the_right_invite_code(self):
        private = room(private=True)

        assert private.join("ann", invite_code="CODE42")


class TestLeave:
    def test_a_leaving_host_hands_over_to_the_longest_present(self):
        new = room("ann", "bob", mode=Mode.TEAMS, sides=2, seats=2)

        events = new.leave("host")

        assert events == [PlayerLeft("r1", "host"), HostChanged("r1", "ann")]
        assert new.host == "ann"

    def test_the_last_player_leaving_closes_the_room(self):
        new = room()

        events = new.leave("host")

        assert events == [PlayerLeft("r1", "host"), RoomClosed("r1")]
        assert new.status is RoomStatus.CLOSED

    def test_a_stranger_cannot_leave(self):
        with pytest.raises(RoomRuleViolation):
            room().leave("zed")

    def test_a_closed_room_refuses_everyone(self):
        new = room()
        new.leave("host")

        with pytest.raises(RoomRuleViolation, match="closed"):
            new.join("ann")


class TestSwitchSide:
    def test_switching_moves_the_player_and_unreadies_them(self):
        new = room(mode=Mode.SQUADS, sides=2, seats=2)
        new.set_ready("host", True)

        events = new.switch_side("host", 1)

        assert events == [
            SideSwitched("r1", "host", 0, 1),
            ReadinessChanged("r1", "host", False),
        ]
        assert new.seats == ((), ("host",))

    @pytest.mark.parametrize(
        ("side", "error"),
        [
            pytest.param(0, RoomRuleViolation, id="same-side"),
            pytest.param(1, RoomRuleViolation, id="full-side"),
            pytest.param(5, InvalidInput, id="no-such-side"),
        ],
    )
    def test_a_switch_to_a_bad_side_is_refused(self, side, error):
        with pytest.raises(error):
            room("ann").switch_side("host", side)


class TestReadiness:
    def test_readiness_is_announced_once_per_change(self):
        new = room("ann")

        first = new.set_ready("ann", True)
        again = new.set_ready("ann", True)

        assert (first, again) == ([ReadinessChanged("r1", "ann", True)], [])
        assert new.ready == {"ann"}


class TestHostPowers:
    @pytest.mark.parametrize(
        "act",
        [
            pytest.param(lambda r: r.kick("ann", "host"), id="kick"),
            pytest.param(lambda r: r.hand_over("ann", "ann"), id="hand-over"),
            pytest.param(lambda r: r.change_settings("ann", settings()), id="settings"),
            pytest.param(lambda r: r.start("ann", 0.0), id="start"),
        ],
    )
    def test_only_the_host_may(self, act):
        with pytest.raises(PermissionDenied):
            act(room("ann"))

    def test_a_kicked_player_is_removed_and_cannot_return(self):
        new = room("ann")

        events = new.kick("host", "ann")

        assert events == [PlayerKicked("r1", "ann", "host")]
        with pytest.raises(PermissionDenied):
            new.join("ann")

    def test_the_host_cannot_kick_themself(self):
        with pytest.raises(RoomRuleViolation):
            room("ann").kick("host", "host")

    def test_handing_over_makes_another_player_host(self):
        new = room("ann")

        events = new.hand_over("host", "ann")

        assert (events, new.host) == ([HostChanged("r1", "ann")], "ann")

    def test_new_settings_unready_everyone(self):
        new = all_ready(room("ann"))
        rated = settings(rated=True)

        events = new.change_settings("host", rated)

        assert events == [
            SettingsChanged("r1", rated),
            ReadinessChanged("r1", "host", False),
            ReadinessChanged("r1", "ann", False),
        ]
        assert (new.settings, new.ready) == (rated, frozenset())

    def test_new_settings_may_add_and_drop_empty_sides(self):
        new = room("ann", mode=Mode.FREE_FOR_ALL, sides=5)

        new.change_settings("host", settings(Mode.TEAMS, 3, 2))

        assert new.seats == (("host",), ("ann",), ())

    @pytest.mark.parametrize(
        "smaller",
        [
            pytest.param(settings(Mode.FREE_FOR_ALL, 3, 1), id="fewer-sides"),
            pytest.param(settings(Mode.SQUADS, 2, 2), id="fewer-seats"),
        ],
    )
    def test_new_settings_must_fit_the_seated_players(self, smaller):
        new = room(mode=Mode.TEAMS, sides=4, seats=3)
        for player, side in [("a", 0), ("b", 0), ("c", 3)]:
            new.join(player, side=side)

        with pytest.raises(RoomRuleViolation):
            new.change_settings("host", smaller)


class TestStart:
    def test_a_full_and_ready_duel_starts(self):
        new = all_ready(room("ann"))

        events = new.start("host", now=50.0)

        assert events == [BattleStarting("r1", (("host",), ("ann",)), 50.0)]
        assert new.status is RoomStatus.STARTING

    def test_a_duel_waits_for_its_second_player(self):
        with pytest.raises(RoomRuleViolation, match="1 more"):
            all_ready(room()).start("host", 0.0)

    def test_everyone_seated_must_be_ready(self):
        new = room("ann")
        new.set_ready("host", True)

        with pytest.raises(RoomRuleViolation, match="ann"):
            new.start("host", 0.0)

    def test_squads_need_two_on_each_side_not_every_seat(self):
        new = all_ready(room("a", "b", "c", mode=Mode.SQUADS, sides=2, seats=4))

        events = new.start("host", 0.0)

        assert events == [BattleStarting("r1", (("host", "b"), ("a", "c")), 0.0)]

    def test_free_for_all_starts_with_three_of_its_eight(self):
        new = all_ready(room("a", "b", mode=Mode.FREE_FOR_ALL, sides=8))

        assert new.start("host", 0.0)

    def test_free_for_all_with_two_players_waits(self):
        new = all_ready(room("a", mode=Mode.FREE_FOR_ALL, sides=8))

        assert not new.can_start()

    def test_a_starting_room_takes_no_more_lobby_actions(self):
        new = all_ready(room("ann"))
        new.start("host", 0.0)

        with pytest.raises(RoomRuleViolation):
            new.leave("ann")

    def test_the_room_moves_on_to_battle_and_closes(self):
        new = all_ready(room("ann"))
        new.start("host", 0.0)

        new.battle_began()

        assert new.status is RoomStatus.IN_BATTLE
        assert new.close() == [RoomClosed("r1")]


def in_battle(new):
    new.start(new.host, 0.0)
    new.battle_began()
    return new


class TestAfterTheBattle:
    def test_a_room_in_battle_keeps_its_players_seated(self):
        new = in_battle(all_ready(room("ann")))

        with pytest.raises(RoomRuleViolation, match="in-battle"):
            new.leave("ann")

        assert new.players == ("host", "ann")

    def test_the_room_reopens_with_its_players_seated_and_none_ready(self):
        new = in_battle(all_ready(room("ann")))

        events = new.reopen()

        assert events == [
            RoomReopened("r1"),
            ReadinessChanged("r1", "host", False),
            ReadinessChanged("r1", "ann", False),
        ]
        assert new.status is RoomStatus.OPEN
        assert new.seats == (("host",), ("ann",))
        assert new.ready == frozenset()

    def test_a_reopened_room_lets_players_leave_and_start_again(self):
        new = in_battle(all_ready(room("ann")))
        new.reopen()

        new.leave("ann")
        new.join("bob", invite_code="CODE42")

        assert all_ready(new).start("host", 9.0)

    def test_a_starting_room_whose_battle_could_not_begin_reopens(self):
        new = all_ready(room("ann"))
        new.start("host", 0.0)

        new.reopen()

        assert new.status is RoomStatus.OPEN

    def test_only_a_room_in_a_battle_reopens(self):
        with pytest.raises(RoomRuleViolation):
            room("ann").reopen()

    def test_a_rematch_starts_the_same_sides_without_the_host(self):
        new = in_battle(all_ready(room("ann")))
        new.reopen()

        events = new.rematch((("ann",), ("host",)), now=7.0)

        assert events == [BattleStarting("r1", (("ann",), ("host",)), 7.0)]
        assert new.status is RoomStatus.STARTING

    @pytest.mark.parametrize(
        "sides",
        [
            pytest.param((("host",), ("bob",)), id="one-left"),
            pytest.param((("host",),), id="one-joined"),
        ],
    )
    def test_no_rematch_once_the_rooms_players_changed(self, sides):
        new = in_battle(all_ready(room("ann")))
        new.reopen()

        with pytest.raises(RoomRuleViolation, match="players changed"):
            new.rematch(sides, now=7.0)

    def test_no_rematch_while_the_room_is_in_a_battle(self):
        new = in_battle(all_ready(room("ann")))

        with pytest.raises(RoomRuleViolation, match="in-battle"):
            new.rematch((("host",), ("ann",)), now=7.0)


def apply(new, action):
    name, player, *rest = action
    if name in {"kick", "hand_over"}:
        return getattr(new, name)(new.host, player)
    if name == "join":
        return new.join(player, rest[0], invite_code="CODE42")
    return getattr(new, name)(player, *rest)


def snapshot(new):
    return (new.seats, new.players, new.host, new.ready, new.status, new.settings)


def start_allowed(new):
    preset = new.settings.mode.preset
    filled = [len(side) >= preset.min_seats for side in new.seats]
    seats_ok = all(filled) if preset.every_side_plays else sum(filled) >= 3
    return seats_ok and new.ready == set(new.players)


class TestRoomProperties:
    @given(room_settings(), st.lists(room_actions, max_size=40))
    def test_the_room_invariants_survive_any_sequence_of_actions(self, chosen, actions):
        new = Room.open("r1", "CODE42", "host", chosen)

        for action in actions:
            before = snapshot(new)
            try:
                apply(new, action)
            except BitCodeError:
                assert snapshot(new) == before  # a refusal changes nothing
            seated = [p for side in new.seats for p in side]
            assert max(map(len, new.seats)) <= chosen.seats_per_side
            assert sorted(seated) == sorted(set(new.players))
            assert new.ready <= set(new.players)
            if seated:
                assert new.host in seated
                assert new.status is RoomStatus.OPEN
            else:
                assert new.status is RoomStatus.CLOSED

    @given(room_settings(), st.lists(room_actions, max_size=40), st.booleans())
    def test_start_succeeds_exactly_when_required_seats_are_filled_and_ready(
        self, chosen, actions, ready_up
    ):
        new = Room.open("r1", "CODE42", "host", chosen)
        for action in actions:
            with contextlib.suppress(BitCodeError):
                apply(new, action)
        if ready_up and new.status is RoomStatus.OPEN:
            all_ready(new)
        expected = new.status is RoomStatus.OPEN and start_allowed(new)
        event(f"start allowed: {expected}")

        try:
            started = bool(copy.deepcopy(new).start(new.host, 0.0))
        except RoomRuleViolation:
            started = False

        assert started == expected == new.can_start()
