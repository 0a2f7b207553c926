"""Sign-in with Google against a fake provider on loopback, on SQLite and
PostgreSQL: the browser flow, the token flow, linking, and every attack."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from tests.integration.conftest import GOOGLE_CALLBACK
from tests.integration.fake_openid import (
    CLIENT_ID,
    CLIENT_SECRET,
    FakeGoogle,
    GoogleUser,
    new_key,
)
from tests.integration.http.conftest import PASSWORD, Api, bearer, problem

FRONTEND = "http://app.test/signed-in"
OTHER_FRONTEND = "http://other.test/done"
GRACE = GoogleUser(subject="2002", email="grace@gmail.com", name="Grace Hopper")


@pytest.fixture
def google_api(make_api: Callable[..., Api], fake_google: FakeGoogle) -> Api:
    return make_api(
        GOOGLE_CLIENT_ID=CLIENT_ID,
        GOOGLE_CLIENT_SECRET=CLIENT_SECRET,
        GOOGLE_DISCOVERY_URL=fake_google.discovery_url,
        GOOGLE_REDIRECT_URI=GOOGLE_CALLBACK,
        FRONTEND_URL=f"{FRONTEND},{OTHER_FRONTEND}",
    )


def start(api: Api, **params: str) -> httpx.Response:
    return api.get("/auth/google/start", params=params, follow_redirects=False)


def authorize(api: Api, **params: str) -> httpx.URL:
    """Where the fake Google sends the browser back after approving."""
    started = start(api, **params)
    assert started.status_code == 302, started.text
    approved = httpx.get(started.headers["location"], follow_redirects=False)
    assert approved.status_code == 302, approved.text
    return httpx.URL(approved.headers["location"])


def call_back(
    api: Api, callback: httpx.URL, **changes: str | None
) -> tuple[str, dict[str, str]]:
    """The frontend URL the callback redirects to, and its fragment's fields."""
    params = {**dict(callback.params), **changes}
    sent = {k: v for k, v in params.items() if v is not None}
    response = api.get("/auth/google/callback", params=sent, follow_redirects=False)
    assert response.status_code == 302, response.text
    url, _, fragment = response.headers["location"].partition("#")
    return url, dict(parse_qsl(fragment))


def exchange(api: Api, code: str) -> httpx.Response:
    return api.post("/auth/google/exchange", json={"code": code})


def browser_sign_in(api: Api) -> dict[str, Any]:
    _, back = call_back(api, authorize(api))
    assert "code" in back, back
    response = exchange(api, back["code"])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def token_sign_in(api: Api, id_token: str, **fields: str) -> httpx.Response:
    return api.post("/auth/google/token", json={"id_token": id_token, **fields})


def refused(
    response: httpx.Response, code: str = "invalid-token", because: str = ""
) -> bool:
    body = problem(response)
    return body["code"] == code and because in body["detail"]


