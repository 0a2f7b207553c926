"""Mail written to a folder as ``.eml`` files, for the ``Mailer`` port.

For development and single-machine runs: nothing leaves the machine, and any mail
client opens the files. Names start with the time in nanoseconds, so they sort in
the order the mail was sent.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import tempfile
import time
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from bitcode_core.accounts.ports import Mail

logger = logging.getLogger(__name__)

DEFAULT_SENDER = "BitCode <no-reply@bitcode.localhost>"
_LINK = re.compile(r"https?://\S+")


def compose(mail: Mail, sender: str) -> EmailMessage:
    """The RFC 5322 message for ``mail``, as every mailer sends it."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "bitcode.localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(mail.text)
    return message


class FolderMailer:
    def __init__(
        self, folder: Path, log_links: bool, *, sender: str = DEFAULT_SENDER
    ) -> None:
        self.folder = Path(folder)
        self._log_links = log_links
        self._sender = sender

    async def send(self, mail: Mail) -> None:
        message = compose(mail, self._sender)
        path = await asyncio.to_thread(self._write, message)
        logger.info("mail.written", extra={"file": path.name})
        if self._log_links:
            # Development only: the links carry one-time tokens.
            links = _LINK.findall(mail.text)
            logger.info(
                "mail.links",
                extra={"to": mail.to, "subject": mail.subject, "links": links},
            )

    def _write(self, message: EmailMessage) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.eml"
        descriptor, temporary = tempfile.mkstemp(
            dir=self.folder, prefix=".", suffix=".tmp"
        )
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(message.as_bytes())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return path
