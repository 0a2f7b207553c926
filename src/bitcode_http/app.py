"""The composition root of the API server: ``create_app`` builds everything."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, cast

from dependency_injector import providers
from litestar import Litestar, Request
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.enums import ScopeType
from litestar.exceptions import ClientException
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import (
    JsonRenderPlugin,
    ScalarRenderPlugin,
    SwaggerRenderPlugin,
)
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from bitcode_adapters.judge0 import Judge0Judge
from bitcode_adapters.sql.migrate import upgrade
from bitcode_core.accounts.identities import IdentitySignIn
from bitcode_core.errors import GoogleSignInNotConfigured, JudgeFailure
from bitcode_http.container import Container, close
from bitcode_http.demo_bank import load_demo_bank_once
from bitcode_http.principal import (
    BEARER,
    provide_client,
    provide_principal,
    provide_viewer,
)
from bitcode_http.problems import exception_handlers
from bitcode_http.realtime.hub import Hub
from bitcode_http.realtime.server import close_for_shutdown
from bitcode_http.request_log import RequestLog, configure_logging
from bitcode_http.routes import (
    auth,
    battles,
    google,
    health,
    judge0,
    ladder,
    media,
    questions,
    realtime,
    rooms,
    users,
)
from bitcode_http.settings import Settings, load_settings

logger = logging.getLogger(__name__)

API_VERSION = "0.1.0"


def create_app(
    settings: Settings | None = None, *, container: Container | None = None
) -> Litestar:
    """The application, with adapters picked from ``settings`` (default: the
    environment and ``.env``); tests may pass a container with overrides."""
    settings = settings or load_settings()
    container = container or Container(settings=settings)
    configure_logging(settings.log_format)
    app = Litestar(
        route_handlers=[
            *auth.ROUTES,
            *google.ROUTES,
            *users.ROUTES,
            *questions.ROUTES,
            *rooms.ROUTES,
            *battles.ROUTES,
            *ladder.ROUTES,
            *realtime.ROUTES,
            *media.routes(settings.media_max_bytes),
            *health.ROUTES,
            *judge0.ROUTES,
        ],
        dependencies=_dependencies(container),
        exception_handlers=exception_handlers(),
        lifespan=[_lifespan(settings, container)],
        openapi_config=_openapi(),
        cors_config=_cors(settings),
        logging_config=None,
        request_class=BodyRequest,
    )
    # Litestar's own middleware runs only on matched routes; wrapping the whole
    # handler logs 404s, 405s and crashes too.
    app.asgi_handler = RequestLog(HeadAsGet(app.asgi_handler))
    return app


class HeadAsGet:
    """Answers HEAD as GET without the body. Litestar refuses HEAD on a
    handler that returns a body, so it is done around the whole app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = cast("Message", {**message, "body": b""})
            await send(message)

        as_get = cast("Scope", {**scope, "method": "GET"})
        await self.app(as_get, receive, send_headers_only)


class BodyRequest(Request[Any, Any, Any]):
    async def json(self) -> Any:
        try:
            return await super().json()
        except RecursionError:
            # msgspec recurses once per nesting level: a body of 100,000 "["
            # is malformed input, not a server failure.
            raise ClientException("The request body is nested too deeply.") from None


def _provided(provider: providers.Provider[Any]) -> Provide:
    def dependency() -> Any:
        return provider()

    return Provide(dependency, sync_to_thread=False)


