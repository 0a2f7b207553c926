"""The lobby's REST routes on SQLite and PostgreSQL: rooms, chat, quick match
and socket tickets, with their problem details."""

from __future__ import annotations

import pytest

from bitcode_core.accounts.model import Role
from tests.integration.http.conftest import Api, problem, question_body

DUEL = {"settings": {"mode": "duel", "questions": {"ids": ["sum"]}}}


@pytest.fixture
def lobby(api: Api) -> Api:
    admin = api.user("boss", Role.ADMIN)
    created = api.post("/questions", json=question_body("sum"), headers=admin)
    assert created.status_code == 201, created.text
    api.admin = admin  # type: ignore[attr-defined]
    return api


def _seats(view: dict) -> list[list[str]]:
    return [[seat["player"] for seat in side] for side in view["sides"]]


class TestRooms:
    def test_a_room_is_created_listed_joined_readied_and_started(self, lobby):
        alice, bob = lobby.user("alice"), lobby.user("bob")

        created = lobby.post(
            "/rooms", json=DUEL | {"title": "Lunch duel"}, headers=alice
        )
        room = created.json()
        listed = lobby.get("/rooms", params={"mode": "duel", "has_space": "true"})
        joined = lobby.post(f"/rooms/{room['id']}/join", json={}, headers=bob)
        for headers in (alice, bob):
            ready = lobby.post(
                f"/rooms/{room['id']}/ready", json={"ready": True}, headers=headers
            )
            assert ready.status_code == 200, ready.text
        started = lobby.post(f"/rooms/{room['id']}/start", headers=alice)

        assert created.status_code == 201
        assert room["title"] == "Lunch duel"
        assert room["invite_code"]
        assert [r["id"] for r in listed.json()["rooms"]] == [room["id"]]
        assert joined.status_code == 200
        assert len(_seats(joined.json())[1]) == 1
        assert joined.json()["invite_code"] == room["invite_code"]
        assert started.status_code == 200, started.text
        assert started.json()["status"] == "in-battle"
        battle = lobby.get(f"/battles/{started.json()['battle']}", headers=bob)
        assert battle.status_code == 200, battle.text
        assert [[p["id"] for p in s["players"]] for s in battle.json()["sides"]] == (
            _seats(started.json())
        )

    def test_an_outsider_sees_a_public_room_without_its_invite_code(self, lobby):
        alice = lobby.user("alice")
        room = lobby.post("/rooms", json=DUEL, headers=alice).json()

        seen = lobby.get(f"/rooms/{room['id']}")

        assert seen.status_code == 200
        assert seen.json()["invite_code"] is None

    def test_a_private_room_is_hidden_and_joined_by_invite(self, lobby):
        alice, bob = lobby.user("alice"), lobby.user("bob")
        body = {"settings": DUEL["settings"] | {"private": True}}
        room = lobby.post("/rooms", json=body, headers=alice).json()

        hidden = lobby.get(f"/rooms/{room['id']}", headers=bob)
        listed = lobby.get("/rooms").json()["rooms"]
        wrong = lobby.post("/rooms/join", json={"invite_code": "NOPE"}, headers=bob)
        joined = lobby.post(
            "/rooms/join", json={"invite_code": room["invite_code"]}, headers=bob
        )

        assert problem(hidden)["code"] == "room-not-found"
        assert listed == []
        assert problem(wrong)["code"] == "room-not-found"
        assert joined.status_code == 200

    def test_the_host_kicks_hands_over_changes_settings_and_mutes(self, lobby):
        alice, bob, carol = (lobby.user(n) for n in ("alice", "bob", "carol"))
        squads = {"settings": {"mode": "squads", "questions": {"ids": ["sum"]}}}
        room = lobby.post("/rooms", json=squads, headers=alice).json()
        for headers in (bob, carol):
            lobby.post(f"/rooms/{room['id']}/join", json={}, headers=headers)
        carol_id = lobby.get("/users/me", headers=carol).json()["id"]
        bob_id = lobby.get("/users/me", headers=bob).json()["id"]

        muted = lobby.post(
            f"/rooms/{room['id']}/mute", json={"player": bob_id}, headers=alice
        )
        kicked = lobby.post(
            f"/rooms/{room['id']}/kick", json={"player": carol_id}, headers=alice
        )
        back = lobby.post(f"/rooms/{room['id']}/join", json={}, headers=carol)
        handed = lobby.post(
            f"/rooms/{room['id']}/host", json={"to": bob_id}, headers=alice
        )
        not_host = lobby.put(
            f"/rooms/{room['id']}/settings", json=squads, headers=alice
        )
        changed = lobby.put(
            f"/rooms/{room['id']}/settings",
            json={"settings": squads["settings"] | {"seats_per_side": 3}},
            headers=bob,
        )

        assert muted.status_code == 200
        seats = [seat for side in muted.json()["sides"] for seat in side]
        assert [seat["muted"] for seat in seats if seat["player"] == bob_id] == [True]
        assert kicked.status_code == 200
        assert problem(back)["code"] == "permission-denied"
        assert handed.json()["host"] == bob_id
        assert problem(not_host)["status"] == 403
        assert changed.json()["settings"]["seats_per_side"] == 3

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            pytest.param({"mode": "duel", "sides": 3}, "sides", id="sides"),
            pytest.param(
                {"mode": "duel", "time_limit_s": 10}, "time_limit_s", id="time"
            ),
            pytest.param(
                {"mode": "duel", "languages": ["cobol"]}, None, id="unknown-language"
            ),
            pytest.param(
                {"mode": "duel", "questions": {"ids": ["nope"]}}, "questions", id="q"
            ),
        ],
    )
    def test_invalid_settings_are_422_naming_the_field(self, lobby, body, field):
        alice = lobby.user("alice")

        refused = lobby.post("/rooms", json={"settings": body}, headers=alice)

        details = problem(refused)
        assert refused.status_code == 422
        if field:
            assert details["errors"][0]["field"] == field

    def test_a_malformed_body_is_400(self, lobby):
        alice = lobby.user("alice")

        refused = lobby.post(
            "/rooms", json={"settings": {"mode": "chess"}}, headers=alice
        )

        assert problem(refused)["code"] == "validation-error"

    def test_room_actions_need_a_signed_in_player(self, lobby):
        refused = lobby.post("/rooms", json=DUEL)

        assert problem(refused)["status"] == 401

    def test_a_second_room_for_a_seated_player_is_409(self, lobby):
        alice = lobby.user("alice")
        lobby.post("/rooms", json=DUEL, headers=alice)

        again = lobby.post("/rooms", json=DUEL, headers=alice)

        assert problem(again)["code"] == "room-rule"

    def test_the_last_player_leaving_closes_the_room(self, lobby):
        alice = lobby.user("alice")
        room = lobby.post("/rooms", json=DUEL, headers=alice).json()

        left = lobby.post(f"/rooms/{room['id']}/leave", headers=alice)

        assert left.json()["status"] == "closed"
        assert lobby.get(f"/rooms/{room['id']}").status_code == 404


