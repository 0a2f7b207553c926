"""Real servers for the lobby's end-to-end tests: ``bitcode serve`` (uvicorn)
in subprocesses on loopback, driven by players made of an httpx client and a
``websockets`` connection.

``servers(1)`` runs the embedded defaults (SQLite, events in the process);
``servers(2, shared=True)`` runs two processes on this machine's PostgreSQL
and Redis, the way instances scale out.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

PASSWORD = "correct horse battery staple"  # noqa: S105 - a test account's
REPO = Path(__file__).resolve().parents[3]
_TOKEN = re.compile(r"to the API: ([A-Za-z0-9_-]+)")
Message = dict[str, Any]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def ws_url(self) -> str:
        return self.url.replace("http", "ws", 1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(
    environ: dict[str, str], log: Path, *, public_url: bool = True
) -> Server:
    """``bitcode serve`` on a free port, PUBLIC_URL set to its address unless
    ``public_url`` is False."""
    port = free_port()
    command = [sys.executable, "-m", "bitcode_cli", "serve", "--port", str(port)]
    env = {**os.environ, **environ}
    if public_url:
        env["PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, cwd=REPO
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.url}/health/ready", timeout=2).status_code == 200:
                return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"the server did not start:\n{log.read_text()[-3000:]}")


@dataclass
class Cluster:
    servers: list[Server]
    mail: Path
    _users: Iterator[int] = field(default_factory=itertools.count)

    def server(self, index: int) -> Server:
        return self.servers[index % len(self.servers)]

    def token_for(self, address: str) -> str:
        for path in sorted(self.mail.glob("*.eml"), reverse=True):
            message = email.message_from_bytes(
                path.read_bytes(), policy=email.policy.default
            )
            if message["To"] == address:
                body = message.get_body(("plain",))
                assert body is not None
                match = _TOKEN.search(body.get_content())
                assert match, "no token in the mail"
                return match.group(1)
        raise AssertionError(f"no mail to {address}")

    async def player(self, name: str, on: int = 0) -> Player:
        """A verified, signed-in player whose requests go to server ``on``."""
        server = self.server(on)
        http = httpx.AsyncClient(base_url=server.url, timeout=30)
        address = f"{name}@example.org"
        body = {"email": address, "username": name, "password": PASSWORD}
        assert (await http.post("/auth/register", json=body)).status_code == 202
        token = await _poll(lambda: self.token_for(address))
        verified = await http.post("/auth/verify-email", json={"token": token})
        assert verified.is_success, verified.text
        login = await http.post(
            "/auth/login", json={"email": address, "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        signed_in = login.json()
        http.headers["Authorization"] = f"Bearer {signed_in['access_token']}"
        return Player(name, signed_in["user"]["id"], server, http)


async def _poll(read: Callable[[], str], timeout_s: float = 10) -> str:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return read()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


@dataclass
class Player:
    """One person: REST calls, and one socket whose every message is kept."""

    name: str
    id: str
    server: Server
    http: httpx.AsyncClient
    socket: ClientConnection | None = None
    received: list[Message] = field(default_factory=list)
    _taken: set[int] = field(default_factory=set)
    _refs: Iterator[int] = field(default_factory=itertools.count)
    _reader: asyncio.Task[None] | None = None
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def ticket(self) -> dict[str, Any]:
        response = await self.http.post("/realtime/ticket")
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def connect(self, **options: Any) -> Message:
        ticket = await self.ticket()
        self.socket = await websockets.connect(ticket["url"], **options)
        self._reader = asyncio.create_task(self._read_forever())
        return await self.expect("welcome")

    async def _read_forever(self) -> None:
        assert self.socket is not None
        with contextlib.suppress(websockets.ConnectionClosed):
            async for text in self.socket:
                self.received.append(json.loads(text))
                async with self._arrived:
                    self._arrived.notify_all()

    async def drop(self) -> None:
        """Lose the connection (no goodbye), as a train entering a tunnel does."""
        assert self.socket is not None
        self.socket.transport.abort()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await self._reader
        self.socket = None

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await self._reader
        await self.http.aclose()

    async def send(self, type: str, **fields: Any) -> Message:
        """Send a client message; its ``ack`` (or ``error``) answer."""
        assert self.socket is not None
        ref = f"{self.name}-{next(self._refs)}"
        await self.socket.send(json.dumps({"type": type, "ref": ref, **fields}))
        return await self.expect(
            lambda m: (
                m["type"] in {"ack", "error", "subscribed", "pong"}
                and m["data"].get("ref") == ref
            )
        )

    async def act(self, type: str, **fields: Any) -> Any:
        answer = await self.send(type, **fields)
        assert answer["type"] in {"ack", "subscribed"}, json.dumps(answer["data"])
        return answer["data"].get("result", answer["data"])

    async def subscribe(self, channel: str, after: int | None = None) -> Message:
        fields: dict[str, Any] = {"channel": channel}
        if after is not None:
            fields["after"] = after
        answer = await self.send("subscribe", **fields)
        assert answer["type"] == "subscribed", answer
        return answer

    async def expect(
        self, what: str | Callable[[Message], bool], timeout_s: float = 10
    ) -> Message:
        """The oldest message not yet expected that is of type ``what`` (or
        matches it), waiting for it if need be."""
        matches = (lambda m: m["type"] == what) if isinstance(what, str) else what
        deadline = time.monotonic() + timeout_s
        looked = 0
        while True:
            for index in range(looked, len(self.received)):
                if index not in self._taken and matches(self.received[index]):
                    self._taken.add(index)
                    return self.received[index]
            looked = len(self.received)
            left = deadline - time.monotonic()
            if left <= 0:
                tail = "\n".join(json.dumps(m)[:300] for m in self.received[-8:])
                raise AssertionError(f"{self.name} waited in vain; last:\n{tail}")
            async with self._arrived:
                if looked == len(self.received):
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._arrived.wait(), left)

    async def event(
        self, type: str, channel: str, timeout_s: float = 10, **data: Any
    ) -> Message:
        return await self.expect(
            lambda m: (
                m["type"] == type
                and m["channel"] == channel
                and all(m["data"].get(k) == v for k, v in data.items())
            ),
            timeout_s,
        )

    def events(self, channel: str) -> list[Message]:
        return [m for m in self.received if m["channel"] == channel]

    def seqs(self, channel: str) -> list[int]:
        return [m["seq"] for m in self.events(channel)]


def in_order_once(seqs: list[int]) -> bool:
    """Every event after the first, once, in order, none missing."""
    return seqs == list(range(seqs[0], seqs[0] + len(seqs))) if seqs else True


@pytest.fixture
def servers(
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Cluster]]:
    started: list[Server] = []

    def start(count: int = 1, *, shared: bool = False, **variables: str) -> Cluster:
        mail = tmp_path / "mail"
        environ = {
            "BITCODE_ENV": "development",
            "SECRET_KEY": uuid.uuid4().hex * 2,
            "BITCODE_DATA_DIR": str(tmp_path / "data"),
            "MAIL_FOLDER": str(mail),
            "LOAD_DEMO_BANK": "1",
            "LOG_FORMAT": "json",
            "PRESENCE_GRACE_SECONDS": "30",
            **variables,
        }
        if shared:
            url = request.getfixturevalue("postgres_url")
            migrate = [sys.executable, "-m", "bitcode_cli", "db", "upgrade"]
            subprocess.run(
                migrate, env={**os.environ, "DATABASE_URL": url}, check=True, cwd=REPO
            )
            environ |= {
                "DATABASE_URL": url,
                "AUTO_MIGRATE": "0",
                "REDIS_URL": "redis://127.0.0.1:6379/0",
                "REDIS_PREFIX": f"bitcode-test-{uuid.uuid4().hex[:10]}:",
            }
        for index in range(count):
            log = tmp_path / f"server-{len(started)}-{index}.log"
            started.append(start_server(environ, log))
        return Cluster(started[-count:], mail)

    yield start
    for server in started:
        server.stop()


@pytest.fixture
async def players() -> AsyncIterator[list[Player]]:
    """Every player a test makes, closed at its end."""
    made: list[Player] = []
    yield made
    for player in made:
        await player.close()
