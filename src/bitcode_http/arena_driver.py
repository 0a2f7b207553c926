"""The arena's clock and background work on one instance.

Battles wake at their reveal and their end through timers on the instance
that scheduled them; every instance also sweeps the store for steps that fell
due (a timer lost to a restart, or set on an instance that stopped), renews
the leases of the submissions it is judging, and takes over queued
submissions whose holder stopped renewing. Nothing here decides anything:
the arena does, and its store lets one instance through for each step.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from bitcode_core.arena.arena import Arena
from bitcode_core.ports import Clock

logger = logging.getLogger(__name__)


class ArenaDriver:
    """The arena's ``Scheduler``: call ``attach`` before ``start``."""

    def __init__(self, clock: Clock, *, sweep_s: float, lease_s: float) -> None:
        self._clock = clock
        self._sweep_s = sweep_s
        self._renew_s = lease_s / 3
        self._arena: Arena | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        self._loops: list[asyncio.Task[None]] = []

    def attach(self, arena: Arena) -> None:
        self._arena = arena

    # The Scheduler port

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(_logged(work, name), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def wake(self, battle_id: str, at: float) -> None:
        loop = asyncio.get_running_loop()
        delay = max(at - self._clock.now(), 0.0)
        handle: asyncio.TimerHandle

        def fire() -> None:
            self._timers.discard(handle)
            self._advance(battle_id)

        handle = loop.call_later(delay, fire)
        self._timers.add(handle)

    def _advance(self, battle_id: str) -> None:
        arena = self._arena
        if arena is not None:
            self.spawn(_advanced(arena, battle_id), f"battle-{battle_id}")

    # The instance's loops

    async def start(self) -> None:
        arena = self._require()
        for battle in await arena.unfinished():
            self.wake(battle.id, battle.starts_at)
            self.wake(battle.id, battle.ends_at)
        await arena.recover()
        self._loops = [
            asyncio.create_task(self._sweep_forever(arena), name="battle-sweep"),
            asyncio.create_task(self._lease_forever(arena), name="battle-leases"),
        ]

    async def _sweep_forever(self, arena: Arena) -> None:
        while True:
            await asyncio.sleep(self._sweep_s)
            try:
                for battle_id in await arena.due():
                    await arena.advance(battle_id)
            except Exception:
                logger.exception("battle.sweep_failed")

    async def _lease_forever(self, arena: Arena) -> None:
        while True:
            await asyncio.sleep(self._renew_s)
            try:
                await arena.renew_leases()
                await arena.recover()
            except Exception:
                logger.exception("battle.lease_renewal_failed")

    async def close(self) -> None:
        """Stop; what was being judged is handed back at once, so the next
        instance to look takes it over without waiting for the lease."""
        held = self._arena.holding if self._arena is not None else ()
        for loop in self._loops:
            loop.cancel()
        for handle in list(self._timers):
            handle.cancel()
        self._timers.clear()
        tasks = [*self._loops, *self._tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._loops = []
        if self._arena is not None:
            with contextlib.suppress(Exception):
                await self._arena.release_leases(held)

    def _require(self) -> Arena:
        if self._arena is None:
            raise RuntimeError("the arena driver was started before attach")
        return self._arena


async def _advanced(arena: Arena, battle_id: str) -> None:
    await arena.advance(battle_id)


async def _logged(work: Coroutine[Any, Any, None], name: str) -> None:
    try:
        await work
    except asyncio.CancelledError:
        raise
    except Exception:
        logger.exception("battle.task_failed", extra={"task": name})
