"""The README's walk-through: a real uvicorn server on loopback, on the embedded
defaults (SQLite, the mail folder, the demo bank loaded at first start)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn

from bitcode_core.accounts.model import Role
from tests.images import image_bytes
from tests.integration.http.conftest import (
    PASSWORD,
    Api,
    build_app,
    settings_for,
)

START_TIMEOUT_S = 120


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The server's base URL and its mail folder."""
    settings = settings_for(tmp_path, None, LOAD_DEMO_BANK="1")
    app, _ = build_app(settings)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start in time"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", settings.mail_folder
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def token_in_newest_mail(folder: Path) -> str:
    """As the README's shell lines find it: grep on the newest .eml file."""
    newest = max(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    match = re.search(r"to the API: ([A-Za-z0-9_-]*)", newest.read_text())
    assert match
    return match[1]


class TestReadmeWalkthrough:
    def test_register_confirm_sign_in_and_list_the_demo_bank(
        self, server: tuple[str, Path]
    ) -> None:
        base, mail_folder = server
        account = {
            "email": "me@example.org",
            "username": "newcomer",
            "password": PASSWORD,
        }

        with httpx.Client(base_url=base, timeout=30) as http:
            assert http.post("/auth/register", json=account).status_code == 202
            token = token_in_newest_mail(mail_folder)
            verified = http.get("/auth/verify-email", params={"token": token})
            login = http.post(
                "/auth/login",
                json={"email": account["email"], "password": PASSWORD},
            )
            access = login.json()["access_token"]
            questions = http.get(
                "/questions", headers={"Authorization": f"Bearer {access}"}
            )
            avatar = http.put(
                "/users/me/avatar",
                headers={"Authorization": f"Bearer {access}"},
                files={"file": ("me.png", image_bytes("PNG"), "image/png")},
            )
            served = http.get(urlsplit(avatar.json()["avatar_url"]).path)
            docs = http.get("/schema")

        assert verified.status_code == 200
        assert login.status_code == 200
        assert questions.status_code == 200
        ids = [q["id"] for q in questions.json()["items"]]
        assert len(ids) == 12
        assert "a-plus-b" in ids
        assert avatar.status_code == 200
        assert served.headers["content-type"] == "image/png"
        assert served.headers["x-content-type-options"] == "nosniff"
        assert docs.status_code == 200
        assert "text/html" in docs.headers["content-type"]


class TestMailFolderFlow:
    def test_register_read_the_mail_verify_sign_in_and_list_questions(
        self, api: Api
    ) -> None:
        setter = api.user("sam", Role.SETTER)
        api.post(
            "/questions",
            json={
                "id": "sum",
                "title": "Sum",
                "statement": "Add.",
                "samples": [{"name": "1", "input": "1 1", "answer": "2"}],
            },
            headers=setter,
        )

        assert api.register("newcomer").status_code == 202
        token = api.last_token("newcomer@example.org")
        assert api.get("/auth/verify-email", params={"token": token}).is_success
        access = api.login("newcomer")["access_token"]
        listed = api.get("/questions", headers={"Authorization": f"Bearer {access}"})

        assert [q["id"] for q in listed.json()["items"]] == ["sum"]
