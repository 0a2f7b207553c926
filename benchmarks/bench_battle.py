"""What a live battle costs: submit-to-verdict latency of an accepted Python
solution, against the judge's own time for the same work in the same run.

The question is the demo bank's ``a-plus-b``, loaded with the problem-package
loader and padded to exactly 20 tests by reusing its own (copies are hidden
tests named ``secret/NAME-copyN``); the solution is its
``submissions/accepted/sum.py`` in ``python3``. Every verdict is checked to be
Accepted on all 20 tests.

Three ways to the same verdict, measured in turn each repetition, after a
warm-up of each, so that they share the machine's noise:

- arena: a real ``Arena`` in this process on in-memory battle, submission,
  room, presence, user and catalog stores, the in-process event bus, the
  system clock, the server's own ``ArenaDriver`` as its scheduler (spawn is
  a task, wake a ``call_later``; its sweep loops are not started), a 0 s
  countdown and the real ``SandboxJudge``. Each battle is a new duel made as
  players make one (``Lobby.create_room``, ``join``, ``set_ready`` by both,
  ``Arena.start_room``) and waited on until ``battle.started``; one player
  submits. Latency runs from just before ``Arena.submit`` to the moment the
  bus delivers that submission's ``submission.judged`` to a listener on
  ``battle:ID``.
- server (unless ``--no-server``): ``bitcode serve`` on loopback (SQLite,
  in-process bus, its own sandbox) with the same padded question imported by
  ``bitcode questions import``; ten players in one battle of two teams of
  five on two questions (the second, never answered, keeps the battle open
  so the same players submit again). Latency runs from just before
  ``POST /battles/ID/submissions`` to the frame ``submission.judged`` read
  on a WebSocket following ``battle:ID``.
- judge-only: ``judge_submission`` called directly on this process's
  ``SandboxJudge`` with the same question, source and ``run_all=True`` (as
  the arena judges), from just before the call to its return. Under load it
  is measured twice: ten bare calls at once, and the ten through a
  ``FairQueue`` with the arena's slots, waiting included.

Loads: one player alone; then ten players submitting at once (in-process,
ten duels with one submitter each; on the server, the ten of the one battle).
The judging queue's ``QueueLimits.slots`` (and the server's
``BATTLE_JUDGE_SLOTS``) equal the sandbox's parallelism, printed at the top,
so every side can keep every sandbox slot busy.

Reading the ratios (arena or server / judge-only, for the same statistic):
1.00x means the battle adds nothing to judging; the excess is what accepting,
storing, queueing, announcing (two events a test), settling and, for the
server, HTTP and the socket cost. "batch" is from the first submit to the
last verdict, the median over the repetitions. With ten at once the fair
queue judges ``slots`` submissions at a time, so its first verdicts come early
and its last late, while ten bare calls interleave their tests and all finish
near the end: against bare calls p50 falls well below 1.00x by scheduling
alone. Against bare calls read max and batch; against the FairQueue row read
every column, as that row schedules as the arena does.

    sudo .venv/bin/python benchmarks/bench_battle.py [--alone N] [--batches N]
                                                     [--no-server]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import email
import email.policy
import itertools
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import uvloop
import websockets
from websockets.asyncio.client import ClientConnection

from bitcode_adapters.arena import (
    InMemoryBattleRepository,
    InMemorySubmissionRepository,
)
from bitcode_adapters.clock import SystemClock
from bitcode_adapters.events import InProcessEventBus
from bitcode_adapters.language_table import load_language_table
from bitcode_adapters.memory import (
    InMemoryQuestionCatalog,
    InMemoryRateLimiter,
    InMemoryUserRepository,
)
from bitcode_adapters.problem_package import load_package
from bitcode_adapters.rooms import (
    InMemoryChatLog,
    InMemoryMatchQueue,
    InMemoryPresence,
    InMemoryRoomRepository,
)
from bitcode_adapters.sandbox import SandboxJudge
from bitcode_adapters.system_secrets import SystemSecrets
from bitcode_core.accounts.model import Principal, Role, User
from bitcode_core.arena.arena import Arena, ArenaSettings
from bitcode_core.arena.fair_queue import FairQueue, QueueLimits
from bitcode_core.catalog.model import CatalogEntry
from bitcode_core.languages import Language, LanguageTable
from bitcode_core.ports import PlayerRating
from bitcode_core.questions import Question, TestCase
from bitcode_core.rooms.channels import battle_channel
from bitcode_core.rooms.lobby import Lobby
from bitcode_core.rooms.ports import Envelope
from bitcode_core.rooms.settings import ChosenQuestions, Mode, RoomSettings
from bitcode_core.usecases.judge_submission import (
    Submission,
    ValidatorCache,
    judge_submission,
)
from bitcode_core.verdicts import Verdict
from bitcode_http.arena_driver import ArenaDriver

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "questions" / "a-plus-b"
SOLUTION = PACKAGE / "submissions" / "accepted" / "sum.py"
LANGUAGE = "python3"
TESTS = 20
PLAYERS = 10  # submitting at once under the heavier load
VERDICT_TIMEOUT_S = 120.0
SECOND_QUESTION = REPO / "questions" / "max-subarray"
PASSWORD = "benchmark passphrase 1"  # noqa: S105 - throwaway accounts
MAILED_TOKEN = re.compile(r"to the API: ([A-Za-z0-9_-]+)")
BATTLE_SETTINGS: dict[str, Any] = {
    "mode": "teams",
    "sides": 2,
    "seats_per_side": PLAYERS // 2,
    "questions": {"ids": [PACKAGE.name, SECOND_QUESTION.name]},
    "languages": [LANGUAGE],
    "time_limit_s": 3600,
}
ARENA_ROW = "arena: submit to verdict"
SERVED_ROW = "server: POST to verdict on socket"
JUDGE_ROW = "judge-only"
QUEUED_ROW = "judge-only via FairQueue"


def with_tests(question: Question, count: int) -> Question:
    """``question`` with exactly ``count`` tests, its own first, then copies of
    them under new names (copies are hidden tests)."""
    own = question.tests
    tests = [
        _copy(test, index // len(own))
        for index, test in enumerate(itertools.islice(itertools.cycle(own), count))
    ]
    return replace(
        question,
        samples=tuple(t for t in tests if t.sample),
        hidden=tuple(t for t in tests if not t.sample),
    )


def _copy(test: TestCase, copy: int) -> TestCase:
    if not copy:
        return test
    # Named as the package loader names a test in data/secret.
    base = test.name.rpartition("/")[2]
    return replace(test, name=f"secret/{base}-copy{copy}", sample=False)


class Verdicts:
    """Hears the battles' channels: which battles were revealed, and when each
    submission's ``submission.judged`` was delivered."""

    def __init__(self) -> None:
        self._revealed: dict[str, asyncio.Event] = {}
        self._judged: dict[str, asyncio.Future[float]] = {}

    def hear(self, envelope: Envelope) -> None:
        data = envelope.data
        if envelope.type == "battle.started":
            self._revealed_event(str(data["battle"])).set()
        elif envelope.type == "submission.judged":
            delivered = time.perf_counter()
            verdict, passed = data["verdict"], data["tests_passed"]
            future = self._future(str(data["submission"]))
            if verdict != Verdict.ACCEPTED.value or passed != TESTS:
                error = RuntimeError(f"judged {verdict}, {passed}/{TESTS} passed")
                future.set_exception(error)
            else:
                future.set_result(delivered)

    async def revealed(self, battle_id: str) -> None:
        await asyncio.wait_for(self._revealed_event(battle_id).wait(), 30)

    async def judged(self, submission_id: str) -> float:
        future = self._future(submission_id)
        try:
            return await asyncio.wait_for(future, VERDICT_TIMEOUT_S)
        finally:
            del self._judged[submission_id]

    def _revealed_event(self, battle_id: str) -> asyncio.Event:
        return self._revealed.setdefault(battle_id, asyncio.Event())

    def _future(self, submission_id: str) -> asyncio.Future[float]:
        future = self._judged.get(submission_id)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._judged[submission_id] = future
        return future


