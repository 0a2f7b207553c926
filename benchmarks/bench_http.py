"""What the API costs: the question list page against a bare ASGI JSON app, and
sign-ins per second with another client's latency measured meanwhile.

Every server is a separate uvicorn process on 127.0.0.1 with the same settings
(one worker, no access log). The bare app answers every request with the bytes
the real list page returned, so both send the same payload. The API runs on the
embedded SQLite default and on the PostgreSQL at 127.0.0.1:5432 (database
``test``, in a schema of its own, dropped afterwards), with the demo bank loaded.

Sign-ins hash with the real Argon2id cost; each comes from its own forwarded
client address (uvicorn trusts X-Forwarded-For from loopback), so the per-address
throttle does not stop the run. Meanwhile one more client reads /health/live one
request at a time: its latency shows whether hashing blocks the event loop.

    .venv/bin/python benchmarks/bench_http.py [--requests N] [--concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
from sqlalchemy.engine import make_url

from bitcode_core.accounts.usecases import Client
from bitcode_http.container import running
from bitcode_http.settings import load_settings

POSTGRES = os.environ.get(
    "BITCODE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
PASSWORD = "benchmark passphrase 1"  # noqa: S105 - throwaway accounts
USERS = 8
BARE_APP = """
import os
BODY = open(os.environ["BARE_BODY_FILE"], "rb").read()
HEADERS = [(b"content-type", b"application/json"),
           (b"content-length", str(len(BODY)).encode())]

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def uvicorn_process(target: str, env: dict[str, str], *extra: str) -> Iterator[str]:
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1",
        "--port", str(port), "--workers", "1", "--no-access-log",
        "--log-level", "warning", *extra,
    ]  # fmt: skip
    # The servers still log every request (a real cost), just not onto the report.
    process = subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/health/live", timeout=1).status_code < 500:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{target} did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


async def hammer(
    base: str, path: str, requests: int, concurrency: int
) -> tuple[float, list[float]]:
    """Requests per second and every latency, ``concurrency`` keep-alive
    connections at once. A bare HTTP/1.1 client on asyncio streams, so the
    load generator costs far less than the servers it measures."""
    url = httpx.URL(base)
    request = f"GET {path} HTTP/1.1\r\nHost: {url.host}\r\n\r\n".encode()
    latencies: list[float] = []
    remaining = iter(range(requests))

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(url.host, url.port)
        try:
            await exchange(reader, writer, request)  # warm up
            for _ in remaining:
                started = time.perf_counter()
                await exchange(reader, writer, request)
                latencies.append(time.perf_counter() - started)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return requests / (time.perf_counter() - started), latencies


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> None:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = head.split(b" ", 2)[1]
    assert status == b"200", head
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.lower().split(b"\r\n")
        if line.startswith(b"content-length:")
    )
    await reader.readexactly(length)


def p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[98] * 1000


async def logins(
    base: str, count: int, concurrency: int
) -> tuple[float, list[float], list[float]]:
    """Sign-ins per second, their latencies, and a bystander's latencies."""
    login_latencies: list[float] = []
    bystander: list[float] = []
    remaining = iter(range(count))
    done = asyncio.Event()
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:

        async def signer(number: int) -> None:
            for attempt in remaining:
                body = {
                    "email": f"user{attempt % USERS}@example.org",
                    "password": PASSWORD,
                }
                forwarded = {"X-Forwarded-For": f"10.1.{number}.{attempt % 250 + 1}"}
                started = time.perf_counter()
                response = await http.post("/auth/login", json=body, headers=forwarded)
                login_latencies.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text

        async def watch() -> None:
            async with httpx.AsyncClient(base_url=base) as other:
                while not done.is_set():
                    started = time.perf_counter()
                    await other.get("/health/live")
                    bystander.append(time.perf_counter() - started)
                    await asyncio.sleep(0.005)

        watcher = asyncio.create_task(watch())
        started = time.perf_counter()
        await asyncio.gather(*(signer(n) for n in range(concurrency)))
        elapsed = time.perf_counter() - started
        done.set()
        await watcher
    return count / elapsed, login_latencies, bystander


