"""Email accounts: register, verify, sign in and out, devices, passwords."""

from __future__ import annotations

import time
from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from litestar.types import ControllerRouterHandler

from bitcode_core.accounts.model import Principal
from bitcode_core.accounts.usecases import Accounts, Client
from bitcode_core.media.usecases import Media
from bitcode_http.principal import SECURED
from bitcode_http.problems import documented
from bitcode_http.schemas import (
    Accepted,
    ChangePasswordRequest,
    Device,
    EmailRequest,
    LoginRequest,
    PasswordResetConfirm,
    RefreshRequest,
    RegisterRequest,
    SignedInResponse,
    TokenRequest,
    VerifiedResponse,
)

CHECK_YOUR_MAIL = Accepted(
    detail="If the address can receive mail, a message is on its way to it."
)


class AuthController(Controller):
    path = "/auth"
    tags = ("auth",)

    @post(
        "/register",
        status_code=HTTP_202_ACCEPTED,
        responses=documented(409, 422),
        summary="Register with email, username and password",
        description="Answers the same whether or not the email is registered "
        "(its owner gets a mail instead); 409 only for a taken username.",
    )
    async def register(
        self, data: JSONBody[RegisterRequest], accounts: NamedDependency[Accounts]
    ) -> Accepted:
        await accounts.register(data.email, data.username, data.password)
        return CHECK_YOUR_MAIL

    @get(
        "/verify-email",
        responses=documented(401),
        summary="Confirm an email address (the link in the mail)",
    )
    async def verify_email_link(
        self,
        accounts: NamedDependency[Accounts],
        token: Annotated[str, QueryParameter(max_length=512)],
    ) -> VerifiedResponse:
        return await _verify(accounts, token)

    @post(
        "/verify-email",
        status_code=200,
        responses=documented(401),
        summary="Confirm an email address with the token from the mail",
    )
    async def verify_email(
        self, data: JSONBody[TokenRequest], accounts: NamedDependency[Accounts]
    ) -> VerifiedResponse:
        return await _verify(accounts, data.token)

    @post(
        "/resend-verification",
        status_code=HTTP_202_ACCEPTED,
        responses=documented(422),
        summary="Send the confirmation mail again",
    )
    async def resend_verification(
        self, data: JSONBody[EmailRequest], accounts: NamedDependency[Accounts]
    ) -> Accepted:
        await accounts.resend_verification(data.email)
        return CHECK_YOUR_MAIL

    @post(
        "/login",
        status_code=200,
        responses=documented(401, 403, 429),
        summary="Sign in: an access token, a refresh token and a device session",
    )
    async def login(
        self,
        data: JSONBody[LoginRequest],
        accounts: NamedDependency[Accounts],
        media: NamedDependency[Media],
        client: NamedDependency[Client],
    ) -> SignedInResponse:
        signed_in = await accounts.login(data.email, data.password, client)
        avatar_urls = await media.avatar_urls(signed_in.user)
        return SignedInResponse.of(signed_in, time.time(), avatar_urls)

    @post(
        "/refresh",
        status_code=200,
        responses=documented(401),
        summary="Trade a refresh token for new tokens (the old one is spent)",
        description="Presenting a refresh token twice signs out its device.",
    )
    async def refresh(
        self,
        data: JSONBody[RefreshRequest],
        accounts: NamedDependency[Accounts],
        media: NamedDependency[Media],
    ) -> SignedInResponse:
        signed_in = await accounts.refresh(data.refresh_token)
        avatar_urls = await media.avatar_urls(signed_in.user)
        return SignedInResponse.of(signed_in, time.time(), avatar_urls)

    @post(
        "/logout",
        status_code=HTTP_204_NO_CONTENT,
        security=SECURED,
        responses=documented(401),
        summary="Sign out this device",
    )
    async def logout(
        self, accounts: NamedDependency[Accounts], principal: NamedDependency[Principal]
    ) -> None:
        await accounts.logout(principal)

    @post(
        "/logout-all",
        status_code=HTTP_204_NO_CONTENT,
        security=SECURED,
        responses=documented(401),
        summary="Sign out every device",
    )
    async def logout_all(
        self, accounts: NamedDependency[Accounts], principal: NamedDependency[Principal]
    ) -> None:
        await accounts.logout_everywhere(principal)

    @get(
        "/devices",
        security=SECURED,
        responses=documented(401),
        summary="The devices signed in to this account",
    )
    async def devices(
        self, accounts: NamedDependency[Accounts], principal: NamedDependency[Principal]
    ) -> list[Device]:
        sessions = await accounts.devices(principal)
        return [Device.of(s, principal.session_id) for s in sessions]

    @delete(
        "/devices/{session_id:str}",
        security=SECURED,
        responses=documented(401, 404),
        summary="Sign out one device",
    )
    async def revoke_device(
        self,
        accounts: NamedDependency[Accounts],
        principal: NamedDependency[Principal],
        session_id: Annotated[str, PathParameter(max_length=64)],
    ) -> None:
        await accounts.revoke_device(principal, session_id)

    @post(
        "/password-reset",
        status_code=HTTP_202_ACCEPTED,
        summary="Mail a password reset link (same answer for any address)",
    )
    async def request_password_reset(
        self, data: JSONBody[EmailRequest], accounts: NamedDependency[Accounts]
    ) -> Accepted:
        await accounts.request_password_reset(data.email)
        return CHECK_YOUR_MAIL

    @post(
        "/password-reset/confirm",
        status_code=HTTP_204_NO_CONTENT,
        responses=documented(401, 422),
        summary="Choose a new password with the token from the mail",
        description="Signs out every device.",
    )
    async def confirm_password_reset(
        self, data: JSONBody[PasswordResetConfirm], accounts: NamedDependency[Accounts]
    ) -> None:
        await accounts.confirm_password_reset(data.token, data.new_password)

    @post(
        "/change-password",
        status_code=HTTP_204_NO_CONTENT,
        security=SECURED,
        responses=documented(401, 422),
        summary="Change the password (signs out the other devices)",
    )
    async def change_password(
        self,
        data: JSONBody[ChangePasswordRequest],
        accounts: NamedDependency[Accounts],
        principal: NamedDependency[Principal],
    ) -> None:
        await accounts.change_password(
            principal, data.current_password, data.new_password
        )


async def _verify(accounts: NamedDependency[Accounts], token: str) -> VerifiedResponse:
    user = await accounts.verify_email(token)
    return VerifiedResponse(
        detail="Your email address is confirmed; you can sign in.",
        username=user.username,
    )


ROUTES: list[ControllerRouterHandler] = [AuthController]