class TestChat:
    def test_messages_are_posted_read_and_deleted_by_an_admin(self, lobby):
        alice = lobby.user("alice")

        posted = lobby.post(
            "/chat/lobby/messages", json={"text": "anyone up?"}, headers=alice
        )
        history = lobby.get("/chat/lobby/messages", headers=alice)
        not_admin = lobby.delete(
            f"/chat/lobby/messages/{posted.json()['id']}", headers=alice
        )
        deleted = lobby.delete(
            f"/chat/lobby/messages/{posted.json()['id']}", headers=lobby.admin
        )

        assert posted.status_code == 201
        assert [m["text"] for m in history.json()["messages"]] == ["anyone up?"]
        assert problem(not_admin)["status"] == 403
        assert deleted.status_code == 204
        assert lobby.get("/chat/lobby/messages", headers=alice).json()["messages"] == []

    def test_an_outsider_cannot_post_in_a_room(self, lobby):
        alice, eve = lobby.user("alice"), lobby.user("eve")
        room = lobby.post("/rooms", json=DUEL, headers=alice).json()

        refused = lobby.post(
            f"/chat/{room['channel']}/messages", json={"text": "hi"}, headers=eve
        )

        assert problem(refused)["code"] == "permission-denied"

    def test_posting_too_fast_is_429_with_retry_after(self, lobby):
        alice = lobby.user("alice")
        for index in range(5):
            lobby.post("/chat/lobby/messages", json={"text": f"{index}"}, headers=alice)

        refused = lobby.post("/chat/lobby/messages", json={"text": "6"}, headers=alice)

        assert problem(refused)["status"] == 429
        assert int(refused.headers["retry-after"]) >= 1

    def test_an_unknown_channel_is_422(self, lobby):
        alice = lobby.user("alice")

        refused = lobby.get("/chat/nowhere/messages", headers=alice)

        assert problem(refused)["errors"][0]["field"] == "channel"


class TestQuickMatchAndTickets:
    def test_two_players_queueing_for_a_duel_are_matched(self, lobby):
        alice, bob = lobby.user("alice"), lobby.user("bob")

        first = lobby.post("/matchmaking", json={"mode": "duel"}, headers=alice)
        waiting = lobby.get("/matchmaking", headers=alice)
        second = lobby.post("/matchmaking", json={"mode": "duel"}, headers=bob)

        assert first.json()["queued"] is True
        assert waiting.json()["mode"] == "duel"
        assert second.json()["queued"] is False
        room = lobby.get(f"/rooms/{second.json()['room']}", headers=alice).json()
        assert room["quick_match"] is True
        assert room["settings"]["rated"] is True
        assert lobby.get("/matchmaking", headers=alice).json()["queued"] is False

    def test_leaving_the_queue_takes_the_ticket_away(self, lobby):
        alice = lobby.user("alice")
        lobby.post("/matchmaking", json={"mode": "teams"}, headers=alice)

        left = lobby.delete("/matchmaking", headers=alice)

        assert left.status_code == 204
        assert lobby.get("/matchmaking", headers=alice).json()["queued"] is False

    def test_a_ticket_names_the_socket_url(self, lobby):
        alice = lobby.user("alice")

        ticket = lobby.post("/realtime/ticket", headers=alice)

        assert ticket.status_code == 201
        body = ticket.json()
        assert body["url"].startswith("ws://")
        assert body["url"].endswith(f"/ws?ticket={body['ticket']}")