async def create_users(env: dict[str, str]) -> None:
    settings = load_settings(env, env_file=None)
    async with running(settings) as container:
        accounts = container.accounts()
        for number in range(USERS):
            await accounts.create_admin(
                f"user{number}@example.org", f"user{number}", PASSWORD
            )
        await accounts.login("user0@example.org", PASSWORD, Client())


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    schema = f"bitcode_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(POSTGRES)
    options = {**url.query, "options": f"-csearch_path={schema}"}
    try:
        yield url.set(query=options).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def bench_backend(
    name: str, env: dict[str, str], args: argparse.Namespace, scratch: Path
) -> dict[str, float]:
    asyncio.run(create_users(env))
    path = "/questions?limit=20"
    figures: dict[str, float] = {}
    with uvicorn_process("bitcode_http.app:create_app", env, "--factory") as base:
        body = httpx.get(f"{base}{path}").content
        rps, latencies = asyncio.run(
            hammer(base, path, args.requests, args.concurrency)
        )
        figures |= {"api_rps": rps, "api_p99_ms": p99(latencies)}
        rate, signed, bystander = asyncio.run(
            logins(base, args.logins, args.concurrency)
        )
        figures |= {
            "logins_per_s": rate,
            "login_p99_ms": p99(signed),
            "bystander_p50_ms": statistics.median(bystander) * 1000,
            "bystander_p99_ms": p99(bystander),
        }
    (scratch / "body.json").write_bytes(body)
    (scratch / "bare_app.py").write_text(BARE_APP)
    bare_env = {"BARE_BODY_FILE": str(scratch / "body.json")}
    with uvicorn_process("bare_app:app", bare_env, "--app-dir", str(scratch)) as base:
        rps, latencies = asyncio.run(
            hammer(base, path, args.requests, args.concurrency)
        )
        figures |= {"bare_rps": rps, "bare_p99_ms": p99(latencies)}
    report(name, figures, len(body))
    return figures


def report(name: str, f: dict[str, float], body_bytes: int) -> None:
    print(f"\n== {name}: GET /questions?limit=20 ({body_bytes} bytes)")
    print(f"   API   {f['api_rps']:8.0f} req/s   p99 {f['api_p99_ms']:7.2f} ms")
    print(f"   bare  {f['bare_rps']:8.0f} req/s   p99 {f['bare_p99_ms']:7.2f} ms")
    print(f"   ratio {f['api_rps'] / f['bare_rps']:8.2f} of the bare app's throughput")
    print(
        f"   logins {f['logins_per_s']:7.1f} /s (p99 {f['login_p99_ms']:.0f} ms); "
        f"meanwhile /health/live p50 {f['bystander_p50_ms']:.2f} ms, "
        f"p99 {f['bystander_p99_ms']:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--logins", type=int, default=200)
    args = parser.parse_args()
    print(
        f"{args.requests} list requests and {args.logins} sign-ins, "
        f"{args.concurrency} clients at once, uvicorn with 1 worker"
    )
    with tempfile.TemporaryDirectory(prefix="bitcode-bench-") as scratch:
        base_env = {"LOAD_DEMO_BANK": "1", "LOG_FORMAT": "json", "AUTO_MIGRATE": "1"}
        sqlite_dir = Path(scratch) / "sqlite"
        sqlite_env = {**base_env, "BITCODE_DATA_DIR": str(sqlite_dir)}
        bench_backend("SQLite", sqlite_env, args, Path(scratch))
        with postgres_schema() as url:
            postgres_env = {
                **base_env,
                "BITCODE_DATA_DIR": str(Path(scratch) / "postgres"),
                "DATABASE_URL": url,
            }
            bench_backend("PostgreSQL", postgres_env, args, Path(scratch))


if __name__ == "__main__":
    main()
