"""The lobby end to end: real servers, real sockets, people doing what people
do in a lobby, and every event reaching every client once and in order.

The same story runs on one server with the embedded defaults, and on two
server processes sharing PostgreSQL and Redis with the players spread over
both.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.integration.realtime.conftest import Cluster, Player, in_order_once

pytestmark = [pytest.mark.anyio, pytest.mark.no_skip]

LAYOUTS = [
    pytest.param({"count": 1}, id="one-server-embedded"),
    pytest.param({"count": 2, "shared": True}, id="two-servers-postgres-redis"),
]


async def _team(cluster: Cluster, made: list[Player], *names: str) -> list[Player]:
    """Players alternating between the servers, each with a socket."""
    team = []
    for index, name in enumerate(names):
        player = await cluster.player(name, on=len(made) + index)
        team.append(player)
    made.extend(team)
    for player in team:
        await player.connect()
        await player.subscribe("lobby")
    return team


@pytest.mark.parametrize("layout", LAYOUTS)
async def test_players_meet_chat_ready_up_kick_and_hand_over(
    servers: Callable[..., Cluster], players: list[Player], layout: dict[str, object]
) -> None:
    cluster = servers(**layout)
    alice, bob, carol, dave, erin, frank = await _team(
        cluster, players, "alice", "bob", "carol", "dave", "erin", "frank"
    )

    # A public squads room, found in the lobby's list and joined from it.
    created = await alice.http.post(
        "/rooms",
        json={"title": "Friday squads", "settings": {"mode": "squads"}},
    )
    assert created.status_code == 201, created.text
    room = created.json()
    channel = room["channel"]
    await bob.event("room.listed", "lobby", id=room["id"])
    listed = (await bob.http.get("/rooms", params={"mode": "squads"})).json()
    assert [r["id"] for r in listed["rooms"]] == [room["id"]]

    for player in (alice, bob, carol, dave):
        await player.subscribe(channel)
    await bob.act("room.join", room=room["id"], side=0)
    joined = await carol.http.post(f"/rooms/{room['id']}/join", json={"side": 1})
    assert joined.status_code == 200, joined.text
    await dave.act("room.join", room=room["id"])
    await alice.event("player.joined", channel, player=dave.id, side=1)

    # Room chat for everyone in it; the side's own channel for the side only.
    await alice.subscribe(f"{channel}:side:0")
    await bob.subscribe(f"{channel}:side:0")
    refused = await carol.send("subscribe", channel=f"{channel}:side:0")
    assert refused["data"]["code"] == "permission-denied"
    await alice.act("chat.say", channel=channel, text="gl hf")
    await alice.act("chat.say", channel=f"{channel}:side:0", text="rush mid")
    for player in (bob, carol, dave):
        said = await player.event("chat.message", channel, text="gl hf")
        assert said["data"]["name"] == "alice"
    await bob.event("chat.message", f"{channel}:side:0", text="rush mid")
    outsider = await frank.send("chat.say", channel=channel, text="let me in")
    assert outsider["data"]["code"] == "permission-denied"

    # Ready up, kick, hand over.
    for player in (alice, bob, carol, dave):
        await player.act("room.ready", room=room["id"])
    await carol.event("readiness.changed", channel, player=dave.id, ready=True)
    kicked = await alice.http.post(
        f"/rooms/{room['id']}/kick", json={"player": dave.id}
    )
    assert kicked.status_code == 200, kicked.text
    await dave.event("player.kicked", channel, player=dave.id)
    await dave.expect(lambda m: m["type"] == "unsubscribed")
    back = await dave.send("room.join", room=room["id"])
    assert back["data"]["code"] == "permission-denied"
    await alice.act("room.hand_over", room=room["id"], to=bob.id)
    for player in (alice, bob, carol):
        await player.event("host.changed", channel, host=bob.id)
    not_host = await alice.send("room.kick", room=room["id"], player=carol.id)
    assert not_host["data"]["code"] == "permission-denied"

    # A private room stays out of the list and is joined by its invite code.
    private = await erin.act(
        "room.create", title="Rematch", settings={"mode": "duel", "private": True}
    )
    assert private["invite_code"]
    hidden = await alice.http.get(f"/rooms/{private['id']}")
    assert hidden.status_code == 404
    listed = (await alice.http.get("/rooms")).json()
    assert private["id"] not in [r["id"] for r in listed["rooms"]]
    await erin.subscribe(private["channel"])
    seated = await frank.act("room.join_by_invite", invite_code=private["invite_code"])
    assert [s["player"] for s in seated["sides"][1]] == [frank.id]
    await erin.event("player.joined", private["channel"], player=frank.id)

    # Everyone saw the same events of the room, once each and in order.
    final = await bob.act("room.ready", room=room["id"], ready=False)
    for player in (alice, carol):
        await player.event("readiness.changed", channel, player=bob.id, ready=False)
    seen = {p.name: p.seqs(channel) for p in (alice, bob, carol)}
    for name, seqs in seen.items():
        assert in_order_once(seqs), (name, seqs)
    assert seen["alice"][-1] == seen["bob"][-1] == seen["carol"][-1]
    types = [[m["type"] for m in p.events(channel)] for p in (alice, bob, carol)]
    assert types[0][-5:] == types[1][-5:] == types[2][-5:]
    assert final["host"] == bob.id
    assert [len(side) for side in final["sides"]] == [2, 1]
