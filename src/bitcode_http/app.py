"""The composition root of the API server: ``create_app`` builds everything."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from dependency_injector import providers
from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import (
    JsonRenderPlugin,
    ScalarRenderPlugin,
    SwaggerRenderPlugin,
)
from litestar.openapi.spec import Components, SecurityScheme

from bitcode_adapters.sql.migrate import upgrade
from bitcode_http.container import Container, close
from bitcode_http.demo_bank import load_demo_bank_once
from bitcode_http.principal import (
    BEARER,
    provide_client,
    provide_principal,
    provide_viewer,
)
from bitcode_http.problems import exception_handlers
from bitcode_http.request_log import RequestLog, configure_logging
from bitcode_http.routes import auth, health, questions, users
from bitcode_http.settings import Settings, load_settings

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
        route_handlers=[*auth.ROUTES, *users.ROUTES, *questions.ROUTES, *health.ROUTES],
        dependencies=_dependencies(container),
        exception_handlers=exception_handlers(),
        lifespan=[_lifespan(settings, container)],
        openapi_config=_openapi(),
        cors_config=_cors(settings),
        logging_config=None,
    )
    # Litestar's own middleware runs only on matched routes; wrapping the whole
    # handler logs 404s, 405s and crashes too.
    app.asgi_handler = RequestLog(app.asgi_handler)
    return app


def _provided(provider: providers.Provider[Any]) -> Provide:
    def dependency() -> Any:
        return provider()

    return Provide(dependency, sync_to_thread=False)


def _dependencies(container: Container) -> dict[str, Provide]:
    return {
        "accounts": _provided(container.accounts),
        "catalog": _provided(container.catalog),
        "languages": _provided(container.languages),
        "database": _provided(container.database),
        "redis": _provided(container.redis),
        "mailer": _provided(container.mailer),
        "principal": Provide(provide_principal),
        "viewer": Provide(provide_viewer),
        "client": Provide(provide_client, sync_to_thread=False),
    }


def _lifespan(
    settings: Settings, container: Container
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        try:
            if settings.auto_migrate:
                await upgrade(settings.database_url)
            if settings.load_demo_bank:
                await load_demo_bank_once(
                    container.catalog(), settings.questions_dir, container.languages()
                )
            yield
        finally:
            await close(container)

    return lifespan


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
