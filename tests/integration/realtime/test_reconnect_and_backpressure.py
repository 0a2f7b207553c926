"""Dropping and coming back, and reading too slowly: a client that returns
within the grace period misses nothing; one that does not counts as gone; a
client that stops reading is cut off without holding anyone else up."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable

import pytest
import websockets

from tests.integration.realtime.conftest import Cluster, Player, in_order_once

pytestmark = [pytest.mark.anyio, pytest.mark.no_skip]

LAYOUTS = [
    pytest.param({"count": 1}, id="one-server-embedded"),
    pytest.param({"count": 2, "shared": True}, id="two-servers-postgres-redis"),
]


async def _duel(cluster: Cluster, made: list[Player]) -> tuple[Player, Player, str]:
    alice = await cluster.player("alice", on=0)
    bob = await cluster.player("bob", on=1)
    made += [alice, bob]
    for player in (alice, bob):
        await player.connect()
    room = await alice.act("room.create", settings={"mode": "duel"})
    await bob.act("room.join", room=room["id"])
    for player in (alice, bob):
        await player.subscribe(room["channel"])
    return alice, bob, room


@pytest.mark.parametrize("layout", LAYOUTS)
async def test_a_client_back_within_the_grace_period_misses_nothing(
    servers: Callable[..., Cluster], players: list[Player], layout: dict[str, object]
) -> None:
    cluster = servers(**layout, PRESENCE_GRACE_SECONDS="3")
    alice, bob, room = await _duel(cluster, players)
    channel = room["channel"]
    await bob.act("chat.say", channel=channel, text="brb")
    await bob.event("chat.message", channel, text="brb")
    last_seen = bob.seqs(channel)[-1]

    await bob.drop()
    for index in range(3):
        await alice.act("chat.say", channel=channel, text=f"missed {index}")
    await alice.act("room.ready", room=room["id"])
    # Back on the other server, where there are two.
    bob.server = cluster.server(0)
    bob.http.base_url = cluster.server(0).url
    await bob.connect()
    resumed = await bob.subscribe(channel, after=last_seen)
    await alice.act("chat.say", channel=channel, text="welcome back")
    await bob.event("chat.message", channel, text="welcome back")

    assert resumed["data"]["resumed"] is True
    assert resumed["data"]["resync"] is False
    seqs = bob.seqs(channel)
    assert in_order_once(seqs), seqs
    texts = [m["data"].get("text") for m in bob.events(channel) if m["seq"] > last_seen]
    assert [t for t in texts if t] == [
        "missed 0",
        "missed 1",
        "missed 2",
        "welcome back",
    ]
    offline = [
        m
        for m in alice.events(channel)
        if m["type"] == "presence.changed" and m["data"]["online"] is False
    ]
    assert offline == []


async def test_a_client_that_does_not_come_back_counts_as_gone(
    servers: Callable[..., Cluster], players: list[Player]
) -> None:
    cluster = servers(PRESENCE_GRACE_SECONDS="1")
    alice, bob, room = await _duel(cluster, players)
    channel = room["channel"]

    await bob.drop()
    offline = await alice.event(
        "presence.changed", channel, timeout_s=10, player=bob.id, online=False
    )
    left = await alice.event("player.left", channel, player=bob.id)

    assert left["seq"] == offline["seq"] + 1
    view = (await alice.http.get(f"/rooms/{room['id']}")).json()
    assert [[s["player"] for s in side] for side in view["sides"]] == [[alice.id], []]


async def test_a_client_too_far_behind_is_told_to_start_over(
    servers: Callable[..., Cluster], players: list[Player]
) -> None:
    cluster = servers(EVENT_HISTORY="10", WS_MESSAGES_PER_SECOND="1000")
    alice, bob, room = await _duel(cluster, players)
    channel = room["channel"]
    await bob.drop()
    for index in range(12):
        await alice.act("room.ready", room=room["id"], ready=index % 2 == 0)

    await bob.connect()
    answer = await bob.subscribe(channel, after=1)
    snapshot = await bob.expect("room.snapshot")

    assert answer["data"]["resumed"] is False
    assert answer["data"]["resync"] is True
    assert answer["data"]["last_seq"] >= 13
    assert snapshot["room"] == room["id"]
    assert snapshot["data"]["id"] == room["id"]


async def test_a_client_that_stops_reading_is_dropped_and_the_others_keep_up(
    servers: Callable[..., Cluster], players: list[Player]
) -> None:
    cluster = servers(WS_BACKLOG="16", WS_MESSAGES_PER_SECOND="1000")
    alice, bob, room = await _duel(cluster, players)
    channel = room["channel"]
    carol = await cluster.player("carol")
    players.append(carol)
    await carol.connect()
    await carol.subscribe(channel)
    # Long messages in the lobby's chat: each subscription to the lobby sends
    # them all again, which fills a socket's buffers fast.
    for player in (bob, carol):
        for index in range(5):
            text = f"{player.name} {index} " + "x" * 480
            posted = await player.http.post("/chat/lobby/messages", json={"text": text})
            assert posted.status_code == 201, posted.text
    # A spectator whose socket reads almost nothing: a tiny receive buffer
    # and a client queue of one frame, never drained while the room is busy.
    port = int(cluster.server(0).url.rsplit(":", 1)[1])
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before the window
    raw.connect(("127.0.0.1", port))
    ticket = await carol.ticket()
    stalled = await websockets.connect(ticket["url"], sock=raw, max_queue=1)
    await stalled.send(json.dumps({"type": "subscribe", "channel": channel}))
    for _ in range(600):
        await stalled.send(json.dumps({"type": "subscribe", "channel": "lobby"}))

    # Alice reads her answers as she goes (a backlog of 16 holds five answers
    # and their five events); the stalled spectator does not.
    flood, batch = 300, 5
    for start in range(0, flood, batch):
        answers = [
            alice.send("room.ready", room=room["id"], ready=index % 2 == 0)
            for index in range(start, start + batch)
        ]
        for answer in await asyncio.gather(*answers):
            assert answer["type"] == "ack", answer["data"]
    started = time.monotonic()
    await alice.act("chat.say", channel=channel, text="still here?")
    heard = await carol.event("chat.message", channel, timeout_s=30, text="still here?")
    latency = time.monotonic() - started

    readiness = [m for m in carol.events(channel) if m["type"] == "readiness.changed"]
    assert len(readiness) == flood
    assert in_order_once(carol.seqs(channel))
    assert heard["data"]["name"] == "alice"
    assert latency < 5.0
    code = await _close_code(stalled)
    stalled.transport.abort()
    raw.close()
    assert code == 4010


async def _close_code(client: websockets.ClientConnection) -> int | None:
    """Read whatever is left, then the code the server closed with."""
    async with asyncio.timeout(30):
        try:
            while True:
                await client.recv()
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
