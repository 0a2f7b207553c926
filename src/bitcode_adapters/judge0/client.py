"""The HTTP side of the Judge0 adapter: authentication, timeouts, retries, health.

Every call has a timeout. A connection error, a timeout, 429 and any 5xx
(Judge0 answers 503 when its queue is full) are tried again after a jittered,
growing pause (``Retry-After`` when the server sends one) until the caller's
deadline; the server was only busy or away. Any other answer is returned as it
is: a 4xx is BitCode's mistake or a misconfiguration, and trying again would
not change it.

The client counts failed attempts in a row (a 401 or 403, refused credentials,
counts too); after ``unhealthy_after`` of them it reports itself unhealthy, and
the first other answer makes it healthy again.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from bitcode_core.errors import JudgeFailure

logger = logging.getLogger(__name__)

_RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
_REFUSED_CREDENTIALS = frozenset({401, 403})


@dataclass(frozen=True, slots=True)
class Credentials:
    auth_token: str | None = None  # X-Auth-Token (AUTHN_TOKEN on the server)
    auth_user: str | None = None  # X-Auth-User (AUTHZ_TOKEN on the server)
    rapidapi_key: str | None = None  # a hosted plan behind RapidAPI
    rapidapi_host: str | None = None

    def headers(self) -> dict[str, str]:
        pairs = {
            "X-Auth-Token": self.auth_token,
            "X-Auth-User": self.auth_user,
            "X-RapidAPI-Key": self.rapidapi_key,
            "X-RapidAPI-Host": self.rapidapi_host,
        }
        return {name: value for name, value in pairs.items() if value}

    def __repr__(self) -> str:
        return f"Credentials({', '.join(self.headers()) or 'none'})"


@dataclass(frozen=True, slots=True)
class Backoff:
    first_s: float = 0.5
    factor: float = 2.0
    cap_s: float = 10.0

    def pause(self, attempt: int) -> float:
        """A random pause up to the attempt's ceiling ("full jitter"), so that
        many waiting submissions do not come back at the same instant."""
        ceiling = min(self.cap_s, self.first_s * self.factor**attempt)
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - not a secret


class Judge0Client:
    def __init__(
        self,
        base_url: str,
        *,
        credentials: Credentials = Credentials(),
        timeout_s: float = 10.0,
        backoff: Backoff = Backoff(),
        unhealthy_after: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._credentials = credentials
        self._timeout_s = timeout_s
        self._backoff = backoff
        self._unhealthy_after = unhealthy_after
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._failures = 0

    @property
    def healthy(self) -> bool:
        return self._failures < self._unhealthy_after

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        deadline: float,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        read_timeout_s: float | None = None,
    ) -> httpx.Response:
        """The server's answer, tried again until ``deadline`` (monotonic) while
        it is away or busy; ``JudgeFailure`` once the deadline has passed."""
        attempt = 0
        while True:
            problem, retry_after = await self._attempt(
                method, path, params, json, read_timeout_s
            )
            if isinstance(problem, httpx.Response):
                return problem
            self._failed(method, path, problem)
            pause = retry_after or self._backoff.pause(attempt)
            if time.monotonic() + pause >= deadline:
                raise JudgeFailure(f"Judge0 did not answer: {problem}")
            attempt += 1
            await asyncio.sleep(pause)

    async def _attempt(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        json: Any,
        read_timeout_s: float | None,
    ) -> tuple[httpx.Response | str, float | None]:
        timeout = httpx.Timeout(self._timeout_s, read=read_timeout_s or self._timeout_s)
        try:
            response = await self._http().request(
                method, path, params=params, json=json, timeout=timeout
            )
        except httpx.HTTPError as error:
            return f"{type(error).__name__}", None
        if response.status_code in _RETRIED_STATUSES:
            return f"HTTP {response.status_code}", _retry_after(response)
        if response.status_code in _REFUSED_CREDENTIALS:
            # Not worth trying again, but the judge is unusable until fixed.
            self._failed(method, path, f"HTTP {response.status_code}")
        else:
            self._failures = 0
        return response, None

    def _failed(self, method: str, path: str, problem: str) -> None:
        self._failures += 1
        level = logging.WARNING if self.healthy else logging.ERROR
        logger.log(
            level,
            "judge0.call_failed",
            extra={
                "method": method,
                "path": path,
                "problem": problem,
                "failures_in_a_row": self._failures,
            },
        )

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self._base_url,
                headers=self._credentials.headers(),
                transport=self._transport,
                follow_redirects=False,
            )
        return self._client


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    return min(seconds, 60.0) if seconds > 0 else None
