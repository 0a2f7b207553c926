"""Where Judge0's callbacks arrive: one registration per run, each with a secret.

A run's callback URL carries a public run id in its path and an unguessable
secret (256 bits) in its query. A delivery is accepted only for a registered
run whose secret matches, compared in constant time; any other delivery gets
the same refusal, so a caller learns nothing about which runs exist. A run is
delivered at most once, and the waiting judge may run on another event loop
than the web server that receives the call.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote


@dataclass(slots=True)
class _Waiting:
    secret: str = field(repr=False)
    future: asyncio.Future[dict[str, Any]]
    loop: asyncio.AbstractEventLoop


@dataclass(frozen=True, slots=True)
class Registration:
    run_id: str
    secret: str = field(repr=False)
    future: asyncio.Future[dict[str, Any]]

    def url(self, base_url: str) -> str:
        return (
            f"{base_url.rstrip('/')}{CALLBACK_PATH}/{self.run_id}"
            f"?secret={quote(self.secret)}"
        )


CALLBACK_PATH = "/judge0/callbacks"
_DECOY = secrets.token_urlsafe(32)


class CallbackInbox:
    def __init__(self) -> None:
        self._waiting: dict[str, _Waiting] = {}
        self._lock = threading.Lock()

    def register(self) -> Registration:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        run_id, secret = secrets.token_urlsafe(12), secrets.token_urlsafe(32)
        with self._lock:
            self._waiting[run_id] = _Waiting(secret, future, loop)
        return Registration(run_id, secret, future)

    def discard(self, run_id: str) -> None:
        with self._lock:
            self._waiting.pop(run_id, None)

    def deliver(self, run_id: str, secret: str, result: dict[str, Any]) -> bool:
        """Hand ``result`` to the run waiting for it; False when no run with
        this id and secret is waiting."""
        with self._lock:
            waiting = self._waiting.get(run_id)
            # An unknown run is compared too, so both refusals take as long.
            expected = waiting.secret if waiting is not None else _DECOY
            matches = hmac.compare_digest(expected.encode(), secret.encode())
            if waiting is None or not matches:
                return False
            del self._waiting[run_id]
        waiting.loop.call_soon_threadsafe(_settle, waiting.future, result)
        return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._waiting)


def _settle(future: asyncio.Future[dict[str, Any]], result: dict[str, Any]) -> None:
    if not future.done():
        future.set_result(result)
