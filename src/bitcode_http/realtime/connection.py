"""One client's socket: a bounded queue of what to send, a reader of what it
sends, its subscriptions and its limits.

Nothing waits on a slow client but its own sender task: the hub only appends
to the queue, and a queue that fills up, or a send that cannot finish in
time, closes the socket with ``TOO_SLOW``. The client reconnects and resumes
from the last ``seq`` it saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from litestar import WebSocket
from litestar.exceptions import WebSocketDisconnect

from bitcode_core.accounts.model import Principal
from bitcode_core.ports import Clock
from bitcode_http.realtime.hub import Subscription
from bitcode_http.realtime.protocol import encode_notice

logger = logging.getLogger(__name__)


class CloseCode:
    """WebSocket close codes BitCode uses (4000-4999 are the application's)."""

    GOING_AWAY = 1001  # the server is shutting down
    UNSUPPORTED = 1003  # a binary frame
    TOO_BIG = 1009  # a message over the size limit
    INTERNAL = 1011
    UNAUTHENTICATED = 4001  # no ticket, or a bad, spent or expired one; signed out
    ORIGIN_FORBIDDEN = 4003
    FLOODING = 4008  # kept sending past the message rate
    TOO_MANY_SOCKETS = 4009
    TOO_SLOW = 4010  # did not read its events fast enough


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    max_message_bytes: int = 16 * 1024
    messages_per_s: float = 10.0
    burst: int = 20
    strikes: int = 20  # refused messages before the socket is closed
    backlog: int = 256  # messages queued for sending
    send_timeout_s: float = 10.0
    recheck_every_s: float = 60.0  # is the session still signed in?


class TokenBucket:
    def __init__(self, rate: float, burst: int, now: float) -> None:
        self._rate, self._burst = rate, burst
        self._tokens, self._at = float(burst), now

    def take(self, now: float) -> bool:
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class Connection:
    def __init__(
        self,
        socket: WebSocket[Any, Any, Any],
        principal: Principal,
        limits: ConnectionLimits,
        clock: Clock,
    ) -> None:
        self.socket = socket
        self.principal = principal
        self.limits = limits
        self.clock = clock
        self.subscriptions: dict[str, Subscription] = {}
        self.present: set[str] = set()  # rooms where this socket counts as present
        self.bucket = TokenBucket(
            limits.messages_per_s, limits.burst, clock.monotonic()
        )
        self.strikes = 0
        self._queue: asyncio.Queue[str | None] = asyncio.Queue(limits.backlog)
        self._closing: tuple[int, str] | None = None

    @property
    def closing(self) -> bool:
        return self._closing is not None

    @property
    def close_code(self) -> int | None:
        return self._closing[0] if self._closing else None

    def push(self, text: str) -> None:
        """Queue a message; never waits. A full queue means the client is not
        reading: it is cut off rather than slowing anyone else."""
        if self._closing is not None:
            return
        try:
            self._queue.put_nowait(text)
        except asyncio.QueueFull:
            logger.info(
                "socket.too_slow",
                extra={
                    "user_id": self.principal.user_id,
                    "backlog": self.limits.backlog,
                },
            )
            self.close(CloseCode.TOO_SLOW, "too slow reading events")

    def notice(self, type: str, data: Any, room: str | None = None) -> None:
        self.push(encode_notice(type, self.clock.now(), data, room))

    def close(self, code: int, reason: str) -> None:
        """Ask the sender to close the socket after what is queued; a client
        that is too slow to read it gets the close alone."""
        if self._closing is not None:
            return
        self._closing = (code, reason)
        if code == CloseCode.TOO_SLOW or self._queue.full():
            with contextlib.suppress(asyncio.QueueEmpty):
                while True:  # what is queued would never be read: drop it
                    self._queue.get_nowait()
        self._queue.put_nowait(None)

    async def send_forever(self) -> None:
        """Send queued messages in order until asked to close, then close.
        What queued up meanwhile goes out under one deadline: a fan-out to
        many sockets costs a wake-up per socket, not per message."""
        ending = False
        while not ending:
            batch = [await self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                async with asyncio.timeout(self.limits.send_timeout_s):
                    for text in batch:
                        if text is None:
                            ending = True
                            break
                        await self.socket.send_data(text, mode="text")
            except TimeoutError:
                self._closing = (CloseCode.TOO_SLOW, "too slow reading events")
                break
            except (WebSocketDisconnect, OSError, RuntimeError):
                return  # the client is gone: nothing to close
        code, reason = self._closing or (CloseCode.GOING_AWAY, "")
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.socket.close(code, reason), 5.0)
