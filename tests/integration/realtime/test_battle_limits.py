"""The judging queue under a flood, on a real server: one player's burst of
submissions cannot push another player's verdict back by more than the
queue's stated bound, and the burst itself is bounded."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tests.integration.realtime.conftest import Cluster, Player
from tests.integration.realtime.test_battle_end_to_end import FAST, _seat_everyone

pytestmark = [pytest.mark.anyio, pytest.mark.no_skip]

# Wrong (so nobody wins early) and slow enough that the queue, not the
# interpreter's start-up, decides the order.
SLOW = (
    "import sys, time\n"
    "time.sleep(0.05)\n"
    "a, b = map(int, sys.stdin.read().split())\n"
    "print(a - b)\n"
)


async def _submit(player: Player, battle_id: str, source: str) -> dict[str, object]:
    response = await player.http.post(
        f"/battles/{battle_id}/submissions",
        json={"question": "a-plus-b", "language": "python3", "source": source},
    )
    assert response.status_code == 202, response.text
    body: dict[str, object] = response.json()
    return body


async def test_a_flood_from_one_player_waits_behind_the_others_verdict(
    servers: Callable[..., Cluster], players: list[Player]
) -> None:
    # One judging slot and three waiting submissions a player: the flooder's
    # burst fills their line, the other's one submission takes the next turn.
    cluster = servers(BATTLE_JUDGE_SLOTS="1", BATTLE_MAX_QUEUED="3", **FAST)
    (flooder, other), room_id = await _seat_everyone(cluster, players, "duel", 1, 2)
    battle_id = (await flooder.act("room.start", room=room_id))["battle"]
    channel = f"battle:{battle_id}"
    await flooder.subscribe(channel, after=0)
    await flooder.event("battle.started", channel)

    for bad_key in (b"", b"a b", b"k" * 65, "é".encode()):
        refused_key = await flooder.http.post(
            f"/battles/{battle_id}/submissions",
            json={"question": "a-plus-b", "language": "python3", "source": SLOW},
            headers={"Idempotency-Key": bad_key},
        )
        assert refused_key.status_code in {400, 422}, (bad_key, refused_key.text)
        assert refused_key.headers["content-type"] == "application/problem+json"
    two_keys = await flooder.http.post(
        f"/battles/{battle_id}/submissions",
        json={
            "question": "a-plus-b",
            "language": "python3",
            "source": SLOW,
            "key": "a",
        },
        headers={"Idempotency-Key": "b"},
    )
    assert two_keys.status_code == 422, two_keys.text
    assert two_keys.json()["errors"][0]["field"] == "key"
    flood = [await _submit(flooder, battle_id, SLOW + f"# {n}\n") for n in range(3)]
    refused = await flooder.http.post(
        f"/battles/{battle_id}/submissions",
        json={"question": "a-plus-b", "language": "python3", "source": SLOW},
    )
    theirs = await _submit(other, battle_id, SLOW)

    assert refused.status_code == 429, refused.text
    assert refused.json()["type"].endswith("/rate-limited")
    order = []
    for _ in range(4):
        judged = await flooder.expect(
            lambda m: m["type"] == "submission.judged" and m["channel"] == channel,
            timeout_s=120,
        )
        order.append(judged["data"]["submission"])
    # The bound: with one slot and two players waiting, the other's job
    # starts after at most 1 + (2 - 1) = 2 of the flooder's.
    assert order.index(theirs["submission"]) <= 2, order
    assert order[-1] == flood[-1]["submission"], order


async def test_submissions_sent_at_once_are_held_to_the_queue_limit(
    servers: Callable[..., Cluster], players: list[Player]
) -> None:
    cluster = servers(BATTLE_JUDGE_SLOTS="1", BATTLE_MAX_QUEUED="3", **FAST)
    (flooder, _), room_id = await _seat_everyone(cluster, players, "duel", 1, 2)
    battle_id = (await flooder.act("room.start", room=room_id))["battle"]
    channel = f"battle:{battle_id}"
    await flooder.subscribe(channel, after=0)
    await flooder.event("battle.started", channel)

    answers = await asyncio.gather(
        *(
            flooder.http.post(
                f"/battles/{battle_id}/submissions",
                json={
                    "question": "a-plus-b",
                    "language": "python3",
                    "source": SLOW + f"# {n}\n",
                },
            )
            for n in range(8)
        )
    )

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [202] * 3 + [429] * 5, statuses
