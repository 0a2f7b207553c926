"""Mailers: .eml files in a folder, and SMTP to a server on loopback."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword

from bitcode_adapters.mail_folder import FolderMailer
from bitcode_adapters.smtp_mail import MailDeliveryFailed, SmtpMailer
from bitcode_core.accounts.ports import Mail

pytestmark = pytest.mark.anyio

SENDER = "BitCode <no-reply@bitcode.test>"
WELCOME = Mail(
    "ada@example.org",
    "Confirm your BitCode email",
    "Open https://bitcode.test/auth/verify-email?token=abc within a day.\n",
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Inbox:
    """An aiosmtpd handler keeping what it receives."""

    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def messages(self) -> list[EmailMessage]:
        return [parse(e.original_content or b"") for e in self.envelopes]


@dataclass
class SmtpServer:
    inbox: Inbox
    port: int


def parse(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def accept_only(username: bytes, password: bytes):
    def authenticate(server, session, envelope, mechanism, auth_data):
        given = isinstance(auth_data, LoginPassword)
        ok = given and (auth_data.login, auth_data.password) == (username, password)
        return AuthResult(success=ok, handled=False)

    return authenticate


async def serve(**options: Any) -> tuple[asyncio.Server, SmtpServer]:
    inbox = Inbox()
    server = await asyncio.get_running_loop().create_server(
        lambda: SMTP(inbox, hostname="smtp.test", **options), "127.0.0.1", 0
    )
    return server, SmtpServer(inbox, server.sockets[0].getsockname()[1])


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpServer]:
    server, smtp = await serve()
    yield smtp
    server.close()
    await server.wait_closed()


@pytest.fixture
async def smtp_with_login() -> AsyncIterator[SmtpServer]:
    # Loopback only, so the test server may take a login without TLS.
    server, smtp = await serve(
        authenticator=accept_only(b"bitcode", b"mail-secret"),
        auth_require_tls=False,
    )
    yield smtp
    server.close()
    await server.wait_closed()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TestFolderMailer:
    async def test_each_mail_is_a_parseable_eml_file(self, tmp_path):
        mailer = FolderMailer(tmp_path, log_links=False, sender=SENDER)

        await mailer.send(WELCOME)

        (path,) = tmp_path.iterdir()
        message = parse(path.read_bytes())
        assert path.suffix == ".eml"
        assert message["To"] == "ada@example.org"
        assert message["From"] == SENDER
        assert message["Subject"] == "Confirm your BitCode email"
        assert message["Date"]
        assert message["Message-ID"]
        assert message.get_content() == WELCOME.text

    async def test_file_names_sort_in_sending_order(self, tmp_path):
        mailer = FolderMailer(tmp_path, log_links=False)

        for n in range(5):
            await mailer.send(Mail("ada@example.org", f"mail {n}", "text\n"))

        files = sorted(tmp_path.iterdir())
        subjects = [parse(p.read_bytes())["Subject"] for p in files]
        assert subjects == [f"mail {n}" for n in range(5)]

    async def test_the_folder_is_created_and_no_temporary_file_remains(self, tmp_path):
        folder = tmp_path / "outbox" / "dev"
        mailer = FolderMailer(folder, log_links=False)

        await mailer.send(WELCOME)

        assert [p.suffix for p in folder.iterdir()] == [".eml"]

    @pytest.mark.parametrize(
        ("log_links", "logged"),
        [
            pytest.param(True, ["https://bitcode.test/auth/verify-email?token=abc"]),
            pytest.param(False, None),
        ],
        ids=["development", "production"],
    )
    async def test_links_are_logged_only_in_development(
        self, tmp_path: Path, caplog, log_links, logged
    ):
        mailer = FolderMailer(tmp_path, log_links=log_links)
        caplog.set_level(logging.INFO, logger="bitcode_adapters.mail_folder")

        await mailer.send(WELCOME)

        records = [r for r in caplog.records if r.getMessage() == "mail.links"]
        assert [r.links for r in records] == ([logged] if logged else [])


class TestSmtpMailer:
    async def test_the_server_receives_the_mail_with_its_headers(self, smtp):
        mailer = SmtpMailer("127.0.0.1", smtp.port, SENDER)

        await mailer.send(WELCOME)

        (envelope,) = smtp.inbox.envelopes
        (message,) = smtp.inbox.messages()
        assert envelope.mail_from == "no-reply@bitcode.test"
        assert envelope.rcpt_tos == ["ada@example.org"]
        assert message["From"] == SENDER
        assert message["Subject"] == "Confirm your BitCode email"
        assert message["Message-ID"].endswith("@bitcode.test>")
        assert message.get_content().replace("\r\n", "\n") == WELCOME.text

    async def test_a_login_is_presented_when_configured(self, smtp_with_login):
        mailer = SmtpMailer(
            "127.0.0.1",
            smtp_with_login.port,
            SENDER,
            username="bitcode",
            password="mail-secret",  # noqa: S106 - the test server's own login
        )

        await mailer.send(WELCOME)

        assert len(smtp_with_login.inbox.envelopes) == 1

    async def test_a_refused_login_is_a_delivery_failure(self, smtp_with_login):
        mailer = SmtpMailer(
            "127.0.0.1",
            smtp_with_login.port,
            SENDER,
            username="bitcode",
            password="wrong",  # noqa: S106 - deliberately wrong
        )

        with pytest.raises(MailDeliveryFailed):
            await mailer.send(WELCOME)

        assert smtp_with_login.inbox.envelopes == []

    async def test_a_closed_port_is_a_delivery_failure(self):
        mailer = SmtpMailer("127.0.0.1", closed_port(), SENDER, timeout_s=2)

        with pytest.raises(MailDeliveryFailed) as failed:
            await mailer.send(WELCOME)

        assert isinstance(failed.value.__cause__, OSError)

    def test_starttls_and_implicit_tls_exclude_each_other(self):
        with pytest.raises(ValueError, match="not both"):
            SmtpMailer("127.0.0.1", 25, SENDER, starttls=True, ssl=True)
