"""The WebSocket at ``/ws`` and the tickets that open it."""

from __future__ import annotations

from typing import Any

from litestar import Controller, WebSocket, post, websocket
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_201_CREATED
from litestar.types import ControllerRouterHandler

from bitcode_core.accounts.model import Principal
from bitcode_core.accounts.socket_tickets import SocketTickets
from bitcode_http.principal import SECURED
from bitcode_http.problems import documented
from bitcode_http.realtime.server import Realtime
from bitcode_http.room_schemas import SocketTicketOut
from bitcode_http.settings import Settings


class RealtimeController(Controller):
    path = "/realtime"
    tags = ("realtime",)

    @post(
        "/ticket",
        security=SECURED,
        status_code=HTTP_201_CREATED,
        responses=documented(401),
        summary="A single-use ticket to open the WebSocket",
        description="Open `url` (the WebSocket, with the ticket in its query) "
        "before `expires_at` (30 seconds by default). Browsers cannot send "
        "`Authorization` on a WebSocket, hence the ticket. See docs/realtime.md.",
    )
    async def ticket(
        self,
        socket_tickets: NamedDependency[SocketTickets],
        server_settings: NamedDependency[Settings],
        principal: NamedDependency[Principal],
    ) -> SocketTicketOut:
        issued = await socket_tickets.issue(principal)
        base = server_settings.public_url.replace("http", "ws", 1)
        return SocketTicketOut(
            ticket=issued.ticket,
            expires_at=issued.expires_at,
            url=f"{base}/ws?ticket={issued.ticket}",
        )


@websocket("/ws", include_in_schema=False)
async def socket_endpoint(
    socket: WebSocket[Any, Any, Any], realtime: NamedDependency[Realtime]
) -> None:
    await realtime.serve(socket)


ROUTES: list[ControllerRouterHandler] = [RealtimeController, socket_endpoint]