def methods(api: Api, access_token: str) -> dict[str, Any]:
    response = api.get("/auth/sign-in-methods", headers=bearer(access_token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


class TestBrowserSignIn:
    def test_a_new_player_gets_an_account_without_a_password(
        self, google_api: Api
    ) -> None:
        signed_in = browser_sign_in(google_api)

        me = google_api.get("/users/me", headers=bearer(signed_in["access_token"]))
        assert me.status_code == 200
        assert me.json()["email"] == "ada.lovelace@gmail.com"
        assert me.json()["username"] == "ada-lovelace"
        assert me.json()["display_name"] == "Ada Lovelace"
        assert me.json()["email_verified"] is True
        ways = methods(google_api, signed_in["access_token"])
        assert ways["password"] is False
        assert [i["email"] for i in ways["identities"]] == ["ada.lovelace@gmail.com"]

    def test_google_is_asked_for_a_code_with_pkce_s256_state_and_nonce(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        authorize(google_api)

        asked = fake_google.authorizations[-1]
        assert asked["response_type"] == "code"
        assert asked["client_id"] == CLIENT_ID
        assert asked["redirect_uri"] == GOOGLE_CALLBACK
        assert asked["code_challenge_method"] == "S256"
        assert len(asked["code_challenge"]) == 43
        assert asked["state"]
        assert asked["nonce"]
        assert set(asked["scope"].split()) == {"openid", "email", "profile"}

    def test_the_browser_is_bound_by_a_short_lived_http_only_cookie(
        self, google_api: Api
    ) -> None:
        cookie = start(google_api).headers["set-cookie"].lower()

        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        assert "path=/auth/google" in cookie
        assert "max-age=600" in cookie

    def test_the_frontend_gets_a_one_time_code_and_never_a_token(
        self, google_api: Api
    ) -> None:
        url, back = call_back(google_api, authorize(google_api))

        first = exchange(google_api, back["code"])
        second = exchange(google_api, back["code"])

        assert url == FRONTEND
        assert set(back) == {"code"}
        assert first.status_code == 200
        assert refused(second)

    def test_the_sign_in_returns_to_the_frontend_it_was_asked_for(
        self, google_api: Api
    ) -> None:
        url, back = call_back(
            google_api, authorize(google_api, redirect_uri=OTHER_FRONTEND)
        )

        assert url == OTHER_FRONTEND
        assert "code" in back

    @pytest.mark.parametrize(
        "elsewhere",
        [
            pytest.param("http://evil.test/signed-in", id="another-host"),
            pytest.param(FRONTEND + "/../../evil", id="a-path-below"),
            pytest.param(FRONTEND + "?next=http://evil.test", id="a-query-added"),
            pytest.param(FRONTEND.upper(), id="another-case"),
        ],
    )
    def test_a_frontend_not_configured_exactly_is_refused(
        self, google_api: Api, elsewhere: str
    ) -> None:
        response = start(google_api, redirect_uri=elsewhere)

        assert response.status_code == 422
        assert problem(response)["errors"][0]["field"] == "redirect_uri"

    def test_a_player_who_says_no_at_google_comes_back_refused(
        self, google_api: Api
    ) -> None:
        callback = authorize(google_api)

        url, back = call_back(google_api, callback, code=None, error="access_denied")

        assert url == FRONTEND
        assert back["error"] == "invalid-token"
        assert "access_denied" in back["error_description"]


class TestBrowserAttacks:
    def test_a_wrong_state_is_refused(self, google_api: Api) -> None:
        callback = authorize(google_api)

        _, back = call_back(google_api, callback, state="made-up-state")

        assert back["error"] == "invalid-token"
        assert "code" not in back

    def test_a_missing_state_is_refused(self, google_api: Api) -> None:
        callback = authorize(google_api)

        _, back = call_back(google_api, callback, state=None)

        assert back["error"] == "invalid-token"

    def test_a_callback_in_another_browser_is_refused(
        self, google_api: Api, make_api: Callable[..., Api]
    ) -> None:
        callback = authorize(google_api)
        google_api.client.cookies.clear()  # a victim's browser has no cookie

        _, back = call_back(google_api, callback)

        assert back["error"] == "invalid-token"
        assert "another browser" in back["error_description"]

    def test_a_replayed_callback_is_refused(self, google_api: Api) -> None:
        callback = authorize(google_api)
        _, first = call_back(google_api, callback)

        _, replay = call_back(google_api, callback)

        assert "code" in first
        assert replay["error"] == "invalid-token"

    def test_a_replayed_code_is_refused(self, google_api: Api) -> None:
        spent = authorize(google_api)
        call_back(google_api, spent)
        fresh = authorize(google_api)

        _, back = call_back(google_api, fresh, code=spent.params["code"])

        assert back["error"] == "invalid-token"
        assert "Google refused" in back["error_description"]

    def test_a_code_from_another_sign_in_fails_its_pkce_check(
        self, google_api: Api
    ) -> None:
        # An attacker's own code, injected into the victim's sign-in: the
        # victim's verifier does not match the attacker's challenge.
        injected = authorize(google_api)
        victims = authorize(google_api)

        _, back = call_back(google_api, victims, code=injected.params["code"])

        assert back["error"] == "invalid-token"

    @pytest.mark.parametrize(
        ("changes", "because"),
        [
            pytest.param({"aud": "another.apps"}, "'aud'", id="wrong-audience"),
            pytest.param({"iss": "https://evil.example"}, "'iss'", id="wrong-issuer"),
            pytest.param({"exp": 1_000_000_000}, "expired", id="expired"),
            pytest.param({"nonce": "replayed-nonce"}, "nonce", id="wrong-nonce"),
            pytest.param({"nonce": None}, "nonce", id="no-nonce"),
        ],
    )
    def test_the_id_token_google_returns_is_checked_too(
        self,
        google_api: Api,
        fake_google: FakeGoogle,
        changes: dict[str, Any],
        because: str,
    ) -> None:
        fake_google.issued_changes.update(changes)

        _, back = call_back(google_api, authorize(google_api))

        assert back["error"] == "invalid-token"
        assert because in back["error_description"]


class TestTokenSignIn:
    def test_a_new_player_signs_in_with_an_id_token(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        response = token_sign_in(google_api, fake_google.mint())

        assert response.status_code == 200, response.text
        assert response.json()["user"]["username"] == "ada-lovelace"
        assert response.json()["refresh_token"]

    def test_the_same_google_account_is_the_same_player_whatever_its_email(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        first = token_sign_in(google_api, fake_google.mint())
        fake_google.user.email = "countess@example.org"

        again = token_sign_in(google_api, fake_google.mint())

        assert again.json()["user"]["id"] == first.json()["user"]["id"]

    def test_two_players_with_one_name_get_two_usernames(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        namesake = GoogleUser(subject="3003", email="ada@other.example")

        first = token_sign_in(google_api, fake_google.mint())
        second = token_sign_in(google_api, fake_google.mint(namesake))

        assert first.json()["user"]["username"] == "ada-lovelace"
        assert second.json()["user"]["username"] == "ada-lovelace-2"

    def test_a_verified_google_email_links_to_the_verified_account(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        google_api.verified("ada")
        fake_google.user.email = "ada@example.org"

        response = token_sign_in(google_api, fake_google.mint())

        assert response.status_code == 200, response.text
        assert response.json()["user"]["username"] == "ada"
        ways = methods(google_api, response.json()["access_token"])
        assert ways["password"] is True
        assert len(ways["identities"]) == 1

    def test_a_nonce_sent_must_be_the_tokens(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        id_token = fake_google.mint(nonce="n-0123456789")

        right = token_sign_in(google_api, id_token, nonce="n-0123456789")
        wrong = token_sign_in(google_api, id_token, nonce="n-other")

        assert right.status_code == 200
        assert refused(wrong, because="nonce")

    def test_a_token_within_the_clock_leeway_is_accepted(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        response = token_sign_in(google_api, fake_google.mint(exp=int(time.time()) - 5))

        assert response.status_code == 200


class TestTokenAttacks:
    def test_a_token_for_another_audience_is_refused(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        id_token = fake_google.mint(aud="another-app.apps.example", azp=None)

        assert refused(token_sign_in(google_api, id_token), because="'aud'")

    def test_a_token_shared_with_another_party_is_refused(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        id_token = fake_google.mint(aud=[CLIENT_ID, "other.apps"], azp="other.apps")

        assert refused(token_sign_in(google_api, id_token), because="another party")

    def test_a_token_from_another_issuer_is_refused(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        id_token = fake_google.mint(iss="https://accounts.evil.example")

        assert refused(token_sign_in(google_api, id_token), because="'iss'")

    def test_an_expired_token_is_refused(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        now = int(time.time())
        id_token = fake_google.mint(iat=now - 7200, exp=now - 3600)

        assert refused(token_sign_in(google_api, id_token), because="expired")

    def test_a_token_without_an_expiry_is_refused(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        response = token_sign_in(google_api, fake_google.mint(exp=None))

        assert refused(response, because="'exp'")

    def test_an_unsigned_token_is_refused(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        response = token_sign_in(google_api, fake_google.mint_unsigned())

        assert refused(response, because="RS256")

    def test_a_token_signed_by_another_key_is_refused(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        forger = new_key(fake_google.key.kid or "key-1")  # same key id, not Google's

        response = token_sign_in(google_api, fake_google.mint(key=forger))

        assert refused(response, because="bad signature")

    def test_a_token_signed_by_an_unpublished_key_is_refused(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        stranger = new_key("not-published")

        response = token_sign_in(google_api, fake_google.mint(key=stranger))

        assert refused(response, because="does not publish")

    def test_hs256_keyed_with_the_public_key_is_refused(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        id_token = fake_google.mint_hs256_with_public_key()

        assert refused(token_sign_in(google_api, id_token), because="RS256")

    def test_garbage_is_refused(self, google_api: Api) -> None:
        assert refused(token_sign_in(google_api, "not.a.jwt"))

    def test_an_unverified_email_never_takes_over_an_account(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        google_api.verified("ada")
        fake_google.user.email = "ada@example.org"
        fake_google.user.email_verified = False

        response = token_sign_in(google_api, fake_google.mint())

        assert response.status_code == 403
        assert refused(response, "email-not-verified")
        ada = google_api.login("ada")
        assert methods(google_api, ada["access_token"])["identities"] == []

    def test_an_unverified_email_creates_no_account(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        fake_google.user.email_verified = False

        response = token_sign_in(google_api, fake_google.mint())

        assert refused(response, "email-not-verified")
        assert google_api.get("/users/ada-lovelace").status_code == 404

    def test_a_verified_email_never_takes_over_an_unconfirmed_account(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        # Whoever registered the address never proved they own it.
        assert google_api.register("ada").status_code == 202
        fake_google.user.email = "ada@example.org"

        response = token_sign_in(google_api, fake_google.mint())

        assert response.status_code == 409
        assert google_api.get("/users/ada-lovelace").status_code == 404


class TestLinking:
    def test_a_signed_in_player_links_google_then_signs_in_with_it(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        grace = google_api.user("grace")

        linked = google_api.post(
            "/auth/google/link",
            json={"id_token": fake_google.mint(GRACE)},
            headers=grace,
        )
        signed_in = token_sign_in(google_api, fake_google.mint(GRACE))

        assert linked.status_code == 200, linked.text
        assert linked.json()["email"] == "grace@gmail.com"
        assert signed_in.json()["user"]["username"] == "grace"

    def test_a_google_account_linked_to_another_player_is_refused(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        token_sign_in(google_api, fake_google.mint())
        grace = google_api.user("grace")

        response = google_api.post(
            "/auth/google/link", json={"id_token": fake_google.mint()}, headers=grace
        )

        assert response.status_code == 409

    def test_unlinking_leaves_the_password(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        grace = google_api.user("grace")
        google_api.post(
            "/auth/google/link",
            json={"id_token": fake_google.mint(GRACE)},
            headers=grace,
        )

        unlinked = google_api.delete("/auth/google/link", headers=grace)
        again = token_sign_in(google_api, fake_google.mint(GRACE))

        assert unlinked.status_code == 204
        assert google_api.login("grace")["user"]["username"] == "grace"
        assert again.json()["user"]["username"] != "grace"

    def test_the_last_way_to_sign_in_cannot_be_unlinked(self, google_api: Api) -> None:
        player = browser_sign_in(google_api)
        headers = bearer(player["access_token"])

        response = google_api.delete("/auth/google/link", headers=headers)

        assert response.status_code == 409
        assert "only way to sign in" in problem(response)["detail"]
        assert len(methods(google_api, player["access_token"])["identities"]) == 1

    def test_a_google_only_player_sets_a_password_by_mail_then_may_unlink(
        self, google_api: Api
    ) -> None:
        player = browser_sign_in(google_api)
        address = player["user"]["email"]
        google_api.post("/auth/password-reset", json={"email": address})
        reset = {"token": google_api.last_token(address), "new_password": PASSWORD}
        assert google_api.post("/auth/password-reset/confirm", json=reset).is_success
        again = bearer(browser_sign_in(google_api)["access_token"])

        response = google_api.delete("/auth/google/link", headers=again)

        assert response.status_code == 204
        login = {"email": address, "password": PASSWORD}
        assert google_api.post("/auth/login", json=login).status_code == 200

    def test_unlinking_what_is_not_linked_is_not_found(self, google_api: Api) -> None:
        grace = google_api.user("grace")

        assert google_api.delete("/auth/google/link", headers=grace).status_code == 404

    def test_linking_needs_a_signed_in_player(
        self, google_api: Api, fake_google: FakeGoogle
    ) -> None:
        response = google_api.post(
            "/auth/google/link", json={"id_token": fake_google.mint()}
        )

        assert response.status_code == 401


class TestNotConfigured:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            pytest.param("GET", "/auth/google/start", id="start"),
            pytest.param("GET", "/auth/google/callback?state=s&code=c", id="callback"),
            pytest.param("POST", "/auth/google/token", id="token"),
            pytest.param("POST", "/auth/google/exchange", id="exchange"),
        ],
    )
    def test_without_a_client_id_google_sign_in_says_so(
        self, api: Api, method: str, path: str
    ) -> None:
        body = {"id_token": "x", "code": "x"} if method == "POST" else None

        response = api.request(method, path, json=body, follow_redirects=False)

        assert response.status_code == 503
        assert problem(response)["type"] == (
            "https://bitcode.dev/problems/google-sign-in-not-configured"
        )
        assert problem(response)["detail"] == (
            "Google sign-in is not configured on this server."
        )

    def test_a_client_id_alone_serves_tokens_but_not_browsers(
        self, make_api: Callable[..., Api], fake_google: FakeGoogle
    ) -> None:
        api = make_api(
            GOOGLE_CLIENT_ID=CLIENT_ID, GOOGLE_DISCOVERY_URL=fake_google.discovery_url
        )

        browser = start(api)
        token = token_sign_in(api, fake_google.mint())

        assert refused(browser, "google-sign-in-not-configured")
        assert token.status_code == 200