def _dependencies(container: Container) -> dict[str, Provide]:
    return {
        "accounts": _provided(container.accounts),
        "catalog": _provided(container.catalog),
        "media": _provided(container.media),
        "local_media": _provided(container.local_media),
        "languages": _provided(container.languages),
        "database": _provided(container.database),
        "redis": _provided(container.redis),
        "mailer": _provided(container.mailer),
        "lobby": _provided(container.lobby),
        "arena": _provided(container.arena),
        "ladder": _provided(container.ladder),
        "users": _provided(container.users),
        "clock": _provided(container.clock),
        "realtime": _provided(container.realtime),
        "socket_tickets": _provided(container.socket_tickets),
        "server_settings": _provided(container.settings),
        "google": Provide(_google(container), sync_to_thread=False),
        "google_browser": Provide(_google_browser(container), sync_to_thread=False),
        "judge0": _provided(container.judge0),
        "judge0_callbacks": _provided(container.judge0_callbacks),
        "principal": Provide(provide_principal),
        "viewer": Provide(provide_viewer),
        "client": Provide(provide_client, sync_to_thread=False),
    }


def _google(container: Container) -> Callable[[], IdentitySignIn]:
    def dependency() -> IdentitySignIn:
        sign_in = container.identity_sign_in()
        if sign_in is None:
            raise GoogleSignInNotConfigured()
        return sign_in

    return dependency


def _google_browser(container: Container) -> Callable[[], google.BrowserFlow]:
    settings = container.settings()

    def dependency() -> google.BrowserFlow:
        sign_in = container.identity_sign_in()
        if sign_in is None or not settings.google_browser_flow:
            raise GoogleSignInNotConfigured()
        redirect_uri = settings.google_redirect_uri or ""
        return google.BrowserFlow(sign_in, redirect_uri.startswith("https://"))

    return dependency


def _lifespan(
    settings: Settings, container: Container
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        hub: Hub | None = None
        try:
            if settings.auto_migrate:
                await upgrade(settings.database_url)
            if settings.load_demo_bank:
                await load_demo_bank_once(
                    container.catalog(), settings.questions_dir, container.languages()
                )
            hub = container.hub()
            hub.start()
            await container.arena_driver().start()
            # A Redis that lost the ranks is refilled from the database in
            # the background; the leaderboards are read from SQL meanwhile.
            container.arena_driver().spawn(
                container.ladder().ensure_index(), "leaderboard-index"
            )
            judge0 = container.judge0()
            if judge0 is not None and settings.judge0 is not None:
                container.arena_driver().spawn(
                    _meet_judge0(judge0, settings.judge0.timeout_s), "judge0-start"
                )
            # What start-up loaded lives as long as the process: keeping it
            # out of the collector's full passes keeps those short (with a
            # thousand sockets they stalled fan-outs for half a second). Once
            # a process: a later app in it (tests make many) frees nothing.
            if gc.get_freeze_count() == 0:
                gc.collect()
                gc.freeze()
            yield
        finally:
            if hub is not None:
                await hub.close(close_for_shutdown)
                # Judging stops (and hands back what it held) while the
                # judge and the database are still open.
                await container.arena_driver().close()
            await close(container)

    return lifespan


async def _meet_judge0(judge: Judge0Judge, timeout_s: float) -> None:
    # Languages the server lacks are known (and shown unavailable) before the
    # first submission; a server still down is asked again on first use.
    try:
        await judge.connect(timeout_s)
    except JudgeFailure as failure:
        logger.warning("judge0.unreachable_at_start", extra={"error": str(failure)})


def _openapi() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="BitCode API",
        version=API_VERSION,
        description="Real-time competitive-programming battles. Errors are "
        "RFC 9457 problem details (application/problem+json).",
        path="/schema",
        render_plugins=[
            ScalarRenderPlugin(path=["/", "/scalar"]),
            SwaggerRenderPlugin(),
            JsonRenderPlugin(),
        ],
        components=Components(
            security_schemes={
                BEARER: SecurityScheme(
                    type="http", scheme="bearer", bearer_format="JWT"
                )
            }
        ),
    )


def _cors(settings: Settings) -> CORSConfig | None:
    if not settings.allowed_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.allowed_origins),
        allow_headers=["Authorization", "Content-Type", "If-Match"],
        expose_headers=["ETag", "Retry-After"],
        allow_credentials=False,
    )
