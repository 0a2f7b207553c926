"""Seasons, leaderboards, ranks and stats over HTTP, on SQLite alone and on
PostgreSQL with the Redis rank index.

Rated duels are played for real through the REST routes; each ends when
the loser gives up, so no program needs judging.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from redis import Redis

from bitcode_core.accounts.model import Role
from tests.integration.http.conftest import (
    PASSWORD,
    Api,
    build_app,
    problem,
    question_body,
    settings_for,
)

REDIS = "redis://127.0.0.1:6379/0"
BOARD = "/leaderboards/current/overall"
DUEL = {"settings": {"mode": "duel", "questions": {"ids": ["sum"]}, "rated": True}}


BACKENDS = [
    pytest.param(False, id="sqlite"),
    pytest.param(True, id="postgres-redis"),
]


@pytest.fixture(params=BACKENDS)
def ladder(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    """The API on SQLite alone, or on PostgreSQL with the Redis rank index."""
    shared: bool = request.param
    variables = {"BATTLE_COUNTDOWN_SECONDS": "0"}
    prefix = f"bitcode-test-{uuid.uuid4().hex[:10]}:"
    url = None
    if shared:
        url = request.getfixturevalue("postgres_url")
        variables |= {"REDIS_URL": REDIS, "REDIS_PREFIX": prefix}
    settings = settings_for(tmp_path, url, **variables)
    app, container = build_app(settings)
    with TestClient(app) as client:
        api = Api(client, container, settings)
        admin = api.user("boss", Role.ADMIN)
        created = api.post("/questions", json=question_body("sum"), headers=admin)
        assert created.status_code == 201, created.text
        api.admin = admin  # type: ignore[attr-defined]
        api.redis_prefix = prefix if shared else None  # type: ignore[attr-defined]
        yield api
    if shared:
        redis = Redis.from_url(REDIS)
        for key in redis.scan_iter(f"{prefix}*"):
            redis.delete(key)
        redis.close()


def _players(api: Api, *names: str, country: str | None = None) -> list[dict[str, str]]:
    players = []
    for name in names:
        headers = api.user(name)
        if country is not None:
            changed = api.patch("/users/me", json={"country": country}, headers=headers)
            assert changed.status_code == 200, changed.text
        players.append(headers)
    return players


def _id(api: Api, headers: dict[str, str]) -> str:
    me: str = api.get("/users/me", headers=headers).json()["id"]
    return me


def _duel(api: Api, winner: dict[str, str], loser: dict[str, str]) -> dict[str, Any]:
    """A rated duel that ``winner`` wins when ``loser`` gives up."""
    room = api.post("/rooms", json=DUEL, headers=winner).json()
    joined = api.post(f"/rooms/{room['id']}/join", json={}, headers=loser)
    assert joined.status_code == 200, joined.text
    for headers in (winner, loser):
        ready = api.post(f"/rooms/{room['id']}/ready", json={}, headers=headers)
        assert ready.status_code == 200, ready.text
    started = api.post(f"/rooms/{room['id']}/start", headers=winner)
    assert started.status_code == 200, started.text
    battle = started.json()["battle"]
    api.get(f"/battles/{battle}", headers=winner)  # past the countdown
    gave_up = api.post(f"/battles/{battle}/forfeit", headers=loser)
    assert gave_up.status_code == 200, gave_up.text
    result: dict[str, Any] = gave_up.json()["result"]
    assert result["reason"] == "last-side-standing"
    for headers in (winner, loser):  # the room reopened: free for the next
        left = api.post(f"/rooms/{room['id']}/leave", json={}, headers=headers)
        assert left.status_code in {200, 204}, left.text
    return result


class TestLeaderboards:
    def test_rated_battles_rank_players_best_first_with_tiers(self, ladder):
        alice, bob, carol = _players(ladder, "alice", "bob", "carol")
        ids = {
            n: _id(ladder, h) for n, h in zip("abc", (alice, bob, carol), strict=True)
        }
        _duel(ladder, alice, bob)
        _duel(ladder, alice, carol)

        board = ladder.get("/leaderboards/current/overall")
        duel = ladder.get("/leaderboards/current/duel")
        all_time = ladder.get("/leaderboards/all-time/overall")

        assert board.status_code == 200, board.text
        rows = board.json()["rows"]
        assert rows[0]["player"] == ids["a"]
        assert rows[0]["name"] == "alice"
        assert rows[0]["rank"] == 1
        assert rows[0]["rated_battles"] == 2
        assert rows[0]["tier"] == "Silver"  # 1500 + about 40: Silver from 1400
        assert [r["rating"] for r in rows] == sorted(
            (r["rating"] for r in rows), reverse=True
        )
        assert board.json()["total"] == 3
        assert duel.json()["rows"] == rows
        assert all_time.json()["rows"] == rows
        assert ladder.get("/leaderboards/current/squads").json()["rows"] == []

    def test_pages_follow_the_cursor_to_the_end(self, ladder):
        players = _players(ladder, "ann", "ben", "cat", "dan")
        _duel(ladder, players[0], players[1])
        _duel(ladder, players[2], players[3])

        first = ladder.get("/leaderboards/current/overall", params={"limit": 3})
        cursor = first.json()["next_cursor"]
        second = ladder.get(
            "/leaderboards/current/overall", params={"limit": 3, "cursor": cursor}
        )

        everyone = first.json()["rows"] + second.json()["rows"]
        assert len(everyone) == 4
        assert len({r["player"] for r in everyone}) == 4
        assert second.json()["next_cursor"] is None
        ranks = [r["rank"] for r in everyone]
        assert ranks == sorted(ranks)
        assert ranks[0] == ranks[1] == 1  # ann and cat won once each: a tie

    def test_one_players_rank_and_the_players_around_them(self, ladder):
        players = _players(ladder, "ann", "ben", "cat", "dan", "eve")
        for loser in players[1:]:
            _duel(ladder, players[0], loser)
        ben = _id(ladder, players[1])

        rank = ladder.get(f"/leaderboards/current/overall/players/{ben}")
        around = ladder.get(
            f"/leaderboards/current/overall/players/{ben}/around", params={"size": 3}
        )

        everyone = ladder.get(BOARD).json()["rows"]
        assert rank.status_code == 200, rank.text
        # Ben lost first, to Ann at her lowest: he lost the most, and is last.
        assert rank.json()["rank"] == 5
        assert rank.json() == everyone[-1]
        assert around.json()["rows"] == everyone[-3:]  # shifted at the end

    def test_a_country_has_a_board_of_its_own(self, ladder):
        ann, ben = _players(ladder, "ann", "ben", country="NO")
        cat, dan = _players(ladder, "cat", "dan", country="SE")
        _duel(ladder, ann, ben)
        _duel(ladder, cat, dan)

        norway = ladder.get("/leaderboards/current/overall", params={"country": "NO"})

        names = [r["name"] for r in norway.json()["rows"]]
        assert names == ["ann", "ben"]
        assert norway.json()["rows"][0]["rank"] == 1
        cat_id = _id(ladder, cat)
        elsewhere = ladder.get(
            f"/leaderboards/current/overall/players/{cat_id}", params={"country": "NO"}
        )
        assert problem(elsewhere)["code"] == "not-ranked"

    def test_a_player_who_moves_country_moves_boards_at_once(self, ladder):
        ann, ben = _players(ladder, "ann", "ben", country="NO")
        _duel(ladder, ann, ben)

        moved = ladder.patch("/users/me", json={"country": "SE"}, headers=ben)

        assert moved.status_code == 200, moved.text
        norway = ladder.get(BOARD, params={"country": "NO"}).json()
        sweden = ladder.get(BOARD, params={"country": "SE"}).json()
        assert [r["name"] for r in norway["rows"]] == ["ann"]
        assert [r["name"] for r in sweden["rows"]] == ["ben"]
        assert sweden["rows"][0]["rank"] == 1

    def test_a_closed_account_leaves_its_country_board(self, ladder):
        ann, ben = _players(ladder, "ann", "ben", country="NO")
        _duel(ladder, ann, ben)

        closed = ladder.client.request(
            "DELETE", "/users/me", json={"password": PASSWORD}, headers=ben
        )

        assert closed.status_code == 204, closed.text
        norway = ladder.get(BOARD, params={"country": "NO"}).json()
        assert [r["name"] for r in norway["rows"]] == ["ann"]
        assert norway["total"] == 1

    @pytest.mark.parametrize(
        ("path", "params", "status", "code"),
        [
            pytest.param("/leaderboards/current/chess", {}, 400, None, id="scope"),
            pytest.param(
                "/leaderboards/nope/overall", {}, 404, "season-not-found", id="season"
            ),
            pytest.param(BOARD, {"cursor": "x"}, 422, "invalid-input", id="cursor"),
            pytest.param(
                BOARD, {"cursor": "o\u00b2"}, 422, "invalid-input", id="cursor-digit"
            ),
            pytest.param(BOARD, {"limit": 0}, 400, None, id="limit"),
            pytest.param(BOARD, {"country": "no"}, 400, None, id="country"),
            pytest.param(
                f"{BOARD}/players/ghost", {}, 404, "not-ranked", id="unranked"
            ),
        ],
    )
    def test_bad_requests_get_problems(self, ladder, path, params, status, code):
        answer = ladder.get(path, params=params)

        assert answer.status_code == status, answer.text
        body = problem(answer)
        if code is not None:
            assert body["code"] == code


class TestPlayers:
    def test_stats_and_a_rating_history_ready_to_plot(self, ladder):
        alice, bob, carol = _players(ladder, "alice", "bob", "carol")
        _duel(ladder, alice, bob)
        _duel(ladder, carol, alice)
        _duel(ladder, alice, bob)
        me = _id(ladder, alice)

        stats = ladder.get(f"/users/{me}/stats").json()
        duel = ladder.get(f"/users/{me}/stats", params={"scope": "duel"}).json()
        history = ladder.get(f"/users/{me}/rating-history").json()

        assert (stats["battles"], stats["wins"], stats["losses"]) == (3, 2, 1)
        assert stats["draws"] == 0
        assert stats["win_rate"] == pytest.approx(2 / 3)
        assert stats["streak"] == 1
        assert stats["best_rating"] >= stats["rating"]
        assert stats["tier"]
        assert duel["battles"] == 3
        points = history["points"]
        assert [p["outcome"] for p in points] == ["win", "loss", "win"]
        assert points[-1]["rating"] == stats["rating"]
        for earlier, later in itertools.pairwise(points):
            assert later["before"] == earlier["rating"]
            assert later["at"] >= earlier["at"]

    def test_a_player_who_never_played_has_empty_stats(self, ladder):
        (newcomer,) = _players(ladder, "newbie")

        stats = ladder.get(f"/users/{_id(ladder, newcomer)}/stats").json()

        assert stats["battles"] == 0
        assert stats["rating"] is None
        assert stats["win_rate"] is None


class TestProfile:
    def test_the_profile_shows_this_seasons_overall_rating_and_record(self, ladder):
        alice, bob = _players(ladder, "alice", "bob")
        _duel(ladder, alice, bob)
        _duel(ladder, bob, alice)
        _duel(ladder, alice, bob)

        profile = ladder.get("/users/alice").json()

        stats = ladder.get(f"/users/{_id(ladder, alice)}/stats").json()
        assert profile["rating"] == stats["rating"]
        assert profile["tier"] == stats["tier"]
        assert (profile["rated_battles"], profile["battles_won"]) == (3, 2)

    def test_a_player_unrated_this_season_has_no_rating_yet(self, ladder):
        _players(ladder, "newbie")

        profile = ladder.get("/users/newbie").json()

        assert profile["rating"] is None
        assert profile["tier"] is None
        assert profile["rated_battles"] is None


class TestUnknownPlayers:
    @pytest.mark.parametrize(
        "route",
        [
            pytest.param("stats", id="stats"),
            pytest.param("rating-history", id="rating-history"),
            pytest.param("battles", id="battles"),
        ],
    )
    def test_an_id_that_never_was_a_player_is_not_found(self, ladder, route):
        answer = ladder.get(f"/users/nobody/{route}", headers=ladder.admin)

        assert answer.status_code == 404, answer.text
        assert problem(answer)["code"] == "user-not-found"

    def test_a_closed_account_keeps_its_recorded_stats(self, ladder):
        ann, ben = _players(ladder, "ann", "ben")
        _duel(ladder, ann, ben)
        gone = _id(ladder, ben)

        closed = ladder.client.request(
            "DELETE", "/users/me", json={"password": PASSWORD}, headers=ben
        )

        assert closed.status_code == 204, closed.text
        stats = ladder.get(f"/users/{gone}/stats")
        assert stats.status_code == 200, stats.text
        assert stats.json()["losses"] == 1


class TestMe:
    @pytest.mark.parametrize(
        "path",
        [
            pytest.param("/users/{}/stats", id="stats"),
            pytest.param("/users/{}/rating-history", id="rating-history"),
            pytest.param(BOARD + "/players/{}", id="rank"),
            pytest.param(BOARD + "/players/{}/around", id="around"),
        ],
    )
    def test_me_names_the_signed_in_player(self, ladder, path):
        alice, bob = _players(ladder, "alice", "bob")
        _duel(ladder, alice, bob)

        mine = ladder.get(path.format("me"), headers=alice)

        by_id = ladder.get(path.format(_id(ladder, alice)))
        assert mine.status_code == 200, mine.text
        assert mine.json() == by_id.json()

    @pytest.mark.parametrize(
        "path",
        [
            pytest.param("/users/me/stats", id="stats"),
            pytest.param("/users/me/rating-history", id="rating-history"),
            pytest.param(BOARD + "/players/me", id="rank"),
            pytest.param(BOARD + "/players/me/around", id="around"),
        ],
    )
    def test_me_needs_signing_in(self, ladder, path):
        answer = ladder.get(path)

        assert answer.status_code == 401, answer.text
        assert problem(answer)["code"] == "not-authenticated"


class TestSeasons:
    def test_one_season_is_current_and_admins_schedule_the_next(self, ladder):
        (player,) = _players(ladder, "pat")
        current = ladder.get("/seasons/current").json()

        refused = ladder.post(
            "/seasons",
            json={"name": "Next", "ends_at": current["ends_at"] + 1e6},
            headers=player,
        )
        scheduled = ladder.post(
            "/seasons",
            json={"name": "Spring", "ends_at": current["ends_at"] + 1e6},
            headers=ladder.admin,
        )
        renamed = ladder.patch(
            f"/seasons/{scheduled.json()['id']}",
            json={"name": "Spring cup"},
            headers=ladder.admin,
        )
        seasons = ladder.get("/seasons").json()["seasons"]

        assert current["current"] is True
        assert problem(refused)["code"] == "permission-denied"
        assert scheduled.status_code == 201, scheduled.text
        assert scheduled.json()["starts_at"] == current["ends_at"]
        assert scheduled.json()["current"] is False
        assert renamed.json()["name"] == "Spring cup"
        assert [s["number"] for s in seasons] == [1, 2]
        assert sum(s["current"] for s in seasons) == 1

    def test_a_season_cannot_end_before_it_starts(self, ladder):
        current = ladder.get("/seasons/current").json()

        answer = ladder.post(
            "/seasons",
            json={"name": "Backwards", "ends_at": current["ends_at"] - 1},
            headers=ladder.admin,
        )

        assert problem(answer)["code"] == "invalid-input"


class TestRebuild:
    def test_rebuilding_every_rating_from_the_history_changes_nothing(self, ladder):
        alice, bob, carol = _players(ladder, "alice", "bob", "carol")
        _duel(ladder, alice, bob)
        _duel(ladder, bob, carol)
        _duel(ladder, carol, alice)
        before = ladder.get("/leaderboards/current/overall").json()["rows"]

        report = ladder.run(ladder.container.ladder().rebuild_ratings)

        assert report.battles == 3
        assert report.differed == 0
        assert report.ratings == 3 * 4  # three players on four ladders
        assert ladder.get("/leaderboards/current/overall").json()["rows"] == before

    @pytest.mark.parametrize("ladder", [BACKENDS[1]], indirect=True)
    def test_lost_ranks_are_rebuilt_from_the_database(self, ladder):
        alice, bob = _players(ladder, "alice", "bob")
        _duel(ladder, alice, bob)
        before = ladder.get("/leaderboards/current/overall").json()["rows"]
        client = Redis.from_url(REDIS)
        for key in client.scan_iter(f"{ladder.redis_prefix}ladder:*"):
            client.delete(key)
        client.close()

        served = ladder.get("/leaderboards/current/overall").json()["rows"]
        ladder.run(ladder.container.ladder().rebuild_index)
        rebuilt = ladder.get("/leaderboards/current/overall").json()["rows"]

        assert served == before, "served from the database while Redis is empty"
        assert rebuilt == before
