"""Mail sent through an SMTP server, for the ``Mailer`` port.

smtplib blocks, so each message goes out from a worker thread with its own
connection; a failure of any kind becomes ``MailDeliveryFailed``.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from email.message import EmailMessage
from ssl import create_default_context

from bitcode_adapters.mail_folder import compose
from bitcode_core.accounts.ports import Mail
from bitcode_core.errors import BitCodeError

logger = logging.getLogger(__name__)


class MailDeliveryFailed(BitCodeError):
    code = "mail-delivery-failed"
    default_message = "The mail could not be sent."


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        ssl: bool = False,
        timeout_s: float = 10,
    ) -> None:
        if starttls and ssl:
            raise ValueError("choose STARTTLS or implicit TLS, not both")
        self.host = host
        self.port = port
        self.sender = sender
        self._username = username
        self._password = password
        self._starttls = starttls
        self._ssl = ssl
        self._timeout_s = timeout_s

    async def send(self, mail: Mail) -> None:
        message = compose(mail, self.sender)
        try:
            await asyncio.to_thread(self._deliver, message)
        except (smtplib.SMTPException, OSError) as error:
            logger.warning(
                "mail.delivery_failed",
                extra={"host": self.host, "port": self.port, "error": repr(error)},
            )
            raise MailDeliveryFailed(
                f"the mail server at {self.host}:{self.port} refused or is unreachable"
            ) from error

    async def ping(self) -> bool:
        """Whether the mail server answers a NOOP (for readiness checks)."""
        try:
            return await asyncio.to_thread(self._noop)
        except (smtplib.SMTPException, OSError):
            return False

    def _noop(self) -> bool:
        with self._connect() as smtp:
            code, _ = smtp.noop()
            return code == 250

    def _deliver(self, message: EmailMessage) -> None:
        with self._connect() as smtp:
            if self._starttls:
                smtp.starttls(context=create_default_context())
            if self._username is not None:
                smtp.login(self._username, self._password or "")
            smtp.send_message(message)

    def _connect(self) -> smtplib.SMTP:
        if self._ssl:
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                timeout=self._timeout_s,
                context=create_default_context(),
            )
        return smtplib.SMTP(self.host, self.port, timeout=self._timeout_s)
