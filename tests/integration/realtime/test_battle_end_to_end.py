"""Whole battles end to end: real servers, real sockets, code judged in the
sandbox, the result and the rating changes stored and broadcast.

The same story (start, a run on the player's own input, a wrong answer, then
a right one) plays as a duel, as 2 v 2 squads and as a free-for-all on the
embedded defaults, and as a duel with the players on two server processes
sharing PostgreSQL and Redis.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.realtime.conftest import Cluster, Player, in_order_once

pytestmark = [pytest.mark.anyio, pytest.mark.no_skip]

QUESTIONS = Path(__file__).resolve().parents[3] / "questions"
RIGHT = (QUESTIONS / "a-plus-b/submissions/accepted/sum.py").read_text()
WRONG = "a, b = map(int, input().split())\nprint(a - b)\n"
FAST = {"BATTLE_COUNTDOWN_SECONDS": "0.5", "BATTLE_SWEEP_SECONDS": "0.2"}

SHAPES = [
    pytest.param("duel", 1, 2, {"count": 1}, id="duel-embedded"),
    pytest.param("squads", 2, 2, {"count": 1}, id="squads-2v2-embedded"),
    pytest.param("free-for-all", 1, 3, {"count": 1}, id="free-for-all-embedded"),
    pytest.param(
        "duel", 1, 2, {"count": 2, "shared": True}, id="duel-two-servers-postgres-redis"
    ),
]


async def _seat_everyone(
    cluster: Cluster, made: list[Player], mode: str, per_side: int, sides: int
) -> tuple[list[Player], str]:
    names = [f"fighter{index}" for index in range(per_side * sides)]
    team = [await cluster.player(name, on=index) for index, name in enumerate(names)]
    made.extend(team)
    for player in team:
        await player.connect()
        await player.subscribe(f"user:{player.id}")
    host = team[0]
    settings: dict[str, Any] = {
        "mode": mode,
        "questions": {"ids": ["a-plus-b"]},
        "languages": ["python3"],
        "time_limit_s": 600,
        "rated": True,
        "sides": sides,
        "seats_per_side": per_side,
    }
    room = await host.act("room.create", settings=settings)
    for index, player in enumerate(team):
        await player.subscribe(room["channel"])
        if player is not host:
            await player.act("room.join", room=room["id"], side=index // per_side)
    for player in team:
        await player.act("room.ready", room=room["id"])
    return team, room["id"]


@pytest.mark.parametrize(("mode", "per_side", "sides", "layout"), SHAPES)
async def test_a_battle_runs_from_start_to_rated_result(
    servers: Callable[..., Cluster],
    players: list[Player],
    mode: str,
    per_side: int,
    sides: int,
    layout: dict[str, Any],
) -> None:
    cluster = servers(**layout, **FAST)
    team, room_id = await _seat_everyone(cluster, players, mode, per_side, sides)
    solver, others = team[0], team[1:]

    await others[0].subscribe("leaderboard")
    started = await solver.act("room.start", room=room_id)
    battle_id = started["battle"]
    channel = f"battle:{battle_id}"
    for player in team:
        await player.event("battle.created", f"room:{room_id}", battle=battle_id)
        await player.subscribe(channel, after=0)
    for player in team:
        revealed = await player.event("battle.started", channel)
        (question,) = revealed["data"]["questions"]
        assert question["id"] == "a-plus-b"
        assert question["samples"], "the samples are revealed with the question"

    # A run on the player's own input: output, time and memory, not scored.
    ran = await solver.act(
        "battle.run",
        battle=battle_id,
        question="a-plus-b",
        language="python3",
        source=RIGHT,
        input="2 40\n",
    )
    (output,) = ran["outputs"]
    assert output["stdout"] == "42\n"
    assert output["status"] == "ok"
    assert output["verdict"] is None

    # A wrong answer, then a right one: the submitter sees every test, the
    # others see progress and verdicts but never the code.
    wrong = await solver.http.post(
        f"/battles/{battle_id}/submissions",
        json={"question": "a-plus-b", "language": "python3", "source": WRONG},
    )
    assert wrong.status_code == 202, wrong.text
    wrong_id = wrong.json()["submission"]
    result = await solver.event(
        "submission.result", f"user:{solver.id}", timeout_s=60, submission=wrong_id
    )
    assert result["data"]["verdict"] == "WA"
    tests = [
        m
        for m in solver.events(f"user:{solver.id}")
        if m["type"] == "submission.test" and m["data"]["submission"] == wrong_id
    ]
    assert len(tests) == result["data"]["tests_total"] > 1
    for player in others:
        judged = await player.event(
            "submission.judged", channel, timeout_s=60, submission=wrong_id
        )
        assert judged["data"]["verdict"] == "WA"
        assert "source" not in judged["data"]
        peek = await player.http.get(f"/battles/{battle_id}/submissions/{wrong_id}")
        assert peek.status_code == 200, peek.text
        assert peek.json()["source"] is None

    right = await solver.act(
        "battle.submit",
        battle=battle_id,
        question="a-plus-b",
        language="python3",
        source=RIGHT,
        key="right-1",
    )
    again = await solver.act(
        "battle.submit",
        battle=battle_id,
        question="a-plus-b",
        language="python3",
        source=RIGHT,
        key="right-1",
    )
    assert again["submission"] == right["submission"], "one key, one submission"

    # The result, stored before it is announced, reaches everyone.
    finished = [await p.event("battle.finished", channel, timeout_s=60) for p in team]
    data = finished[0]["data"]
    assert data["reason"] == "all-solved"
    assert data["voided"] is False
    assert data["winners"] == [0]
    deltas = {r["player"]: r["delta"] for r in data["ratings"]}
    assert set(deltas) == {p.id for p in team}
    assert deltas[solver.id] > 0
    assert all(deltas[p.id] < 0 for p in others if p not in team[:per_side])
    for player in team:
        seqs = player.seqs(channel)
        assert in_order_once(seqs), seqs
        assert seqs[-1] == finished[0]["seq"], "nothing after the result"
    assert len({m["seq"] for m in finished}) == 1

    # The boards moved at once, and subscribers heard of it.
    moved = await others[0].event("leaderboard.changed", "leaderboard", timeout_s=10)
    assert {r["player"] for r in moved["data"]["ratings"]} == {p.id for p in team}
    board = (await solver.http.get(f"/leaderboards/current/{mode}")).json()
    winners = {p.id for p in team[:per_side]}  # the solver's side, tied first
    top = board["rows"][:per_side]
    assert {r["player"] for r in top} == winners
    assert {r["rank"] for r in top} == {1}
    assert board["total"] == len(team)

    stored = (await others[0].http.get(f"/battles/{battle_id}")).json()
    assert stored["status"] == "finished"
    assert stored["result"]["ratings"] == data["ratings"]
    judged_ids = [s["submission"] for s in stored["submissions"]]
    assert judged_ids == [wrong_id, right["submission"]]
    history = (await others[-1].http.get("/users/me/battles")).json()
    assert [b["battle"] for b in history["battles"]] == [battle_id]
    after = await others[0].http.get(f"/battles/{battle_id}/submissions/{wrong_id}")
    assert after.json()["source"] == WRONG, "all code is open once it is over"
    late = await solver.http.post(
        f"/battles/{battle_id}/submissions",
        json={"question": "a-plus-b", "language": "python3", "source": RIGHT},
    )
    assert late.status_code == 409, late.text
    assert late.json()["type"].endswith("/battle-over")