class Unrated:
    """The lobby's rating reader: these battles are unrated, nobody has one."""

    async def get_many(self, players: Iterable[str]) -> Mapping[str, PlayerRating]:
        return {}


@dataclass
class World:
    """One real arena on in-memory stores, and how to play in it."""

    arena: Arena
    lobby: Lobby
    users: InMemoryUserRepository
    bus: InProcessEventBus
    driver: ArenaDriver
    question: Question
    source: bytes
    verdicts: Verdicts
    players: itertools.count[int]

    async def player(self) -> Principal:
        name = f"player{next(self.players)}"
        user = User(name, f"{name}@example.org", name, None, 0.0, Role.PLAYER, True)
        await self.users.add(user)
        return Principal(name, f"session-{name}", Role.PLAYER)

    async def duel(self) -> tuple[Principal, str]:
        """A revealed duel between two new players: the host and its id."""
        host, guest = await self.player(), await self.player()
        room = await self.lobby.create_room(host, self._settings())
        await self.lobby.join(guest, room.id)
        for player in (host, guest):
            await self.lobby.set_ready(player, room.id, ready=True)
        battle = await self.arena.start_room(host, room.id)
        await self.bus.subscribe(battle_channel(battle.id), self.verdicts.hear)
        history = await self.bus.history(battle_channel(battle.id), 0)
        for envelope in history.events:  # a reveal before the subscription
            self.verdicts.hear(envelope)
        await self.verdicts.revealed(battle.id)
        return host, battle.id

    async def submit(self, player: Principal, battle_id: str) -> float:
        """Seconds from just before ``submit`` to the verdict's delivery."""
        started = time.perf_counter()
        submission = await self.arena.submit(
            player,
            battle_id,
            question_id=self.question.id,
            language=LANGUAGE,
            source=self.source,
        )
        return await self.verdicts.judged(submission.id) - started

    def _settings(self) -> RoomSettings:
        return RoomSettings(
            mode=Mode.DUEL,
            sides=2,
            seats_per_side=1,
            questions=ChosenQuestions((self.question.id,)),
            languages=frozenset({LANGUAGE}),
            time_limit_s=600,
        )


