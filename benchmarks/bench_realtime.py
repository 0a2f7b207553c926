"""What the WebSocket costs: one room event fanned out to 100 and to 1,000
sockets, and the memory 1,000 idle signed-in sockets take, against a bare
``websockets`` broadcast server.

BitCode runs as ``bitcode serve`` (uvicorn, one process) on SQLite, once with
the in-process event bus and once with the Redis at 127.0.0.1:6379 (keys under
a prefix of its own, deleted afterwards). The reference is a few lines of
``websockets.asyncio.server.serve``: a socket that sends ``subscribe`` joins the
set, and a ``publish`` from the publisher's socket stamps the time and goes to
the set with ``websockets.broadcast``. Every server runs on uvloop, as uvicorn
does when it is installed.

An event is the room host toggling readiness (``POST /rooms/ID/ready``), which
every socket following the room receives as ``readiness.changed``. Latency runs
from the event's ``time`` (stamped by the server as it publishes, on the same
clock) to the moment the client reads the frame; the next event is published
only once every socket has it, so fan-outs never overlap. Deliveries per second
are the events' deliveries over the time their fan-outs took.

The 1,000 sockets belong to ten players (WS_SOCKETS_PER_USER allows at most
100 each), each opened with its own ticket; the first 100 follow the room for
the smaller fan-out, all of them for the larger. Memory is the server's VmRSS
with the sockets open and signed in but following nothing, against before.

The clients are one asyncio process on uvloop speaking bare WebSocket frames
(no compression, as neither side is offered it), so the load generator costs far
less than the servers; on a 2-core machine it still competes with the server,
so both processes' CPU time per event is reported too, and the server's per
delivery past the first 100, which leaves out what each event costs once.

    .venv/bin/python benchmarks/bench_realtime.py [--events N] [--connections C]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast
from urllib.parse import urlsplit

import httpx
import msgspec
import redis
import uvloop

REPO = Path(__file__).resolve().parents[1]
REDIS_URL = "redis://127.0.0.1:6379/0"
PASSWORD = "benchmark passphrase 1"  # noqa: S105 - throwaway accounts
SOCKETS_PER_USER = 100  # the most WS_SOCKETS_PER_USER allows
EVENT = b'"readiness.changed"'
GAP_S = 0.02  # between one completed fan-out and the next event
CONCURRENCY = 8  # tickets and subscriptions in flight at once
TICKS = os.sysconf("SC_CLK_TCK")
BARE_SERVER = """
import asyncio, json, sys, time
import uvloop
from websockets.asyncio.server import broadcast, serve

FOLLOWERS = set()
PLAYER = "0" * 32
seq = 0

async def handler(ws):
    global seq
    try:
        async for message in ws:
            if message == "subscribe":
                FOLLOWERS.add(ws)
                await ws.send('{"type":"subscribed"}')
                continue
            seq += 1
            broadcast(FOLLOWERS, json.dumps({
                "type": "readiness.changed", "channel": "room:" + PLAYER,
                "room": PLAYER, "seq": seq, "time": time.time(),
                "data": {"player": PLAYER, "ready": seq % 2 == 1},
            }))
    finally:
        FOLLOWERS.discard(ws)

async def main():
    async with serve(handler, "127.0.0.1", int(sys.argv[1]), compression=None):
        await asyncio.get_running_loop().create_future()

