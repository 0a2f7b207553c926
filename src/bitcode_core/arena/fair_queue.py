"""A bounded queue of judging work that serves players in turn.

Each player has a line of their own; the queue takes the oldest job of the
player whose turn it is, then moves on to the next player with work waiting.
So a job waits for at most one job per other waiting player (plus those
already running), however many a flooder queued: with ``slots`` jobs at once
and ``p`` players waiting, a new player's job starts after at most
``slots + p - 1`` others. Only the waiting is bounded here; the work itself
(a judge's coroutine) never blocks the event loop.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bitcode_core.errors import RateLimited

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class QueueLimits:
    slots: int = 2  # jobs running at once
    per_player: int = 8  # a player's jobs waiting or running
    total: int = 1000  # all jobs waiting or running


class FairQueue:
    def __init__(self, limits: QueueLimits) -> None:
        self.limits = limits
        self._lines: OrderedDict[str, deque[asyncio.Future[None]]] = OrderedDict()
        self._held: dict[str, int] = {}  # waiting or running, per player
        self._running = 0

    @property
    def waiting(self) -> int:
        return sum(len(line) for line in self._lines.values())

    def held_by(self, player: str) -> int:
        return self._held.get(player, 0)

    def check_room(self, player: str) -> None:
        """Raise ``RateLimited`` if ``player`` could not queue one more job."""
        if self._held.get(player, 0) >= self.limits.per_player:
            raise RateLimited(
                "wait for your earlier runs and submissions to be judged",
                retry_after_s=1.0,
            )
        if sum(self._held.values()) >= self.limits.total:
            raise RateLimited("the judge is busy; try again soon", retry_after_s=5.0)

    async def run(
        self, player: str, work: Callable[[], Awaitable[T]], *, admit: bool = True
    ) -> T:
        """Wait for ``player``'s turn, then do ``work``. ``admit=False`` skips
        the limits, for a job admitted earlier (a stored submission)."""
        if admit:
            self.check_room(player)
        self._held[player] = self._held.get(player, 0) + 1
        try:
            await self._turn(player)
            try:
                return await work()
            finally:
                self._running -= 1
                self._next()
        finally:
            self._held[player] -= 1
            if not self._held[player]:
                del self._held[player]

    async def _turn(self, player: str) -> None:
        if self._running < self.limits.slots and not self._lines:
            self._running += 1
            return
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._lines.setdefault(player, deque()).append(ticket)
        try:
            await ticket
        except asyncio.CancelledError:
            if ticket.done() and not ticket.cancelled():
                # Given a slot just as it was cancelled: hand it on.
                self._running -= 1
                self._next()
            else:
                self._forget(player, ticket)
            raise

    def _next(self) -> None:
        while self._running < self.limits.slots and self._lines:
            player, line = next(iter(self._lines.items()))
            ticket = line.popleft()
            if line:
                self._lines.move_to_end(player)  # the next player's turn
            else:
                del self._lines[player]
            if ticket.done():
                continue
            self._running += 1
            ticket.set_result(None)

    def _forget(self, player: str, ticket: asyncio.Future[None]) -> None:
        line = self._lines.get(player)
        if line is None:
            return
        try:
            line.remove(ticket)
        except ValueError:
            return
        if not line:
            del self._lines[player]
