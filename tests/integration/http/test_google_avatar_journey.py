"""Issue 8 from one player's side: new players sign in with the fake Google,
one by the browser flow and one by the token flow, an existing verified
account gets linked rather than duplicated, and each uploads an avatar that
then shows on their profile; with media on the fake ImageKit and on disk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.conftest import GOOGLE_CALLBACK
from tests.integration.fake_imagekit import URL_ENDPOINT, FakeImageKit
from tests.integration.fake_openid import (
    CLIENT_ID,
    CLIENT_SECRET,
    FakeGoogle,
    GoogleUser,
)
from tests.integration.http.conftest import Api, bearer
from tests.integration.http.test_google import (
    FRONTEND,
    browser_sign_in,
    token_sign_in,
)
from tests.integration.http.test_media import image_bytes, imagekit_variables

GRACE = GoogleUser(subject="3003", email="grace@gmail.com", name="Grace Hopper")
LINUS = GoogleUser(subject="4004", email="linus@example.org", name="Linus")


@pytest.fixture(
    params=[pytest.param("imagekit", id="imagekit"), pytest.param("disk", id="disk")]
)
def journey_api(
    request: pytest.FixtureRequest,
    make_api: Callable[..., Api],
    fake_google: FakeGoogle,
) -> tuple[Api, FakeImageKit | None]:
    variables = {
        "GOOGLE_CLIENT_ID": CLIENT_ID,
        "GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
        "GOOGLE_DISCOVERY_URL": fake_google.discovery_url,
        "GOOGLE_REDIRECT_URI": GOOGLE_CALLBACK,
        "FRONTEND_URL": FRONTEND,
    }
    if request.param == "disk":
        return make_api(**variables), None
    fake: FakeImageKit = request.getfixturevalue("imagekit")
    return make_api(**variables, **imagekit_variables(fake)), fake


def _avatar(api: Api, access_token: str) -> dict[str, Any]:
    uploaded = api.put(
        "/users/me/avatar",
        files={"file": ("me.png", image_bytes("PNG", (200, 200)), "image/png")},
        headers=bearer(access_token),
    )
    assert uploaded.status_code == 200, uploaded.text
    me = api.get("/users/me", headers=bearer(access_token))
    assert me.status_code == 200, me.text
    body: dict[str, Any] = me.json()
    return body


def test_players_sign_in_with_google_get_linked_and_show_their_avatars(
    journey_api: tuple[Api, FakeImageKit | None], fake_google: FakeGoogle
) -> None:
    api, imagekit = journey_api
    api.verified("linus")
    existing = api.login("linus")["user"]

    by_browser = browser_sign_in(api)
    by_token = token_sign_in(api, fake_google.mint(GRACE))
    linked = token_sign_in(api, fake_google.mint(LINUS))
    profiles = [
        _avatar(api, signed_in["access_token"])
        for signed_in in (by_browser, by_token.json(), linked.json())
    ]

    assert by_token.status_code == 200, by_token.text
    assert linked.status_code == 200, linked.text
    assert [p["username"] for p in profiles] == [
        "ada-lovelace",
        "grace-hopper",
        "linus",
    ]
    assert profiles[2]["id"] == existing["id"]  # linked, not a second account
    for profile in profiles:
        url = profile["avatar_url"]
        assert url
        public = api.get(f"/users/{profile['username']}").json()
        assert public["avatar_url"] == url
        if imagekit is None:
            served = api.get("/" + url.split("/", 3)[3])
            assert served.status_code == 200
            assert served.headers["content-type"].startswith("image/")
        else:
            assert url.startswith(URL_ENDPOINT)
            assert imagekit.by_path(url.removeprefix(URL_ENDPOINT)) is not None
