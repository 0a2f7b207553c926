"""``bitcode serve`` as a newcomer runs it: on a port of their choosing, with
no PUBLIC_URL, the addresses the API hands out point at that port."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.http.conftest import PASSWORD
from tests.integration.realtime.conftest import Server, start_server

pytestmark = pytest.mark.no_skip


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    environ = {
        "BITCODE_ENV": "development",
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "BITCODE_DATA_DIR": str(tmp_path / "data"),
        "MAIL_FOLDER": str(tmp_path / "mail"),
        "LOAD_DEMO_BANK": "0",
    }
    server = start_server(environ, tmp_path / "server.log", public_url=False)
    yield server
    server.stop()


def test_without_public_url_the_mail_links_to_the_port_served(
    served: Server, tmp_path: Path
) -> None:
    account = {"email": "me@example.org", "username": "newcomer", "password": PASSWORD}

    registered = httpx.post(f"{served.url}/auth/register", json=account, timeout=30)

    assert registered.status_code == 202
    (mail,) = (tmp_path / "mail").glob("*.eml")
    assert f"{served.url}/auth/verify-email?token=" in mail.read_text()
    assert "PUBLIC_URL" not in os.environ
