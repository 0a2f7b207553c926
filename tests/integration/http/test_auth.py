"""Email accounts over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bitcode_core.accounts.model import Role
from tests.integration.http.conftest import PASSWORD, Api, bearer, problem

NEW_PASSWORD = "a brand new passphrase"  # noqa: S105 - a test account's


class TestRegister:
    def test_a_new_account_is_accepted_and_mailed_a_confirmation_link(
        self, api: Api
    ) -> None:
        response = api.register("alice")

        assert response.status_code == 202
        [mail] = api.mails("alice@example.org")
        assert mail["Subject"] == "Confirm your BitCode email"
        assert "/auth/verify-email?token=" in mail.get_body().get_content()

    def test_a_taken_email_gets_the_same_answer_and_its_owner_a_warning(
        self, api: Api
    ) -> None:
        first = api.register("alice", "shared@example.org")

        second = api.register("bob", "shared@example.org")

        assert second.status_code == first.status_code == 202
        assert second.json() == first.json()
        subjects = [m["Subject"] for m in api.mails("shared@example.org")]
        assert subjects[-1] == "Someone tried to register with your email"

    def test_a_taken_username_is_a_conflict(self, api: Api) -> None:
        api.register("alice")

        response = api.register("alice", "other@example.org")

        assert response.status_code == 409
        assert problem(response)["code"] == "conflict"

    @pytest.mark.parametrize(
        ("field", "body_change"),
        [
            pytest.param("password", {"password": "short"}, id="short-password"),
            pytest.param("password", {"password": "password123"}, id="common-password"),
            pytest.param("email", {"email": "not-an-email"}, id="bad-email"),
            pytest.param("username", {"username": "a"}, id="bad-username"),
        ],
    )
    def test_a_value_breaking_a_rule_is_refused_naming_the_field(
        self, api: Api, field: str, body_change: dict[str, str]
    ) -> None:
        body = {"email": "a@example.org", "username": "alice", "password": PASSWORD}

        response = api.post("/auth/register", json={**body, **body_change})

        assert response.status_code == 422
        assert problem(response)["errors"][0]["field"] == field

    def test_a_long_password_is_accepted_whole(self, api: Api) -> None:
        long_password = "x" * 200 + " and more"
        api.verified("alice", long_password)

        assert api.login("alice", long_password)["access_token"]
        wrong = api.post(
            "/auth/login",
            json={"email": "alice@example.org", "password": "x" * 200},
        )
        assert wrong.status_code == 401


class TestVerifyEmail:
    def test_the_link_in_the_mail_confirms_the_address(self, api: Api) -> None:
        api.register("alice")
        token = api.last_token("alice@example.org")

        response = api.get("/auth/verify-email", params={"token": token})

        assert response.status_code == 200
        assert response.json()["username"] == "alice"

    def test_a_token_works_only_once(self, api: Api) -> None:
        api.register("alice")
        token = api.last_token("alice@example.org")
        api.post("/auth/verify-email", json={"token": token})

        again = api.post("/auth/verify-email", json={"token": token})

        assert again.status_code == 401
        assert problem(again)["code"] == "invalid-token"

    def test_an_unverified_account_cannot_sign_in(self, api: Api) -> None:
        api.register("alice")

        response = api.post(
            "/auth/login", json={"email": "alice@example.org", "password": PASSWORD}
        )

        assert response.status_code == 401
        assert "confirm your email" in problem(response)["detail"]


class TestResendVerification:
    def test_an_unverified_address_gets_a_new_link(self, api: Api) -> None:
        api.register("alice")

        response = api.post(
            "/auth/resend-verification", json={"email": "alice@example.org"}
        )

        assert response.status_code == 202
        assert len(api.mails("alice@example.org")) == 2

    def test_an_unknown_address_gets_the_same_answer_and_no_mail(
        self, api: Api
    ) -> None:
        response = api.post(
            "/auth/resend-verification", json={"email": "nobody@example.org"}
        )

        assert response.status_code == 202
        assert api.mails("nobody@example.org") == []


class TestLogin:
    def test_signing_in_returns_tokens_and_a_device_session(self, api: Api) -> None:
        api.verified("alice")

        body = api.login("alice")

        assert body["token_type"] == "Bearer"  # noqa: S105 - a scheme
        assert body["expires_in"] > 0
        assert body["refresh_token"]
        assert body["session_id"]
        assert body["user"]["username"] == "alice"

    def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(
        self, api: Api
    ) -> None:
        api.verified("alice")

        wrong = api.post(
            "/auth/login", json={"email": "alice@example.org", "password": "nope-nope"}
        )
        unknown = api.post(
            "/auth/login", json={"email": "zed@example.org", "password": "nope-nope"}
        )

        assert wrong.status_code == unknown.status_code == 401
        assert problem(wrong)["detail"] == problem(unknown)["detail"]

    def test_repeated_failures_on_an_account_are_throttled_with_retry_after(
        self, api: Api
    ) -> None:
        api.verified("alice")
        wrong = {"email": "alice@example.org", "password": "wrong password"}
        for _ in range(5):
            api.post("/auth/login", json=wrong)

        response = api.post("/auth/login", json=wrong)

        assert response.status_code == 429
        assert problem(response)["code"] == "rate-limited"
        assert int(response.headers["Retry-After"]) >= 1

    def test_a_disabled_account_is_refused(self, api: Api) -> None:
        api.verified("alice")
        api.run(api.container.accounts().set_disabled, "alice", True)

        response = api.post(
            "/auth/login", json={"email": "alice@example.org", "password": PASSWORD}
        )

        assert response.status_code == 403


class TestRefresh:
    def test_a_refresh_token_is_traded_for_new_tokens(self, api: Api) -> None:
        api.verified("alice")
        first = api.login("alice")

        response = api.post(
            "/auth/refresh", json={"refresh_token": first["refresh_token"]}
        )

        assert response.status_code == 200
        second = response.json()
        assert second["refresh_token"] != first["refresh_token"]
        assert second["session_id"] == first["session_id"]
        assert api.get("/users/me", headers=bearer(second["access_token"])).is_success

    def test_reusing_a_spent_refresh_token_signs_the_device_out(self, api: Api) -> None:
        api.verified("alice")
        first = api.login("alice")
        second = api.post(
            "/auth/refresh", json={"refresh_token": first["refresh_token"]}
        ).json()

        reuse = api.post(
            "/auth/refresh", json={"refresh_token": first["refresh_token"]}
        )

        assert reuse.status_code == 401
        after = api.get("/users/me", headers=bearer(second["access_token"]))
        assert after.status_code == 401
        assert (
            api.post(
                "/auth/refresh", json={"refresh_token": second["refresh_token"]}
            ).status_code
            == 401
        )


class TestLogout:
    def test_logging_out_ends_this_device_only(self, api: Api) -> None:
        api.verified("alice")
        laptop = bearer(api.login("alice")["access_token"])
        phone = bearer(api.login("alice")["access_token"])

        assert api.post("/auth/logout", headers=laptop).status_code == 204

        assert api.get("/users/me", headers=laptop).status_code == 401
        assert api.get("/users/me", headers=phone).status_code == 200

    def test_logging_out_everywhere_ends_every_device(self, api: Api) -> None:
        api.verified("alice")
        laptop = bearer(api.login("alice")["access_token"])
        phone = bearer(api.login("alice")["access_token"])

        assert api.post("/auth/logout-all", headers=laptop).status_code == 204

        assert api.get("/users/me", headers=laptop).status_code == 401
        assert api.get("/users/me", headers=phone).status_code == 401

    def test_signing_out_needs_a_token(self, api: Api) -> None:
        response = api.post("/auth/logout")

        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


class TestDevices:
    def test_devices_list_every_sign_in_with_its_client(self, api: Api) -> None:
        api.verified("alice")
        current = api.login("alice", **{"User-Agent": "laptop-browser"})
        api.login("alice", **{"User-Agent": "phone-app"})

        response = api.get("/auth/devices", headers=bearer(current["access_token"]))

        assert response.status_code == 200
        devices = {d["user_agent"]: d for d in response.json()}
        assert set(devices) == {"laptop-browser", "phone-app"}
        assert devices["laptop-browser"]["current"] is True
        assert devices["laptop-browser"]["ip"] == "testclient"

    def test_revoking_a_device_signs_it_out(self, api: Api) -> None:
        api.verified("alice")
        laptop = api.login("alice")
        phone = api.login("alice")

        response = api.delete(
            f"/auth/devices/{phone['session_id']}",
            headers=bearer(laptop["access_token"]),
        )

        assert response.status_code == 204
        assert (
            api.get("/users/me", headers=bearer(phone["access_token"])).status_code
            == 401
        )

    def test_another_players_device_is_not_found(self, api: Api) -> None:
        api.verified("alice")
        api.verified("bob")
        alice = api.login("alice")
        bob = api.login("bob")

        response = api.delete(
            f"/auth/devices/{bob['session_id']}", headers=bearer(alice["access_token"])
        )

        assert response.status_code == 404
        assert api.get("/users/me", headers=bearer(bob["access_token"])).is_success


class TestPasswordReset:
    def test_any_address_gets_the_same_answer(self, api: Api) -> None:
        api.verified("alice")

        known = api.post("/auth/password-reset", json={"email": "alice@example.org"})
        unknown = api.post("/auth/password-reset", json={"email": "zed@example.org"})
        garbage = api.post("/auth/password-reset", json={"email": "garbage"})

        assert known.status_code == unknown.status_code == garbage.status_code == 202
        assert known.json() == unknown.json() == garbage.json()
        assert api.mails("zed@example.org") == []

    def test_the_mailed_token_sets_a_new_password_and_signs_out_everywhere(
        self, api: Api
    ) -> None:
        api.verified("alice")
        before = bearer(api.login("alice")["access_token"])
        api.post("/auth/password-reset", json={"email": "alice@example.org"})
        token = api.last_token("alice@example.org")

        response = api.post(
            "/auth/password-reset/confirm",
            json={"token": token, "new_password": NEW_PASSWORD},
        )

        assert response.status_code == 204
        assert api.get("/users/me", headers=before).status_code == 401
        assert api.login("alice", NEW_PASSWORD)["access_token"]

    def test_a_weak_new_password_is_refused_naming_the_field(self, api: Api) -> None:
        api.verified("alice")
        api.post("/auth/password-reset", json={"email": "alice@example.org"})
        token = api.last_token("alice@example.org")

        response = api.post(
            "/auth/password-reset/confirm", json={"token": token, "new_password": "1"}
        )

        assert response.status_code == 422
        assert problem(response)["errors"][0]["field"] == "new_password"

    def test_a_bad_token_is_refused(self, api: Api) -> None:
        response = api.post(
            "/auth/password-reset/confirm",
            json={"token": "made-up", "new_password": NEW_PASSWORD},
        )

        assert response.status_code == 401


class TestChangePassword:
    def test_changing_the_password_signs_out_the_other_devices(self, api: Api) -> None:
        api.verified("alice")
        here = bearer(api.login("alice")["access_token"])
        elsewhere = bearer(api.login("alice")["access_token"])

        response = api.post(
            "/auth/change-password",
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
            headers=here,
        )

        assert response.status_code == 204
        assert api.get("/users/me", headers=here).status_code == 200
        assert api.get("/users/me", headers=elsewhere).status_code == 401
        assert api.login("alice", NEW_PASSWORD)["access_token"]

    def test_a_wrong_current_password_is_refused(self, api: Api) -> None:
        headers = api.user("alice")

        response = api.post(
            "/auth/change-password",
            json={"current_password": "not it at all", "new_password": NEW_PASSWORD},
            headers=headers,
        )

        assert response.status_code == 401
        assert problem(response)["code"] == "invalid-credentials"


class TestDeleteAccount:
    def test_deleting_the_account_revokes_sessions_and_frees_the_profile(
        self, api: Api
    ) -> None:
        headers = api.user("alice")

        response = api.request(
            "DELETE", "/users/me", json={"password": PASSWORD}, headers=headers
        )

        assert response.status_code == 204
        assert api.get("/users/me", headers=headers).status_code == 401
        assert api.get("/users/alice").status_code == 404

    def test_a_wrong_password_keeps_the_account(self, api: Api) -> None:
        headers = api.user("alice")

        response = api.request(
            "DELETE", "/users/me", json={"password": "not it at all"}, headers=headers
        )

        assert response.status_code == 401
        assert api.get("/users/me", headers=headers).status_code == 200

    def test_the_last_admin_cannot_delete_their_account(self, api: Api) -> None:
        headers = api.user("alice", Role.ADMIN)

        response = api.request(
            "DELETE", "/users/me", json={"password": PASSWORD}, headers=headers
        )

        assert response.status_code == 409
        assert problem(response)["code"] == "conflict"
        assert api.get("/users/me", headers=headers).status_code == 200


class TestMalformedBodies:
    def test_a_deeply_nested_body_is_a_bad_request(self, api: Api) -> None:
        body = b"[" * 100_000 + b"]" * 100_000

        response = api.post(
            "/auth/register",
            content=body,
            headers={"Content-Type": "application/json"},
        )

        assert response.status_code == 400
        assert problem(response)["code"] == "bad-request"
