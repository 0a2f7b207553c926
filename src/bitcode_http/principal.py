"""Who is calling: the bearer access token in ``Authorization``, checked by the
account use cases against the live session."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency

from bitcode_core.accounts.model import Principal
from bitcode_core.accounts.usecases import Accounts, Client
from bitcode_core.errors import InvalidToken, NotAuthenticated
from bitcode_http.request_log import remember_user

BEARER = "bearer"  # the security scheme's name in the OpenAPI document
SECURED: list[dict[str, list[str]]] = [{BEARER: []}]
ME = "me"  # where a route takes a player's id, the signed-in player


def bearer_token(request: Request[Any, Any, Any]) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("send the access token as 'Authorization: Bearer <token>'")
    return token.strip()


async def provide_principal(
    request: Request[Any, Any, Any], accounts: NamedDependency[Accounts]
) -> Principal:
    token = bearer_token(request)
    if token is None:
        raise NotAuthenticated("sign in and send 'Authorization: Bearer <token>'")
    principal = await accounts.authenticate(token)
    remember_user(request.scope, principal.user_id)
    return principal


async def provide_viewer(
    request: Request[Any, Any, Any], accounts: NamedDependency[Accounts]
) -> Principal | None:
    """The caller if they sent a token (a bad one is refused), else None."""
    if request.headers.get("authorization") is None:
        return None
    return await provide_principal(request, accounts)


def player_named(player: str, caller: Principal | None) -> str:
    """The id a route's player segment names: ``me`` is the caller's own."""
    if player != ME:
        return player
    if caller is None:
        raise NotAuthenticated("sign in to name yourself 'me'")
    return caller.user_id


def provide_client(request: Request[Any, Any, Any]) -> Client:
    host = request.client.host if request.client else ""
    return Client(ip=host, user_agent=request.headers.get("user-agent", "")[:256])