uvloop.run(main())
"""


class Event(msgspec.Struct):
    seq: int
    time: float


# The client: just enough of RFC 6455 to read events fast


class Recorder:
    """Every event frame any socket reads, with when it was read."""

    def __init__(self) -> None:
        self.frames: list[tuple[float, bytes]] = []
        self.wanted = 0
        self.reached = asyncio.Event()

    def expect(self, more: int) -> None:
        self.wanted = len(self.frames) + more
        self.reached.clear()

    def add(self, now: float, payload: bytes) -> None:
        self.frames.append((now, payload))
        if len(self.frames) >= self.wanted:
            self.reached.set()


class Socket(asyncio.Protocol):
    def __init__(self, request: bytes) -> None:
        loop = asyncio.get_running_loop()
        self.request = request
        self.opened: asyncio.Future[None] = loop.create_future()
        self.inbox: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.recorder: Recorder | None = None
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._message = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast("asyncio.Transport", transport)  # uvloop's own class
        self.transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed before the upgrade"))
        self.inbox.put_nowait(None)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self.opened.done():
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self._buffer[:end])
            del self._buffer[: end + 4]
            if not head.startswith(b"HTTP/1.1 101"):
                self.opened.set_exception(ConnectionError(head.decode()))
                return
            self.opened.set_result(None)
        self._read_frames(time.time())

    def _read_frames(self, now: float) -> None:
        buffer, at = self._buffer, 0
        while len(buffer) - at >= 2:
            first, length, start = buffer[at], buffer[at + 1] & 0x7F, at + 2
            if length >= 126:
                width = 2 if length == 126 else 8
                length = int.from_bytes(buffer[start : start + width])
                start += width
            if len(buffer) < start + length:
                break
            self._frame(first, bytes(buffer[start : start + length]), now)
            at = start + length
        del buffer[:at]

    def _frame(self, first: int, payload: bytes, now: float) -> None:
        opcode = first & 0x0F
        if opcode == 0x9:
            self.send(0xA, payload)
        elif opcode == 0x8:
            code = int.from_bytes(payload[:2]) if payload else 1005
            self.inbox.put_nowait(f"closed {code} {payload[2:].decode()}".encode())
            self.close()
        elif opcode in {0x0, 0x1}:
            self._message += payload
            if first & 0x80:
                message, self._message = bytes(self._message), bytearray()
                if self.recorder is not None and EVENT in message:
                    self.recorder.add(now, message)
                else:
                    self.inbox.put_nowait(message)

    def send(self, opcode: int, payload: bytes) -> None:
        assert self.transport is not None
        mask = os.urandom(4)
        size = len(payload)
        if size < 126:
            header = bytes([0x80 | opcode, 0x80 | size])
        else:
            header = bytes([0x80 | opcode, 0x80 | 126]) + size.to_bytes(2)
        key = int.from_bytes((mask * (size // 4 + 1))[:size])
        masked = (int.from_bytes(payload) ^ key).to_bytes(size)
        self.transport.write(header + mask + masked)

    def send_json(self, message: dict[str, Any]) -> None:
        self.send(0x1, json.dumps(message).encode())

    async def receive(self, kind: str, timeout_s: float = 30) -> dict[str, Any]:
        """The next message of type ``kind``, skipping others."""
        while True:
            text = await asyncio.wait_for(self.inbox.get(), timeout_s)
            if text is None or text.startswith(b"closed"):
                raise ConnectionError(f"socket closed waiting for {kind}: {text!r}")
            message: dict[str, Any] = json.loads(text)
            if message["type"] == kind:
                return message
            if message["type"] == "error":
                raise RuntimeError(message)

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.send(0x8, (1000).to_bytes(2))
            self.transport.close()


async def open_socket(url: str) -> Socket:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path or '/'} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(lambda: Socket(request), host, port)
    await asyncio.wait_for(client.opened, 30)
    return client


# The servers


class Target(Protocol):
    name: str
    pid: int

    async def connect(self, number: int) -> Socket: ...
    async def subscribe(self, client: Socket) -> None: ...
    async def publish(self) -> None: ...


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def process(command: list[str], env: dict[str, str], log: Path) -> Iterator[int]:
    with log.open("wb") as output:
        child = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=output, stderr=output, cwd=REPO
        )
    try:
        yield child.pid
    finally:
        child.terminate()
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


async def wait_until_up(url: str, pid: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=2) as http:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(url)).status_code == 200:
                    return
            if not Path(f"/proc/{pid}").exists():
                break
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not come up:\n{log.read_text()[-3000:]}")


class BitCode:
    """``bitcode serve`` with a room whose host toggles readiness."""

    def __init__(self, name: str, http: httpx.AsyncClient, pid: int, mail: Path):
        self.name, self.http, self.pid, self.mail = name, http, pid, mail
        self.tokens: list[str] = []
        self.room = ""
        self.ready = False

    async def prepare(self, users: int) -> None:
        for number in range(users):
            self.tokens.append(await self._player(f"bench{number}"))
        created = await self.http.post(
            "/rooms", json={"settings": {"mode": "squads"}}, headers=self._as(0)
        )
        assert created.status_code == 201, created.text
        self.room = created.json()["id"]

    async def _player(self, name: str) -> str:
        address = f"{name}@example.org"
        body = {"email": address, "username": name, "password": PASSWORD}
        registered = await self.http.post("/auth/register", json=body)
        assert registered.status_code == 202, registered.text
        token = await self._mailed_token(address)
        verified = await self.http.post("/auth/verify-email", json={"token": token})
        assert verified.is_success, verified.text
        login = {"email": address, "password": PASSWORD}
        signed_in = await self.http.post("/auth/login", json=login)
        assert signed_in.status_code == 200, signed_in.text
        return str(signed_in.json()["access_token"])

    async def _mailed_token(self, address: str) -> str:
        for _ in range(200):
            for path in self.mail.glob("*.eml"):
                text = path.read_text()
                if f"To: {address}" in text and "to the API: " in text:
                    return text.split("to the API: ", 1)[1].split()[0]
            await asyncio.sleep(0.05)
        raise RuntimeError(f"no mail to {address}")

    def _as(self, user: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    async def connect(self, number: int) -> Socket:
        user = number // SOCKETS_PER_USER
        ticket = await self.http.post("/realtime/ticket", headers=self._as(user))
        assert ticket.status_code == 201, ticket.text
        client = await open_socket(ticket.json()["url"])
        await client.receive("welcome")
        return client

    async def subscribe(self, client: Socket) -> None:
        client.send_json({"type": "subscribe", "channel": f"room:{self.room}"})
        await client.receive("chat.history")

    async def publish(self) -> None:
        self.ready = not self.ready
        answer = await self.http.post(
            f"/rooms/{self.room}/ready", json={"ready": self.ready}, headers=self._as(0)
        )
        assert answer.status_code == 200, answer.text


class Bare:
    def __init__(self, pid: int, port: int) -> None:
        self.name, self.pid, self.port = "bare websockets", pid, port
        self.publisher: Socket | None = None

    async def connect(self, number: int) -> Socket:
        return await open_socket(f"ws://127.0.0.1:{self.port}/")

    async def subscribe(self, client: Socket) -> None:
        client.send(0x1, b"subscribe")
        await client.receive("subscribed")

    async def publish(self) -> None:
        if self.publisher is None:
            self.publisher = await open_socket(f"ws://127.0.0.1:{self.port}/")
        self.publisher.send(0x1, b"publish")


# Measuring


@dataclass(frozen=True)
class Fanout:
    clients: int
    events: int
    deliveries: int
    per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    server_ms: float  # the server's CPU time per event
    client_ms: float  # this process's
    event_bytes: int


@dataclass
class Figures:
    name: str
    idle_kib: int = 0
    loaded_kib: int = 0
    connections: int = 0
    fanouts: tuple[Fanout, ...] = ()

    @property
    def per_connection_kib(self) -> float:
        return (self.loaded_kib - self.idle_kib) / self.connections


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


async def limited(work: Callable[[int], Awaitable[Any]], count: int) -> list[Any]:
    results: list[Any] = [None] * count
    numbers = iter(range(count))

    async def worker() -> None:
        for number in numbers:
            results[number] = await work(number)

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return results


async def fanout(target: Target, clients: Sequence[Socket], events: int) -> Fanout:
    recorder = Recorder()
    for client in clients:
        client.recorder = recorder
    cpu_before, client_before = cpu_s(target.pid), time.process_time()
    for _ in range(events):
        recorder.expect(len(clients))
        await target.publish()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(recorder.reached.wait(), 10)
        await asyncio.sleep(GAP_S)
    server_s = cpu_s(target.pid) - cpu_before
    client_s = time.process_time() - client_before
    for client in clients:
        client.recorder = None
    return summarise(recorder.frames, len(clients), events, (server_s, client_s))


def summarise(
    frames: list[tuple[float, bytes]],
    clients: int,
    events: int,
    cpu: tuple[float, float],  # server and client seconds
) -> Fanout:
    decoded = [(now, msgspec.json.decode(text, type=Event)) for now, text in frames]
    latencies = [now - event.time for now, event in decoded]
    spans: dict[int, tuple[float, float]] = {}  # seq: published, last read
    for now, event in decoded:
        published, last = spans.get(event.seq, (event.time, now))
        spans[event.seq] = (published, max(last, now))
    busy_s = sum(last - published for published, last in spans.values())
    return Fanout(
        clients=clients,
        events=events,
        deliveries=len(frames),
        per_s=len(frames) / busy_s,
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=statistics.quantiles(latencies, n=100)[98] * 1000,
        max_ms=max(latencies) * 1000,
        server_ms=cpu[0] / events * 1000,
        client_ms=cpu[1] / events * 1000,
        event_bytes=len(frames[0][1]),
    )


async def measure(target: Target, connections: int, events: int) -> Figures:
    figures = Figures(target.name, connections=connections)
    warm = await target.connect(connections)  # loads every path once
    await target.subscribe(warm)
    await fanout(target, [warm], 3)
    warm.close()
    await asyncio.sleep(1)
    figures.idle_kib = rss_kib(target.pid)

    clients: list[Socket] = await limited(target.connect, connections)
    await asyncio.sleep(2)
    figures.loaded_kib = rss_kib(target.pid)

    fanouts, subscribed = [], 0
    for size in sorted({min(100, connections), connections}):
        await limited(
            lambda n, start=subscribed: target.subscribe(clients[start + n]),
            size - subscribed,
        )
        subscribed = size
        await asyncio.sleep(0.5)  # presence notices settle
        fanouts.append(await fanout(target, clients[:size], events))
    figures.fanouts = tuple(fanouts)
    for client in clients:
        client.close()
    return figures


async def bench_bitcode(
    name: str, env: dict[str, str], args: argparse.Namespace, scratch: Path
) -> Figures:
    port = free_port()
    data = scratch / name.replace(" ", "-")
    base = f"http://127.0.0.1:{port}"
    env = {
        **env,
        "BITCODE_DATA_DIR": str(data),
        "LOAD_DEMO_BANK": "1",
        "SECRET_KEY": base64.b64encode(os.urandom(48)).decode(),
        "PUBLIC_URL": base,
        "WS_SOCKETS_PER_USER": str(SOCKETS_PER_USER),
        "WS_MESSAGES_PER_SECOND": "1000",
        "LOG_FORMAT": "json",
    }
    command = [sys.executable, "-m", "bitcode_cli", "serve", "--port", str(port)]
    log = scratch / f"{data.name}.log"
    with process(command, env, log) as pid:
        await wait_until_up(f"{base}/health/ready", pid, log)
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            target = BitCode(name, http, pid, data / "mail")
            await target.prepare(-(-args.connections // SOCKETS_PER_USER) + 1)
            return await measure(target, args.connections, args.events)


async def bench_bare(args: argparse.Namespace, scratch: Path) -> Figures:
    port = free_port()
    script = scratch / "bare_server.py"
    script.write_text(BARE_SERVER)
    log = scratch / "bare.log"
    with process([sys.executable, str(script), str(port)], {}, log) as pid:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError):
                (await open_socket(f"ws://127.0.0.1:{port}/")).close()
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the bare server did not start:\n{log.read_text()}")
            await asyncio.sleep(0.1)
        return await measure(Bare(pid, port), args.connections, args.events)


@contextlib.contextmanager
def redis_prefix() -> Iterator[str]:
    prefix = f"bitcode-bench-{uuid.uuid4().hex[:10]}:"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


# The report


def marginal_us(figures: Figures) -> float:
    """Server CPU per delivery beyond the first fan-out's, which leaves out
    what every event costs once (BitCode's REST call, the publish)."""
    small, large = figures.fanouts[0], figures.fanouts[-1]
    extra = large.clients - small.clients
    return (large.server_ms - small.server_ms) / extra * 1000


def report(bare: Figures, others: list[Figures]) -> None:
    print(
        f"\n== one room event fanned out ({bare.fanouts[0].events} events per row, "
        "each after the last fan-out completed)"
    )
    print(
        f"   {'server':20s} {'sockets':>7s} {'deliveries/s':>12s} {'p50 ms':>8s} "
        f"{'p99 ms':>8s} {'max ms':>8s} {'CPU/event: server':>18s} {'client':>8s}"
    )
    for figures in (bare, *others):
        for f in figures.fanouts:
            lost = f.clients * f.events - f.deliveries
            missing = f"  ({lost} not delivered)" if lost else ""
            print(
                f"   {figures.name:20s} {f.clients:7d} {f.per_s:12.0f} "
                f"{f.p50_ms:8.2f} {f.p99_ms:8.2f} {f.max_ms:8.1f} "
                f"{f.server_ms:15.2f} ms {f.client_ms:5.2f} ms{missing}"
            )
    print("   as ratios to the bare server's (deliveries/s: higher is better; "
          "the rest: lower is better)")  # fmt: skip
    for figures in others:
        for f, b in zip(figures.fanouts, bare.fanouts, strict=True):
            print(
                f"   {figures.name:20s} {f.clients:7d} {f.per_s / b.per_s:11.2f}x "
                f"{f.p50_ms / b.p50_ms:7.2f}x {f.p99_ms / b.p99_ms:7.2f}x "
                f"{f.max_ms / b.max_ms:7.2f}x {f.server_ms / b.server_ms:17.2f}x"
            )
    if len(bare.fanouts) > 1:
        print("   server CPU per extra delivery (between the two fan-out sizes):")
        for figures in (bare, *others):
            ratio = marginal_us(figures) / marginal_us(bare)
            print(
                f"   {figures.name:20s} {marginal_us(figures):8.1f} us"
                + ("" if figures is bare else f"  ({ratio:.2f}x the bare server's)")
            )
    sizes = ", ".join(
        f"{f.name} {f.fanouts[0].event_bytes} bytes" for f in (bare, *others)
    )
    print(f"   event frame payload: {sizes}")

    print(f"\n== server RSS (VmRSS), none vs {bare.connections} idle connections")
    print(f"   {'server':20s} {'none MiB':>9s} {'loaded MiB':>11s} {'per socket':>11s}")
    for f in (bare, *others):
        ratio = f.per_connection_kib / bare.per_connection_kib
        print(
            f"   {f.name:20s} {f.idle_kib / 1024:9.1f} {f.loaded_kib / 1024:11.1f} "
            f"{f.per_connection_kib:7.1f} KiB"
            + ("" if f is bare else f"  ({ratio:.2f}x the bare server's)")
        )


async def main(args: argparse.Namespace) -> None:
    print(
        f"{args.connections} sockets from one client process (uvloop), "
        f"{args.events} events per measurement, uvicorn with 1 worker, "
        f"{os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory(prefix="bitcode-bench-") as folder:
        scratch = Path(folder)
        bare = await bench_bare(args, scratch)
        embedded = await bench_bitcode("BitCode in-process", {}, args, scratch)
        with redis_prefix() as prefix:
            shared = await bench_bitcode(
                "BitCode + Redis",
                {"REDIS_URL": REDIS_URL, "REDIS_PREFIX": prefix},
                args,
                scratch,
            )
    report(bare, [embedded, shared])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--connections", type=int, default=1000)
    arguments = parser.parse_args()
    # Both ends of every socket, inherited by the servers started from here.
    soft, most = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * arguments.connections + 256
    if most != resource.RLIM_INFINITY and most < wanted:
        raise SystemExit(f"needs {wanted} open files; the hard limit is {most}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), most))
    uvloop.run(main(arguments))
