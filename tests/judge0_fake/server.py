"""Serve an ASGI app with uvicorn on a thread of its own, on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import uvicorn
from litestar.types import ASGIApp

START_TIMEOUT_S = 30


@dataclass
class Served:
    url: str
    port: int
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def serve(app: ASGIApp, port: int = 0, *, lifespan: str = "off") -> Served:
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        lifespan=lifespan,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the server stopped while starting")
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start in time")
        time.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1]
    return Served(f"http://127.0.0.1:{bound}", bound, server, thread)


def free_port() -> int:
    """A loopback port nothing listens on (for a server that is down)."""
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def call_on(
    loop: asyncio.AbstractEventLoop | None, coroutine: Coroutine[Any, Any, Any]
) -> None:
    """Run ``coroutine`` on a server's event loop and wait for it (best effort:
    at the end of a session)."""
    if loop is None or not loop.is_running():
        coroutine.close()
        return
    future = asyncio.run_coroutine_threadsafe(coroutine, loop)
    with contextlib.suppress(Exception):
        future.result(timeout=30)