async def build_world(
    judge: SandboxJudge,
    languages: LanguageTable,
    question: Question,
    source: bytes,
    slots: int,
) -> World:
    clock, secrets = SystemClock(), SystemSecrets()
    catalog = InMemoryQuestionCatalog()
    now = clock.now()
    await catalog.add(CatalogEntry(question, 1, None, now, now))
    users = InMemoryUserRepository()
    bus = InProcessEventBus(clock)
    rooms, presence = InMemoryRoomRepository(), InMemoryPresence()
    limiter = InMemoryRateLimiter(clock)
    submissions = InMemorySubmissionRepository()
    battles = InMemoryBattleRepository(submissions)
    lobby = Lobby(
        rooms=rooms,
        bus=bus,
        chat=InMemoryChatLog(),
        queue=InMemoryMatchQueue(),
        presence=presence,
        users=users,
        catalog=catalog,
        languages=languages,
        ratings=Unrated(),
        limiter=limiter,
        secrets=secrets,
        clock=clock,
    )
    driver = ArenaDriver(clock, sweep_s=1.0, lease_s=60.0)
    arena = Arena(
        battles=battles,
        submissions=submissions,
        lobby=lobby,
        rooms=rooms,
        catalog=catalog,
        judge=judge,
        validators=ValidatorCache(judge, languages),
        languages=languages,
        bus=bus,
        presence=presence,
        limiter=limiter,
        secrets=secrets,
        clock=clock,
        queue=FairQueue(QueueLimits(slots=slots)),
        scheduler=driver,
        holder=secrets.new_id(),
        settings=ArenaSettings(countdown_s=0.0),
    )
    driver.attach(arena)
    verdicts = Verdicts()
    return World(
        arena, lobby, users, bus, driver, question, source, verdicts, itertools.count()
    )


# The two sides of each load


