"""Serve an ASGI app with uvicorn on a thread of its own, on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from dataclasses import dataclass

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


def call_on(loop: asyncio.AbstractEventLoop | None, coroutine: object) -> None:
    if loop is not None and loop.is_running():
        future = asyncio.run_coroutine_threadsafe(coroutine, loop)  # type: ignore[arg-type]
        with contextlib.suppress(Exception):
            future.result(timeout=30)
