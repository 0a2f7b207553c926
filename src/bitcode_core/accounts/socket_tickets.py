"""Tickets that let a browser open the WebSocket: browsers cannot send an
``Authorization`` header there, so a signed-in client first asks the HTTP API
for a ticket and puts it in the socket's URL.

A ticket is single-use and short-lived, is stored only as a digest, and names
the device session it was issued for, so the socket lives only as long as that
session does.
"""

from __future__ import annotations

from dataclasses import dataclass

from bitcode_core.accounts.model import Principal, Role, TokenPurpose
from bitcode_core.accounts.ports import (
    OneTimeTokenRepository,
    Secrets,
    SessionRepository,
    UserRepository,
)
from bitcode_core.errors import InvalidToken
from bitcode_core.ports import Clock


@dataclass(frozen=True, slots=True)
class SocketTicket:
    ticket: str
    expires_at: float


class SocketTickets:
    def __init__(
        self,
        *,
        tokens: OneTimeTokenRepository,
        sessions: SessionRepository,
        users: UserRepository,
        secrets: Secrets,
        clock: Clock,
        ttl_s: float = 30.0,
    ) -> None:
        self._tokens = tokens
        self._sessions = sessions
        self._users = users
        self._secrets = secrets
        self._clock = clock
        self._ttl_s = ttl_s

    async def issue(self, principal: Principal) -> SocketTicket:
        secret = self._secrets.token()
        expires_at = self._clock.now() + self._ttl_s
        await self._tokens.put(
            self._secrets.digest(secret),
            TokenPurpose.SOCKET_TICKET,
            principal.user_id,
            expires_at,
        )
        return SocketTicket(f"{principal.session_id}.{secret}", expires_at)

    async def redeem(self, ticket: str) -> Principal:
        """Spend a ticket: who it was issued to, or ``InvalidToken``."""
        session_id, _, secret = ticket.partition(".")
        if not session_id or not secret or len(ticket) > 256:
            raise InvalidToken("not a socket ticket")
        user_id = await self._tokens.consume(
            self._secrets.digest(secret), TokenPurpose.SOCKET_TICKET, self._clock.now()
        )
        if user_id is None:
            raise InvalidToken("the ticket is unknown, expired or already used")
        principal = Principal(user_id, session_id, await self._role_of(user_id))
        return await self.recheck(principal)

    async def recheck(self, principal: Principal) -> Principal:
        """The principal again if its session and account are still live."""
        session = await self._sessions.get(principal.session_id)
        now = self._clock.now()
        if (
            session is None
            or session.user_id != principal.user_id
            or not session.active(now)
        ):
            raise InvalidToken("this session has been signed out")
        return Principal(
            principal.user_id, session.id, await self._role_of(principal.user_id)
        )

    async def _role_of(self, user_id: str) -> Role:
        user = await self._users.get(user_id)
        if user is None or user.disabled:
            raise InvalidToken("this account can no longer sign in")
        return user.role
