"""Accounts and public profiles over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.integration.http.conftest import Api, problem


class TestMe:
    def test_me_shows_the_signed_in_account(self, api: Api) -> None:
        headers = api.user("alice")

        response = api.get("/users/me", headers=headers)

        assert response.status_code == 200
        assert response.json()["email"] == "alice@example.org"
        assert response.json()["role"] == "player"

    @pytest.mark.parametrize(
        "authorization",
        [
            pytest.param(None, id="no-header"),
            pytest.param("Bearer not-a-jwt", id="garbage-token"),
            pytest.param("Basic YWxpY2U6cHc=", id="wrong-scheme"),
        ],
    )
    def test_me_needs_a_valid_bearer_token(
        self, api: Api, authorization: str | None
    ) -> None:
        headers = {"Authorization": authorization} if authorization else {}

        response = api.get("/users/me", headers=headers)

        assert response.status_code == 401
        assert problem(response)["code"] in {"not-authenticated", "invalid-token"}

    def test_a_disabled_account_loses_every_session_at_once(self, api: Api) -> None:
        headers = api.user("alice")

        api.run(api.container.accounts().set_disabled, "alice", True)

        assert api.get("/users/me", headers=headers).status_code == 401


class TestProfileUpdate:
    def test_only_the_fields_sent_change(self, api: Api) -> None:
        headers = api.user("alice")
        api.patch(
            "/users/me", json={"bio": "I like graphs", "country": "fr"}, headers=headers
        )

        response = api.patch(
            "/users/me", json={"display_name": "Alice A."}, headers=headers
        )

        assert response.status_code == 200
        body = response.json()
        assert (body["display_name"], body["bio"], body["country"]) == (
            "Alice A.",
            "I like graphs",
            "FR",
        )

    def test_null_clears_the_country(self, api: Api) -> None:
        headers = api.user("alice")
        api.patch("/users/me", json={"country": "FR"}, headers=headers)

        response = api.patch("/users/me", json={"country": None}, headers=headers)

        assert response.json()["country"] is None

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            pytest.param("country", "France", id="country-not-a-code"),
            pytest.param("bio", "x" * 501, id="bio-too-long"),
            pytest.param("display_name", "bad\x07name", id="control-character"),
        ],
    )
    def test_an_invalid_value_is_refused_naming_the_field(
        self, api: Api, field: str, value: str
    ) -> None:
        headers = api.user("alice")

        response = api.patch("/users/me", json={field: value}, headers=headers)

        assert response.status_code == 422
        assert problem(response)["errors"] == [
            {"field": field, "message": problem(response)["detail"]}
        ]

    def test_a_wrongly_typed_field_is_a_validation_error_naming_it(
        self, api: Api
    ) -> None:
        headers = api.user("alice")

        response = api.patch("/users/me", json={"bio": 42}, headers=headers)

        assert response.status_code == 400
        body = problem(response)
        assert body["code"] == "validation-error"
        assert body["errors"][0]["field"] == "bio"


class TestPublicProfile:
    def test_anyone_sees_a_players_public_profile_without_private_fields(
        self, api: Api
    ) -> None:
        headers = api.user("alice")
        api.patch("/users/me", json={"bio": "hi", "country": "JP"}, headers=headers)

        response = api.get("/users/alice")

        assert response.status_code == 200
        assert response.json() == {
            "id": api.get("/users/me", headers=headers).json()["id"],
            "username": "alice",
            "display_name": "alice",
            "avatar_url": None,
            "avatar_urls": {},
            "country": "JP",
            "bio": "hi",
            "rating": None,
            "tier": None,
            "rated_battles": None,
            "battles_won": None,
        }

    def test_the_profiles_id_reaches_the_players_stats(self, api: Api) -> None:
        api.user("alice")
        player = api.get("/users/alice").json()["id"]

        stats = api.get(f"/users/{player}/stats")

        assert stats.status_code == 200, stats.text
        assert stats.json()["player"] == player

    def test_a_profile_edit_shows_at_once(self, api: Api) -> None:
        headers = api.user("alice")
        assert api.get("/users/alice").json()["bio"] == ""  # now cached

        api.patch("/users/me", json={"bio": "updated"}, headers=headers)

        assert api.get("/users/alice").json()["bio"] == "updated"

    def test_an_unknown_or_disabled_player_is_not_found(self, api: Api) -> None:
        api.user("alice")
        api.run(api.container.accounts().set_disabled, "alice", True)

        assert problem(api.get("/users/alice"))["code"] == "user-not-found"
        assert problem(api.get("/users/nobody"))["code"] == "user-not-found"