@dataclass
class JudgeOnly:
    judge: SandboxJudge
    validators: ValidatorCache
    submission: Submission

    async def once(self) -> float:
        started = time.perf_counter()
        await self._judged()
        return time.perf_counter() - started

    async def queued(self, queue: FairQueue, player: str) -> float:
        """The same through a fair queue like the arena's, waiting included."""
        started = time.perf_counter()
        await queue.run(player, self._judged)
        return time.perf_counter() - started

    async def _judged(self) -> None:
        result = await judge_submission(
            self.judge, self.validators, self.submission, run_all=True
        )
        passed = sum(1 for t in result.tests if t.verdict is Verdict.ACCEPTED)
        if result.verdict is not Verdict.ACCEPTED or passed != TESTS:
            raise RuntimeError(f"judged {result.verdict}, {passed}/{TESTS} passed")


@dataclass
class Batch:
    latencies: list[float]
    span_s: float  # first start to last verdict


async def together(attempts: Sequence[Awaitable[float]]) -> Batch:
    """Each attempt times itself from its own start."""
    started = time.perf_counter()
    latencies = await asyncio.gather(*attempts)
    return Batch(list(latencies), time.perf_counter() - started)


async def arena_batch(world: World, players: int) -> Batch:
    duels = [await world.duel() for _ in range(players)]
    return await together([world.submit(p, b) for p, b in duels])


async def judge_batch(judge_only: JudgeOnly, players: int) -> Batch:
    return await together([judge_only.once() for _ in range(players)])


async def queued_batch(judge_only: JudgeOnly, slots: int, players: int) -> Batch:
    queue = FairQueue(QueueLimits(slots=slots))
    return await together(
        [judge_only.queued(queue, f"player{n}") for n in range(players)]
    )


# Through a real server


