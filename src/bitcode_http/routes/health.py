"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

import asyncio

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from litestar.types import ControllerRouterHandler
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bitcode_adapters.judge0 import Judge0Judge
from bitcode_adapters.smtp_mail import SmtpMailer
from bitcode_adapters.sql import Database
from bitcode_http.schemas import Health, HealthCheck

CHECK_TIMEOUT_S = 3.0


class HealthController(Controller):
    path = "/health"
    tags = ("health",)

    @get("/live", summary="The process is up")
    async def live(self) -> Health:
        return Health(status="ok")

    @get(
        "/ready",
        summary="The database and every configured service answer",
        responses={
            HTTP_503_SERVICE_UNAVAILABLE: ResponseSpec(
                data_container=Health, description="A check failed"
            )
        },
        description="503 names the checks that failed.",
    )
    async def ready(
        self,
        database: NamedDependency[Database],
        redis: NamedDependency[Redis | None],
        mailer: NamedDependency[object],  # any Mailer; only SMTP is checked
        judge0: NamedDependency[Judge0Judge | None],
    ) -> Response[Health]:
        checks = [HealthCheck(name="database", ok=await _database_ok(database))]
        if redis is not None:
            checks.append(HealthCheck(name="redis", ok=await _redis_ok(redis)))
        if isinstance(mailer, SmtpMailer):
            checks.append(HealthCheck(name="smtp", ok=await _smtp_ok(mailer)))
        if judge0 is not None:
            # Unhealthy after repeated failed calls, until Judge0 answers again.
            ok = await judge0.check(CHECK_TIMEOUT_S)
            checks.append(HealthCheck(name="judge0", ok=ok))
        ok = all(c.ok for c in checks)
        return Response(
            Health(status="ok" if ok else "unavailable", checks=checks),
            status_code=HTTP_200_OK if ok else HTTP_503_SERVICE_UNAVAILABLE,
        )


async def _database_ok(database: NamedDependency[Database]) -> bool:
    try:
        return await asyncio.wait_for(database.ping(), CHECK_TIMEOUT_S)
    except TimeoutError:
        return False


async def _smtp_ok(mailer: SmtpMailer) -> bool:
    try:
        return await asyncio.wait_for(mailer.ping(), CHECK_TIMEOUT_S)
    except TimeoutError:
        return False


async def _redis_ok(redis: NamedDependency[Redis]) -> bool:
    try:
        return bool(await asyncio.wait_for(redis.ping(), CHECK_TIMEOUT_S))
    except (RedisError, OSError, TimeoutError):
        return False


ROUTES: list[ControllerRouterHandler] = [HealthController]
