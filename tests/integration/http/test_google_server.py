"""Google sign-in as a browser and a mobile app see it: BitCode on a real
uvicorn on loopback, the fake Google on another, on the embedded defaults."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest
import uvicorn

from tests.integration.fake_openid import (
    CLIENT_ID,
    CLIENT_SECRET,
    FakeGoogle,
    GoogleUser,
)
from tests.integration.http.conftest import build_app, settings_for

START_TIMEOUT_S = 120
FRONTEND = "http://app.test/signed-in"  # never fetched: its fragment is read


@pytest.fixture
def bitcode(tmp_path: Path, fake_google: FakeGoogle) -> Iterator[str]:
    """BitCode's base URL, on a socket bound first so that the callback URL
    registered with the fake Google names the server's real port."""
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{listening.getsockname()[1]}"
    fake_google.reset(f"{base}/auth/google/callback")
    settings = settings_for(
        tmp_path,
        None,
        PUBLIC_URL=base,
        GOOGLE_CLIENT_ID=CLIENT_ID,
        GOOGLE_CLIENT_SECRET=CLIENT_SECRET,
        GOOGLE_DISCOVERY_URL=fake_google.discovery_url,
        FRONTEND_URL=FRONTEND,
    )
    app, _ = build_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, args=([listening],), daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start in time"
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listening.close()


def follow_to_frontend(browser: httpx.Client, url: str) -> dict[str, str]:
    """Follow redirects as a browser does, up to the frontend's URL."""
    for _ in range(5):
        response = browser.get(url)
        assert response.status_code == 302, response.text
        url = response.headers["location"]
        if url.startswith(FRONTEND):
            return dict(parse_qsl(url.partition("#")[2]))
    raise AssertionError("the sign-in never reached the frontend")


class TestSigningInWithGoogle:
    def test_a_browser_and_a_mobile_app_sign_in_and_see_their_profiles(
        self, bitcode: str, fake_google: FakeGoogle
    ) -> None:
        grace = GoogleUser(subject="2002", email="grace@gmail.com", name="Grace")

        with httpx.Client(timeout=30) as browser:
            back = follow_to_frontend(browser, f"{bitcode}/auth/google/start")
            signed_in = browser.post(
                f"{bitcode}/auth/google/exchange", json={"code": back["code"]}
            )
        with httpx.Client(base_url=bitcode, timeout=30) as app:
            mobile = app.post(
                "/auth/google/token", json={"id_token": fake_google.mint(grace)}
            )
            profiles = [
                app.get("/users/me", headers={"Authorization": f"Bearer {token}"})
                for token in (
                    signed_in.json()["access_token"],
                    mobile.json()["access_token"],
                )
            ]

        assert signed_in.status_code == 200, signed_in.text
        assert mobile.status_code == 200, mobile.text
        assert [p.json()["username"] for p in profiles] == ["ada-lovelace", "grace"]
        assert [p.json()["email"] for p in profiles] == [
            "ada.lovelace@gmail.com",
            "grace@gmail.com",
        ]