class Served:
    """``bitcode serve`` with ten players seated in one battle of two teams
    of five on two questions (the second keeps the battle open, so each
    player may submit again), followed by one socket on ``battle:ID``."""

    def __init__(self, url: str, mail: Path, question: Question, source: bytes):
        self.url, self.mail = url, mail
        self.question_id, self.source = question.id, source.decode()
        self.players: list[httpx.AsyncClient] = []
        self.battle = ""
        self.socket: ClientConnection | None = None
        self.verdicts = Verdicts()
        self._reader: asyncio.Task[None] | None = None

    async def prepare(self, players: int) -> None:
        for number in range(players):
            self.players.append(await self._player(f"fighter{number}"))
        host, *guests = self.players
        created = await host.post("/rooms", json={"settings": BATTLE_SETTINGS})
        assert created.status_code == 201, created.text
        room = created.json()["id"]
        per_side = BATTLE_SETTINGS["seats_per_side"]
        for index, guest in enumerate(guests, start=1):
            joined = await guest.post(
                f"/rooms/{room}/join", json={"side": index // per_side}
            )
            assert joined.status_code == 200, joined.text
        for player in self.players:
            ready = await player.post(f"/rooms/{room}/ready", json={"ready": True})
            assert ready.status_code == 200, ready.text
        started = await host.post(f"/rooms/{room}/start")
        assert started.status_code == 200, started.text
        self.battle = started.json()["battle"]
        await self._follow(host)
        await self.verdicts.revealed(self.battle)

    async def _player(self, name: str) -> httpx.AsyncClient:
        http = httpx.AsyncClient(base_url=self.url, timeout=60)
        address = f"{name}@example.org"
        body = {"email": address, "username": name, "password": PASSWORD}
        registered = await http.post("/auth/register", json=body)
        assert registered.status_code == 202, registered.text
        token = await self._mailed_token(address)
        verified = await http.post("/auth/verify-email", json={"token": token})
        assert verified.is_success, verified.text
        login = {"email": address, "password": PASSWORD}
        signed_in = await http.post("/auth/login", json=login)
        assert signed_in.status_code == 200, signed_in.text
        http.headers["Authorization"] = f"Bearer {signed_in.json()['access_token']}"
        return http

    async def _mailed_token(self, address: str) -> str:
        for _ in range(400):
            for path in self.mail.glob("*.eml"):
                message = email.message_from_bytes(
                    path.read_bytes(), policy=email.policy.default
                )
                body = message.get_body(("plain",))
                if message["To"] == address and body is not None:
                    found = MAILED_TOKEN.search(body.get_content())
                    if found:
                        return found.group(1)
            await asyncio.sleep(0.05)
        raise RuntimeError(f"no mail to {address}")

    async def _follow(self, player: httpx.AsyncClient) -> None:
        ticket = await player.post("/realtime/ticket")
        assert ticket.status_code == 201, ticket.text
        self.socket = await websockets.connect(ticket.json()["url"])
        self._reader = asyncio.create_task(self._read_forever(self.socket))
        channel = battle_channel(self.battle)
        await self.socket.send(
            json.dumps({"type": "subscribe", "channel": channel, "after": 0})
        )

    async def _read_forever(self, socket: ClientConnection) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for text in socket:
                message = json.loads(text)
                if message.get("channel") == battle_channel(self.battle):
                    self.verdicts.hear(
                        Envelope(
                            message["channel"],
                            message["seq"],
                            message["type"],
                            message["time"],
                            message["data"],
                        )
                    )

    async def submit(self, player: int) -> float:
        """Seconds from just before the POST to the verdict on the socket."""
        started = time.perf_counter()
        answer = await self.players[player].post(
            f"/battles/{self.battle}/submissions",
            json={
                "question": self.question_id,
                "language": LANGUAGE,
                "source": self.source,
            },
        )
        assert answer.status_code == 202, answer.text
        return await self.verdicts.judged(answer.json()["submission"]) - started

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        for player in self.players:
            await player.aclose()


def write_package(question: Question, folder: Path) -> list[Path]:
    """The padded question as a package beside a second question: folders
    for ``bitcode questions import``."""
    padded = folder / PACKAGE.name
    shutil.copytree(PACKAGE, padded, ignore=shutil.ignore_patterns("data"))
    for group, tests in (("sample", question.samples), ("secret", question.hidden)):
        data = padded / "data" / group
        data.mkdir(parents=True)
        for test in tests:
            stem = test.name.rpartition("/")[2]
            (data / f"{stem}.in").write_bytes(test.input)
            (data / f"{stem}.ans").write_bytes(test.answer)
    languages = load_language_table()
    loaded = load_package(padded, languages).question
    by_name = {t.name: t for t in question.tests}
    assert {t.name: t for t in loaded.tests} == by_name, "not the same tests"
    keeps_open = folder / SECOND_QUESTION.name
    shutil.copytree(SECOND_QUESTION, keeps_open)
    return [padded, keeps_open]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def served(
    question: Question, source: bytes, slots: int, scratch: Path
) -> AsyncIterator[Served]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "BITCODE_ENV": "development",
        "BITCODE_DATA_DIR": str(scratch / "data"),
        "MAIL_FOLDER": str(scratch / "mail"),
        "SECRET_KEY": base64.b64encode(os.urandom(48)).decode(),
        "PUBLIC_URL": url,
        "LOAD_DEMO_BANK": "0",
        "LOG_FORMAT": "json",
        "BATTLE_COUNTDOWN_SECONDS": "0",
        "BATTLE_JUDGE_SLOTS": str(slots),
    }
    folders = [str(f) for f in write_package(question, scratch / "bank")]
    cli = [sys.executable, "-m", "bitcode_cli"]
    subprocess.run(
        [*cli, "questions", "import", *folders],
        env=env,
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    log = scratch / "server.log"
    with log.open("wb") as output:
        child = subprocess.Popen(
            [*cli, "serve", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=output,
            cwd=REPO,
        )
    target = Served(url, scratch / "mail", question, source)
    try:
        await wait_until_up(f"{url}/health/ready", child, log)
        yield target
    finally:
        await target.close()
        child.terminate()
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


async def wait_until_up(url: str, child: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=2) as http:
        while time.monotonic() < deadline and child.poll() is None:
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not come up:\n{log.read_text()[-3000:]}")


async def served_batch(target: Served, players: int, first: int = 0) -> Batch:
    count = len(target.players)
    return await together([target.submit((first + n) % count) for n in range(players)])


# The report


@dataclass
class Figures:
    latencies: list[float]
    spans: list[float]

    def add(self, batch: Batch) -> None:
        self.latencies += batch.latencies
        self.spans.append(batch.span_s)

    def stats(self) -> tuple[float, float, float, float]:
        """p50, p95 and max latency, and the median batch."""
        ordered = sorted(self.latencies)
        p95 = statistics.quantiles(ordered, n=20, method="inclusive")[18]
        span = statistics.median(self.spans)
        return statistics.median(ordered), p95, ordered[-1], span


Side = Callable[[int, int], Awaitable[Batch]]  # players, repetition: a batch


async def measure(
    sides: dict[str, Side], players: int, repeats: int
) -> dict[str, Figures]:
    """Every side once a repetition, in turn, so they share the noise."""
    figures = {name: Figures([], []) for name in sides}
    for repeat in range(repeats):
        for name, side in sides.items():
            figures[name].add(await side(players, repeat))
    return figures


def print_load(title: str, figures: dict[str, Figures]) -> None:
    measured = [n for n in (ARENA_ROW, SERVED_ROW) if n in figures]
    baselines = [n for n in (JUDGE_ROW, QUEUED_ROW) if n in figures]
    verdicts = len(figures[ARENA_ROW].latencies)
    print(f"\n== {title} ({verdicts} verdicts a row)")
    print(f"   {'':40s}" + "".join(f"{h:>9s}" for h in ("p50", "p95", "max", "batch")))
    for name in (*measured, *baselines):
        shown = "".join(f"{v * 1000:7.1f}ms" for v in figures[name].stats())
        print(f"   {name:40s}{shown}")
    for name in measured:
        for base in baselines:
            pairs = zip(figures[name].stats(), figures[base].stats(), strict=True)
            label = f"ratio {name.partition(':')[0]} / {base}"
            print(f"   {label:40s}" + "".join(f"{a / b:8.2f}x" for a, b in pairs))


async def main(args: argparse.Namespace) -> None:
    languages = load_language_table()
    language: Language = languages.get(LANGUAGE)
    question = with_tests(load_package(PACKAGE, languages).question, TESTS)
    source = SOLUTION.read_bytes()
    slots = os.cpu_count() or 1
    print(
        f"question {question.id}: {len(question.tests)} tests "
        f"({len(question.samples)} samples); solution {SOLUTION.relative_to(REPO)} "
        f"({LANGUAGE}); {slots} CPUs"
    )
    print(
        f"sandbox parallelism {slots}; arena judge slots (QueueLimits.slots) "
        f"{slots}, in-process and BATTLE_JUDGE_SLOTS on the server; countdown 0 s"
    )
    async with contextlib.AsyncExitStack() as stack:
        target = None
        if args.server:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            target = await stack.enter_async_context(
                served(question, source, slots, folder)
            )
            await target.prepare(PLAYERS)
        judge = stack.enter_context(SandboxJudge([language], parallelism=slots))
        world = await build_world(judge, languages, question, source, slots)
        stack.push_async_callback(world.driver.close)
        validators = ValidatorCache(judge, languages)
        stack.push_async_callback(validators.close)
        judge_only = JudgeOnly(
            judge, validators, Submission(question, language, source)
        )

        sides: dict[str, Side] = {
            ARENA_ROW: lambda n, _: arena_batch(world, n),
            JUDGE_ROW: lambda n, _: judge_batch(judge_only, n),
        }
        if target is not None:
            sides[SERVED_ROW] = lambda n, r: served_batch(target, n, first=r)
        await measure(sides, 1, 1)  # warms every path
        alone = await measure(sides, 1, args.alone)
        sides[QUEUED_ROW] = lambda n, _: queued_batch(judge_only, slots, n)
        ten = await measure(sides, PLAYERS, args.batches)

    print("batch: first submit to last verdict, median over the repetitions")
    print_load(f"one player alone, {args.alone} repetitions", alone)
    print_load(f"{PLAYERS} players at once, {args.batches} repetitions", ten)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alone", type=int, default=15, help="repetitions alone")
    parser.add_argument("--batches", type=int, default=5, help="ten-at-once rounds")
    parser.add_argument(
        "--no-server",
        dest="server",
        action="store_false",
        help="skip the measurement through a real bitcode serve",
    )
    uvloop.run(main(parser.parse_args()))
