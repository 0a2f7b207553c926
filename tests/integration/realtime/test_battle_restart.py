"""A restart in the middle of a battle follows the README's rule: the battle
resumes, the submission accepted before the stop is judged (once) by the
server that comes back, and the result is stored and announced.

Both ways a server stops: cleanly (what it was judging is finished or handed
back, so the next one takes it at once) and by a crash (SIGKILL: the lease
runs out first).
"""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.realtime.conftest import (
    Cluster,
    Player,
    Server,
    start_server,
)
from tests.integration.realtime.test_battle_end_to_end import FAST, _seat_everyone

pytestmark = [pytest.mark.anyio, pytest.mark.no_skip]

# Right, and slow enough (a fifth of a second a test) to be mid-judging when
# the server stops.
SLOW_RIGHT = (
    "import sys, time\n"
    "time.sleep(0.2)\n"
    "a, b = map(int, sys.stdin.read().split())\n"
    "print(a + b)\n"
)
LEASE_S = 5


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    return {
        "BITCODE_ENV": "development",
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "BITCODE_DATA_DIR": str(tmp_path / "data"),
        "MAIL_FOLDER": str(tmp_path / "mail"),
        "LOAD_DEMO_BANK": "1",
        "LOG_FORMAT": "json",
        "BATTLE_JUDGE_SLOTS": "1",
        "BATTLE_LEASE_SECONDS": str(LEASE_S),
        **FAST,
    }


@pytest.fixture
def started() -> Iterator[list[Server]]:
    servers: list[Server] = []
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
async def made() -> AsyncIterator[list[Player]]:
    made: list[Player] = []
    yield made
    for player in made:
        await player.close()


@pytest.mark.parametrize(
    "stop", [pytest.param("clean", id="clean-stop"), pytest.param("crash", id="crash")]
)
async def test_a_battle_resumes_after_a_restart_and_judges_what_was_accepted(
    environ: dict[str, str],
    tmp_path: Path,
    started: list[Server],
    made: list[Player],
    stop: str,
) -> None:
    first = start_server(environ, tmp_path / "first.log")
    started.append(first)
    cluster = Cluster([first], tmp_path / "mail")
    team, room_id = await _seat_everyone(cluster, made, "duel", 1, 2)
    solver, other = team
    battle_id = (await solver.act("room.start", room=room_id))["battle"]
    channel = f"battle:{battle_id}"
    await solver.subscribe(channel, after=0)
    await solver.event("battle.started", channel)
    accepted = await solver.http.post(
        f"/battles/{battle_id}/submissions",
        json={"question": "a-plus-b", "language": "python3", "source": SLOW_RIGHT},
    )
    assert accepted.status_code == 202, accepted.text
    submission = accepted.json()["submission"]
    await solver.event("submission.progress", channel, submission=submission)

    if stop == "crash":
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
    else:
        first.stop()
    assert not any(m["type"] == "submission.judged" for m in solver.events(channel)), (
        "the server stopped before the verdict"
    )
    second = start_server(environ, tmp_path / "second.log")
    started.append(second)
    for player in team:
        await player.drop()
        player.http.base_url = second.url
        await player.connect()
        await player.subscribe(f"user:{player.id}")
        await player.subscribe(channel, after=10**6)

    for player in team:
        snapshot = await player.expect("battle.snapshot")
        (kept,) = snapshot["data"]["submissions"]
        assert kept["submission"] == submission
        if stop == "crash":
            # Killed mid-judging: the battle and its accepted submission wait.
            assert snapshot["data"]["status"] == "running"
            assert kept["status"] == "queued"
    stored = await _finished(other, battle_id, 60 + LEASE_S)
    (judged,) = stored["submissions"]
    assert judged["submission"] == submission
    assert judged["verdict"] == "AC"
    assert judged["submitted_at"] == accepted.json()["submitted_at"]
    assert stored["result"]["winners"] == [0]
    assert stored["result"]["reason"] == "all-solved"
    if stop == "crash":
        announced = await other.event("battle.finished", channel, timeout_s=10)
        assert announced["data"]["ratings"] == stored["result"]["ratings"]


async def _finished(player: Player, battle_id: str, timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        battle = (await player.http.get(f"/battles/{battle_id}")).json()
        if battle["status"] == "finished":
            return battle
        await asyncio.sleep(0.2)
    raise AssertionError(f"battle {battle_id} did not finish after the restart")
