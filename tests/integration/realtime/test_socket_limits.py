"""Every way a socket is refused or cut off, every limit, and every malformed
message, against one real server with tight limits."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets

from tests.integration.realtime.conftest import Cluster, Player, start_server

pytestmark = [pytest.mark.anyio, pytest.mark.no_skip]

MAX_BYTES = 2048
ALLOWED = "https://play.bitcode.example"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("limits")
    environ = {
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "BITCODE_DATA_DIR": str(folder / "data"),
        "MAIL_FOLDER": str(folder / "mail"),
        "LOAD_DEMO_BANK": "1",
        "LOG_FORMAT": "json",
        "ALLOWED_ORIGINS": ALLOWED,
        "WS_MAX_MESSAGE_BYTES": str(MAX_BYTES),
        "WS_MESSAGES_PER_SECOND": "5",
        "WS_SOCKETS_PER_USER": "2",
        "WS_TICKET_TTL_SECONDS": "1",
        "WS_RECHECK_SECONDS": "1",
    }
    server = start_server(environ, folder / "server.log")
    try:
        yield Cluster([server], folder / "mail")
    finally:
        server.stop()


@pytest.fixture
async def player(cluster: Cluster) -> Any:
    made = await cluster.player(f"p{uuid.uuid4().hex[:10]}")
    yield made
    await made.close()


async def _close_code(url: str, **options: Any) -> int | None:
    async with websockets.connect(url, **options) as socket:
        try:
            async with asyncio.timeout(10):
                while True:
                    await socket.recv()
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
    return None


class TestOpening:
    async def test_a_socket_without_a_ticket_is_closed_4001(self, cluster):
        assert await _close_code(f"{cluster.server(0).ws_url}/ws") == 4001

    async def test_a_made_up_ticket_is_closed_4001(self, cluster):
        url = f"{cluster.server(0).ws_url}/ws?ticket=abc.def"

        assert await _close_code(url) == 4001

    async def test_a_ticket_works_once(self, player):
        ticket = await player.ticket()

        async with websockets.connect(ticket["url"]) as first:
            welcome = json.loads(await first.recv())
            again = await _close_code(ticket["url"])

        assert welcome["type"] == "welcome"
        assert again == 4001

    async def test_an_expired_ticket_is_closed_4001(self, player):
        ticket = await player.ticket()
        await asyncio.sleep(1.2)

        assert await _close_code(ticket["url"]) == 4001

    @pytest.mark.parametrize(
        ("origin", "code"),
        [
            pytest.param("https://evil.example", 4003, id="another-site"),
            pytest.param(ALLOWED, None, id="allowed-origin"),
        ],
    )
    async def test_browser_origins_are_checked_against_the_allowlist(
        self, player, origin, code
    ):
        ticket = await player.ticket()

        async with websockets.connect(ticket["url"], origin=origin) as socket:
            try:
                first = json.loads(await asyncio.wait_for(socket.recv(), 5))
            except websockets.ConnectionClosed as closed:
                first = {"closed": closed.rcvd.code if closed.rcvd else None}

        assert first == ({"closed": code} if code else first)
        if code is None:
            assert first["type"] == "welcome"

    async def test_a_third_socket_of_one_player_is_closed_4009(self, player):
        first = await player.ticket()
        second = await player.ticket()
        third = await player.ticket()

        async with (
            websockets.connect(first["url"]) as one,
            websockets.connect(second["url"]) as two,
        ):
            await one.recv()
            await two.recv()
            refused = await _close_code(third["url"])

        assert refused == 4009

    async def test_signing_out_closes_the_socket_4001(self, player):
        await player.connect()

        assert (await player.http.post("/auth/logout")).status_code in {200, 204}

        assert player.socket is not None
        await asyncio.wait_for(player.socket.wait_closed(), 10)
        assert player.socket.close_code == 4001


class TestLimits:
    async def test_a_message_over_the_size_limit_closes_the_socket(self, player):
        await player.connect()
        assert player.socket is not None

        await player.socket.send(json.dumps({"type": "ping", "ref": "x" * MAX_BYTES}))
        await asyncio.wait_for(player.socket.wait_closed(), 10)

        assert player.socket.close_code == 1009

    async def test_a_binary_frame_closes_the_socket_1003(self, player):
        await player.connect()
        assert player.socket is not None

        await player.socket.send(b'{"type": "ping"}')
        await asyncio.wait_for(player.socket.wait_closed(), 10)

        assert player.socket.close_code == 1003

    async def test_too_many_messages_are_refused_then_the_socket_closed(self, player):
        await player.connect()
        assert player.socket is not None

        for _ in range(60):
            await player.socket.send(json.dumps({"type": "ping"}))
        refused = await player.expect(
            lambda m: m["type"] == "error" and m["data"]["code"] == "rate-limited"
        )
        await asyncio.wait_for(player.socket.wait_closed(), 10)

        assert refused["data"]["status"] == 429
        assert refused["data"]["retry_after_s"] > 0
        assert player.socket.close_code == 4008

    async def test_messages_within_the_rate_are_all_answered(self, player):
        await player.connect()

        answers = [await player.send("ping") for _ in range(8)]

        assert [a["type"] for a in answers] == ["pong"] * 8


MALFORMED = [
    pytest.param("not json", "malformed-message", id="not-json"),
    pytest.param("[]", "malformed-message", id="not-an-object"),
    pytest.param('{"type": "dance"}', "malformed-message", id="unknown-type"),
    pytest.param('{"channel": "lobby"}', "malformed-message", id="no-type"),
    pytest.param('{"type": "subscribe"}', "malformed-message", id="missing-field"),
    pytest.param(
        '{"type": "subscribe", "channel": 7}', "malformed-message", id="wrong-type"
    ),
    pytest.param(
        '{"type": "ping", "extra": true}', "malformed-message", id="unknown-field"
    ),
    pytest.param(
        '{"type": "subscribe", "channel": "lobby", "after": -1}',
        "malformed-message",
        id="negative-seq",
    ),
    pytest.param(
        '{"type": "subscribe", "channel": "nowhere"}', "invalid-input", id="bad-channel"
    ),
    pytest.param(
        '{"type": "subscribe", "channel": "room:nosuchroom"}',
        "room-not-found",
        id="missing-room",
    ),
    pytest.param(
        '{"type": "subscribe", "channel": "user:someoneelse"}',
        "permission-denied",
        id="another-players-channel",
    ),
    pytest.param(
        '{"type": "room.join", "room": "nosuchroom"}', "room-not-found", id="join"
    ),
    pytest.param(
        '{"type": "room.create", "settings": {"mode": "duel", "sides": 5}}',
        "invalid-input",
        id="bad-settings",
    ),
    pytest.param(
        '{"type": "chat.say", "channel": "lobby", "text": "   "}',
        "invalid-input",
        id="blank-chat",
    ),
    pytest.param('{"type": "' + "x" * 1500 + '"}', "malformed-message", id="long-type"),
    pytest.param("[" * 1000 + "]" * 1000, "malformed-message", id="deep-nesting"),
]


class TestMalformedMessages:
    @pytest.mark.parametrize(("text", "code"), MALFORMED)
    async def test_is_answered_with_an_error_and_the_socket_stays(
        self, player, text, code
    ):
        await player.connect()
        assert player.socket is not None

        await player.socket.send(text)
        error = await player.expect("error")
        pong = await player.send("ping")

        assert error["data"]["code"] == code
        assert error["data"]["type"] == f"https://bitcode.dev/problems/{code}"
        assert pong["type"] == "pong"

    async def test_a_refused_message_with_a_readable_ref_gets_it_back(self, player):
        await player.connect()

        answer = await player.send("dance")
        beyond = await player.send("room.switch_side", room="nosuchroom", side=50)

        assert answer["data"]["code"] == "malformed-message"
        assert beyond["data"]["code"] == "room-not-found"

    async def test_an_error_names_the_field_it_refuses(self, player):
        await player.connect()

        error = await player.send(
            "room.create", settings={"mode": "duel", "time_limit_s": 5}
        )

        assert error["data"]["status"] == 422
        assert error["data"]["errors"][0]["field"] == "time_limit_s"


async def test_the_ticket_endpoint_needs_a_signed_in_player(cluster: Cluster) -> None:
    async with httpx.AsyncClient(base_url=cluster.server(0).url) as anonymous:
        response = await anonymous.post("/realtime/ticket")

    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_server_log_never_holds_a_ticket(cluster: Cluster) -> None:
    log = cluster.servers[0].log.read_text()

    assert "WebSocket /ws?[redacted]" in log
    assert "ticket=" not in log


class TestWhoMayRead:
    async def _squads(self, cluster: Cluster) -> tuple[list[Player], dict]:
        team = [await cluster.player(f"s{uuid.uuid4().hex[:10]}") for _ in range(3)]
        for member in team:
            await member.connect()
        room = await team[0].act("room.create", settings={"mode": "squads"})
        await team[1].act("room.join", room=room["id"], side=0)
        await team[2].act("room.join", room=room["id"], side=1)
        return team, room

    async def test_a_player_who_switches_sides_stops_hearing_the_old_side(
        self, cluster
    ):
        (host, spy, other), room = await self._squads(cluster)
        side = f"{room['channel']}:side:0"
        # The spy follows the side channel only, never the room's.
        await spy.subscribe(side)
        await host.subscribe(side)

        switched = await spy.http.post(f"/rooms/{room['id']}/side", json={"side": 1})
        await host.act("chat.say", channel=side, text="secret plan")
        await host.event("chat.message", side, text="secret plan")
        await asyncio.sleep(0.3)

        assert switched.status_code == 200
        assert [m for m in spy.events(side) if m["type"] == "chat.message"] == []
        cut = [m for m in spy.received if m["type"] == "unsubscribed"]
        assert [m["data"]["channel"] for m in cut] == [side]
        for player in (host, spy, other):
            await player.close()

    async def test_a_room_turned_private_stops_its_outside_watchers(self, cluster):
        (host, member, third), room = await self._squads(cluster)
        watcher = await cluster.player(f"w{uuid.uuid4().hex[:10]}")
        await watcher.connect()
        await watcher.subscribe(room["channel"])
        await watcher.subscribe("lobby")

        settings = {"mode": "squads", "private": True}
        await host.act("room.change_settings", room=room["id"], settings=settings)
        cut = await watcher.expect("unsubscribed")
        unlisted = await watcher.event("room.unlisted", "lobby", id=room["id"])
        await host.act("chat.say", channel=room["channel"], text="members only")
        await asyncio.sleep(0.3)

        assert cut["data"]["channel"] == room["channel"]
        assert unlisted["data"]["status"] == "private"
        said = [
            m for m in watcher.events(room["channel"]) if m["type"] == "chat.message"
        ]
        assert said == []
        for player in (host, member, third, watcher):
            await player.close()

    async def test_resuming_past_the_newest_event_starts_over(self, player):
        await player.connect()
        room = await player.act("room.create", settings={"mode": "duel"})

        answer = await player.subscribe(room["channel"], after=10_000)
        snapshot = await player.expect("room.snapshot")

        assert answer["data"]["resumed"] is False
        assert answer["data"]["resync"] is True
        assert snapshot["data"]["id"] == room["id"]
