"""Players: your own account and anyone's public profile."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter
from litestar.types import ControllerRouterHandler
from msgspec import UNSET

from bitcode_core.accounts.model import Principal
from bitcode_core.accounts.usecases import Accounts, ProfileChanges
from bitcode_core.ladder.ladder import Ladder
from bitcode_core.media.usecases import Media
from bitcode_http.principal import SECURED
from bitcode_http.problems import documented
from bitcode_http.schemas import DeleteAccountRequest, Me, ProfileUpdate, PublicProfile


class UsersController(Controller):
    path = "/users"
    tags = ("users",)

    @get(
        "/me",
        security=SECURED,
        responses=documented(401),
        summary="Your account",
    )
    async def me(
        self,
        accounts: NamedDependency[Accounts],
        media: NamedDependency[Media],
        principal: NamedDependency[Principal],
    ) -> Me:
        user = await accounts.me(principal)
        return Me.of(user, await media.avatar_urls(user))

    @patch(
        "/me",
        security=SECURED,
        responses=documented(401, 422),
        summary="Change your display name, country or bio",
        description="Only the fields sent change; `country: null` clears it.",
    )
    async def update_me(
        self,
        data: JSONBody[ProfileUpdate],
        accounts: NamedDependency[Accounts],
        media: NamedDependency[Media],
        ladder: NamedDependency[Ladder],
        principal: NamedDependency[Principal],
    ) -> Me:
        country = data.country
        changes = ProfileChanges(
            display_name=None if data.display_name is UNSET else data.display_name,
            bio=None if data.bio is UNSET else data.bio,
            country=country if isinstance(country, str) and country else None,
            clear_country=country is None or country == "",
        )
        user = await accounts.update_profile(principal, changes)
        if country is not UNSET:
            await ladder.moved(user.id, user.country)
        return Me.of(user, await media.avatar_urls(user))

    @delete(
        "/me",
        security=SECURED,
        responses=documented(401, 409),
        summary="Delete your account (the password confirms it)",
        description="Every session is revoked and the user is deleted, and "
        "their avatar with it; their ratings stay on the leaderboards without a "
        "name. The last active admin cannot delete their account (409).",
    )
    async def delete_me(
        self,
        data: JSONBody[DeleteAccountRequest],
        accounts: NamedDependency[Accounts],
        media: NamedDependency[Media],
        ladder: NamedDependency[Ladder],
        principal: NamedDependency[Principal],
    ) -> None:
        user = await accounts.me(principal)
        await accounts.delete_account(principal, data.password)
        await ladder.moved(user.id, None)
        await media.forget(user)

    @get(
        "/{username:str}",
        responses=documented(404),
        summary="A player's public profile",
    )
    async def profile(
        self,
        accounts: NamedDependency[Accounts],
        media: NamedDependency[Media],
        ladder: NamedDependency[Ladder],
        username: Annotated[str, PathParameter(max_length=64)],
    ) -> PublicProfile:
        user = await accounts.public_profile(username)
        return PublicProfile.of(
            user,
            await media.avatar_urls(user),
            await ladder.season_rating(user.id),
            ladder.tiers,
        )


ROUTES: list[ControllerRouterHandler] = [UsersController]
