"""Build the judge the settings ask for: the local sandbox, or Judge0.

Shared by the server's container and the CLI, so both judge the same way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from bitcode_adapters.judge0 import (
    CallbackInbox,
    Credentials,
    Judge0Client,
    Judge0Judge,
    Judge0Options,
)
from bitcode_adapters.sandbox import SandboxJudge
from bitcode_core.errors import SandboxUnavailable
from bitcode_core.languages import Language, LanguageTable
from bitcode_core.ports import Compilation, Execution, Judge, Program
from bitcode_core.questions import Limits
from bitcode_http.settings import Judge0Settings

logger = logging.getLogger(__name__)


def judge0_judge(
    settings: Judge0Settings,
    languages: LanguageTable,
    *,
    inbox: CallbackInbox | None,
    local: Judge | None,
) -> Judge0Judge:
    client = Judge0Client(
        settings.api_url,
        credentials=Credentials(
            auth_token=settings.auth_token,
            auth_user=settings.auth_user,
            rapidapi_key=settings.rapidapi_key,
            rapidapi_host=settings.rapidapi_host,
        ),
        timeout_s=settings.timeout_s,
        unhealthy_after=settings.unhealthy_after,
    )
    options = Judge0Options(
        callback_url=settings.callback_url if settings.callbacks else None,
        give_up_s=settings.give_up_s,
    )
    return Judge0Judge(client, languages, options=options, inbox=inbox, local=local)


def local_validator_judge(
    languages: LanguageTable, *, unsafe: bool = False
) -> SandboxJudge | None:
    """The local sandbox for custom output validators beside Judge0, when this
    machine has one; without it validators run on Judge0."""
    try:
        return SandboxJudge(languages, unsafe=unsafe)
    except SandboxUnavailable as error:
        logger.info("judge0.validators_remote", extra={"reason": error.message})
        return None


class LazyJudge:
    """A ``Judge`` built on first use, in a thread: the sandbox probes every
    language as it starts, which neither a server's start nor its event loop
    should wait on. Until it is built, every language in the table counts as
    available (the build then says for good), as Judge0's does until asked."""

    def __init__(self, build: Callable[[], Judge]) -> None:
        self._build = build
        self._judge: Judge | None = None
        self._building: asyncio.Task[Judge] | None = None

    def available(self, language: Language) -> bool:
        if self._judge is not None:
            return self._judge.available(language)
        self._start()
        return True

    async def compile(self, language: Language, source: bytes) -> Compilation:
        return await (await self._ready()).compile(language, source)

    async def run(self, program: Program, stdin: bytes, limits: Limits) -> Execution:
        return await (await self._ready()).run(program, stdin, limits)

    async def run_many(
        self, program: Program, stdins: Sequence[bytes], limits: Limits
    ) -> Sequence[Execution]:
        return await (await self._ready()).run_many(program, stdins, limits)

    async def run_validator(
        self,
        validator: Program,
        test_input: bytes,
        answer: bytes,
        output: bytes,
        limits: Limits,
    ) -> Execution:
        judge = await self._ready()
        return await judge.run_validator(validator, test_input, answer, output, limits)

    async def release(self, program: Program) -> None:
        await (await self._ready()).release(program)

    def _start(self) -> asyncio.Task[Judge]:
        if self._building is None:
            self._building = asyncio.get_running_loop().create_task(
                asyncio.to_thread(self._build)
            )
        return self._building

    async def _ready(self) -> Judge:
        if self._judge is None:
            try:
                self._judge = await asyncio.shield(self._start())
            except BaseException:
                if self._building is not None and self._building.done():
                    self._building = None  # try again next time
                raise
        return self._judge
