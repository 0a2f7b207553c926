"""Sign-in with Google: the browser flow, the token exchange, and linking.

The browser flow: ``GET /auth/google/start`` sets a short-lived cookie for this
browser (HttpOnly, SameSite=Lax, only sent to ``/auth/google``) and redirects
to Google with a state, a nonce and a PKCE challenge. Google sends the browser
back to ``/auth/google/callback``, which spends the attempt, checks the state
and the cookie, redeems the code and redirects to the frontend with a one-time
code in the URL fragment (``#code=…``, or ``#error=…&error_description=…``).
The frontend exchanges the code, within a minute and once, at
``POST /auth/google/exchange`` for BitCode's tokens. Tokens never appear in a
URL: a fragment stays out of server logs but not out of the browser's history.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, delete, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from litestar.response import Redirect
from litestar.status_codes import HTTP_204_NO_CONTENT
from litestar.types import ControllerRouterHandler

from bitcode_core.accounts.identities import IdentitySignIn
from bitcode_core.accounts.model import Principal
from bitcode_core.accounts.usecases import Client
from bitcode_core.errors import BitCodeError, InvalidToken
from bitcode_core.media.usecases import Media
from bitcode_http.principal import SECURED
from bitcode_http.problems import documented, problem_for
from bitcode_http.schemas import (
    GoogleTokenRequest,
    LinkedIdentityResponse,
    SignedInResponse,
    SignInCodeRequest,
    SignInMethodsResponse,
)

logger = logging.getLogger(__name__)

COOKIE = "bitcode_google"
COOKIE_PATH = "/auth/google"
COOKIE_MAX_AGE_S = 10 * 60  # as long as the attempt it binds

Param = Annotated[str | None, QueryParameter(max_length=2048)]
# "state" names Litestar's application state in a handler's signature.
StateParam = Annotated[str | None, QueryParameter(name="state", max_length=512)]


@dataclass(frozen=True, slots=True)
class BrowserFlow:
    sign_in: IdentitySignIn
    secure_cookie: bool  # the callback is on https


class GoogleController(Controller):
    path = "/auth"
    tags = ("auth",)

    @get(
        "/google/start",
        status_code=302,
        responses=documented(422, 429, 503),
        summary="Start the browser sign-in with Google (a redirect to Google)",
        description="`redirect_uri`, when sent, must be one of the configured "
        "frontend URLs exactly; the sign-in returns there.",
    )
    async def start(
        self,
        google_browser: NamedDependency[BrowserFlow],
        client: NamedDependency[Client],
        redirect_uri: Param = None,
    ) -> Redirect:
        started = await google_browser.sign_in.begin(client, redirect_uri)
        cookie = Cookie(
            key=COOKIE,
            value=started.browser_secret,
            max_age=COOKIE_MAX_AGE_S,
            path=COOKIE_PATH,
            httponly=True,
            secure=google_browser.secure_cookie,
            samesite="lax",
        )
        return Redirect(started.authorization_url, status_code=302, cookies=[cookie])

    @get(
        "/google/callback",
        status_code=302,
        summary="Where Google sends the browser back (a redirect to the frontend)",
    )
    async def callback(
        self,
        request: Request[Any, Any, Any],
        google_browser: NamedDependency[BrowserFlow],
        oauth_state: StateParam = None,
        code: Param = None,
        error: Param = None,
    ) -> Redirect:
        sign_in = google_browser.sign_in
        try:
            if error is not None:
                raise InvalidToken(f"Google did not sign you in ({error[:64]})")
            if not oauth_state or not code:
                raise InvalidToken("the callback lacks its state or its code")
            browser_secret = request.cookies.get(COOKIE)
            handoff = await sign_in.finish(oauth_state, browser_secret, code)
        except BitCodeError as failure:
            return _back(sign_in.return_url(), _failure(failure))
        return _back(handoff.return_to, {"code": handoff.code})

    @post(
        "/google/exchange",
        status_code=200,
        responses=documented(401, 403, 503),
        summary="Trade the browser sign-in's one-time code for tokens",
    )
    async def exchange(
        self,
        data: JSONBody[SignInCodeRequest],
        google: NamedDependency[IdentitySignIn],
        client: NamedDependency[Client],
        media: NamedDependency[Media],
    ) -> SignedInResponse:
        signed_in = await google.exchange(data.code, client)
        avatar_urls = await media.avatar_urls(signed_in.user)
        return SignedInResponse.of(signed_in, time.time(), avatar_urls)

    @post(
        "/google/token",
        status_code=200,
        responses=documented(401, 403, 409, 503),
        summary="Sign in with a Google ID token (mobile and single-page clients)",
    )
    async def token(
        self,
        data: JSONBody[GoogleTokenRequest],
        google: NamedDependency[IdentitySignIn],
        client: NamedDependency[Client],
        media: NamedDependency[Media],
    ) -> SignedInResponse:
        signed_in = await google.sign_in_with_token(data.id_token, client, data.nonce)
        avatar_urls = await media.avatar_urls(signed_in.user)
        return SignedInResponse.of(signed_in, time.time(), avatar_urls)

    @post(
        "/google/link",
        status_code=200,
        security=SECURED,
        responses=documented(401, 409, 503),
        summary="Link a Google account, proven by its ID token, to this account",
    )
    async def link(
        self,
        data: JSONBody[GoogleTokenRequest],
        google: NamedDependency[IdentitySignIn],
        principal: NamedDependency[Principal],
    ) -> LinkedIdentityResponse:
        linked = await google.link(principal, data.id_token, data.nonce)
        return LinkedIdentityResponse.of(linked)

    @delete(
        "/google/link",
        status_code=HTTP_204_NO_CONTENT,
        security=SECURED,
        responses=documented(401, 404, 409, 503),
        summary="Unlink Google (refused when it is the only way to sign in)",
    )
    async def unlink(
        self,
        google: NamedDependency[IdentitySignIn],
        principal: NamedDependency[Principal],
    ) -> None:
        await google.unlink(principal)

    @get(
        "/sign-in-methods",
        security=SECURED,
        responses=documented(401, 503),
        summary="How this account signs in: a password, linked Google accounts",
    )
    async def methods(
        self,
        google: NamedDependency[IdentitySignIn],
        principal: NamedDependency[Principal],
    ) -> SignInMethodsResponse:
        return SignInMethodsResponse.of(await google.methods(principal))


def _failure(failure: BitCodeError) -> dict[str, str]:
    detail = failure.message
    if problem_for(failure).status >= 500:
        logger.warning("identity.callback_failed", extra={"code": failure.code})
        detail = type(failure).default_message
    return {"error": failure.code, "error_description": detail}


def _back(frontend_url: str, fragment: dict[str, str]) -> Redirect:
    gone = Cookie(key=COOKIE, value="", max_age=0, path=COOKIE_PATH, httponly=True)
    location = f"{frontend_url}#{urlencode(fragment)}"
    return Redirect(location, status_code=302, cookies=[gone])


ROUTES: list[ControllerRouterHandler] = [GoogleController]
