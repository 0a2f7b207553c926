"""Structured logs: one JSON object a line, and one line per request.

The request line carries method, path (never the query string, which may hold a
one-time token), status, duration in milliseconds and the user id once the
request proved who it is. Extra fields given to a log call become keys of the
line; fields whose names suggest a secret are dropped.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import Any, cast

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

USER_ID_KEY = "bitcode.user_id"  # where the principal dependency leaves the user id
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's copy of the message with terminal colours
}
_SECRET_WORDS = ("password", "secret", "token", "authorization", "cookie", "dsn")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = "[redacted]" if _looks_secret(key) else value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(
            f"{key}={'[redacted]' if _looks_secret(key) else value}"
            for key, value in record.__dict__.items()
            if key not in _STANDARD and not key.startswith("_")
        )
        text = f"{record.levelname.lower():7} {record.getMessage()} {fields}".rstrip()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def _looks_secret(key: str) -> bool:
    return any(word in key.lower() for word in _SECRET_WORDS)


class QueryRedactor(logging.Filter):
    """uvicorn logs each WebSocket's path with its query, where the socket's
    ticket travels: the query is cut from uvicorn's lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("uvicorn") and isinstance(record.args, tuple):
            record.args = tuple(
                _QUERY.sub("?[redacted]", a) if isinstance(a, str) else a
                for a in record.args
            )
        return True


_QUERY = re.compile(r"\?\S*")


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """Send every log line to stderr in ``log_format`` (``json`` or
    ``console``), and nowhere else."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else ConsoleFormatter()
    )
    handler.addFilter(QueryRedactor())
    root = logging.getLogger()
    # The server owns the root logger: a handler left by an earlier
    # ``basicConfig`` (the CLI's) would print every line a second time.
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # uvicorn's own access log would repeat the request line.
    logging.getLogger("uvicorn.access").disabled = True


def remember_user(scope: Scope, user_id: str) -> None:
    cast("dict[str, Any]", scope)[USER_ID_KEY] = user_id


class RequestLog:
    """ASGI middleware around the whole application, so requests that match no
    route (404, 405) and requests that crash are logged too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            logger.info(
                "request",
                extra={
                    "method": scope.get("method", ""),
                    "path": scope.get("path", ""),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "user_id": cast("dict[str, Any]", scope).get(USER_ID_KEY),
                },
            )
