"""Judge0's callbacks: a finished run, PUT to the URL its submission carried."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, put
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.status_codes import HTTP_204_NO_CONTENT
from litestar.types import ControllerRouterHandler

from bitcode_adapters.judge0 import CALLBACK_PATH, CallbackInbox
from bitcode_core.errors import NotFound
from bitcode_http.problems import documented

# A run's result with up to the server's maximum output (4 MiB) in base64.
MAX_CALLBACK_BYTES = 8 * 1024 * 1024


class Judge0CallbackController(Controller):
    path = CALLBACK_PATH
    tags = ("judge",)

    @put(
        "/{run_id:str}",
        status_code=HTTP_204_NO_CONTENT,
        responses=documented(404),
        summary="Judge0 hands in a finished run",
        description="Only Judge0 calls this, at the URL a submission carried; "
        "an unknown run or a wrong secret is 404, the same either way.",
        request_max_body_size=MAX_CALLBACK_BYTES,
    )
    async def deliver(
        self,
        run_id: Annotated[str, PathParameter(max_length=64)],
        secret: Annotated[str, QueryParameter(max_length=128)],
        request: Request[Any, Any, Any],
        judge0_callbacks: NamedDependency[CallbackInbox | None],
    ) -> None:
        try:
            result = msgspec.json.decode(await request.body())
        except (msgspec.DecodeError, RecursionError):  # nested too deeply
            result = None
        inbox = judge0_callbacks
        if (
            inbox is None
            or not isinstance(result, dict)
            or not inbox.deliver(run_id, secret, result)
        ):
            raise NotFound("No run is waiting for this callback.")


ROUTES: list[ControllerRouterHandler] = [Judge0CallbackController]
