"""A live battle judged by Judge0: ``bitcode serve`` with ``JUDGE0_API_URL``
pointing at the fake Judge0 on loopback, players on httpx and websockets.

One battle runs through as it would on the sandbox; in another Judge0 stops
answering mid-battle, the submission ends as Internal Error after the give-up
limit (the player sees it as such), and the battle is voided, not rated.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.integration.realtime.conftest import Cluster, Player
from tests.integration.realtime.conftest import players as players  # noqa: PLC0414
from tests.integration.realtime.conftest import servers as servers  # noqa: PLC0414
from tests.integration.realtime.test_battle_end_to_end import (
    FAST,
    RIGHT,
    WRONG,
    _seat_everyone,
)
from tests.judge0_fake import FakeJudge0

pytestmark = [pytest.mark.anyio, pytest.mark.no_skip]


async def _battle(cluster: Cluster, made: list[Player]) -> tuple[list[Player], str]:
    team, room_id = await _seat_everyone(cluster, made, "duel", 1, 2)
    battle_id = (await team[0].act("room.start", room=room_id))["battle"]
    for player in team:
        await player.subscribe(f"battle:{battle_id}", after=0)
        await player.event("battle.started", f"battle:{battle_id}")
    return team, battle_id


async def _submit(player: Player, battle_id: str, source: str) -> str:
    answer = await player.http.post(
        f"/battles/{battle_id}/submissions",
        json={"question": "a-plus-b", "language": "python3", "source": source},
    )
    assert answer.status_code == 202, answer.text
    submission: str = answer.json()["submission"]
    return submission


async def test_a_live_battle_is_judged_by_judge0(
    servers: Callable[..., Cluster],
    players: list[Player],
    fake: FakeJudge0,
    fake_url: str,
) -> None:
    cluster = servers(JUDGE0_API_URL=fake_url, **FAST)
    (solver, other), battle_id = await _battle(cluster, players)
    channel = f"battle:{battle_id}"

    wrong = await _submit(solver, battle_id, WRONG)
    judged = await other.event("submission.judged", channel, 60, submission=wrong)
    right = await _submit(solver, battle_id, RIGHT)
    finished = await other.event("battle.finished", channel, 60)

    assert judged["data"]["verdict"] == "WA"
    accepted = await solver.event(
        "submission.result", f"user:{solver.id}", 10, submission=right
    )
    assert accepted["data"]["verdict"] == "AC"
    assert finished["data"]["winners"] == [0]
    assert not finished["data"]["voided"]
    assert len(finished["data"]["ratings"]) == 2
    assert fake.counters.submissions >= 2 * accepted["data"]["tests_total"]


async def test_judge0_going_silent_mid_battle_voids_it_instead_of_rating_it(
    servers: Callable[..., Cluster],
    players: list[Player],
    fake: FakeJudge0,
    fake_url: str,
) -> None:
    cluster = servers(
        JUDGE0_API_URL=fake_url,
        JUDGE0_GIVE_UP_SECONDS="5",
        JUDGE0_TIMEOUT_SECONDS="1",
        **FAST,
    )
    (solver, other), battle_id = await _battle(cluster, players)
    channel = f"battle:{battle_id}"

    fake.knobs.hang = True
    lost = await _submit(solver, battle_id, RIGHT)
    failed = await other.event("submission.judged", channel, 60, submission=lost)
    fake.knobs.hang = False
    await _submit(other, battle_id, RIGHT)
    finished = await solver.event("battle.finished", channel, 60)

    assert failed["data"]["verdict"] == "IE"
    assert finished["data"]["voided"] is True
    assert finished["data"]["ratings"] == []
    stored = (await solver.http.get(f"/battles/{battle_id}")).json()
    assert stored["result"]["voided"] is True
