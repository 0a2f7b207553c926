"""Build the judge the settings ask for: the local sandbox, or Judge0.

Shared by the server's container and the CLI, so both judge the same way.
"""

from __future__ import annotations

import logging

from bitcode_adapters.judge0 import (
    CallbackInbox,
    Credentials,
    Judge0Client,
    Judge0Judge,
    Judge0Options,
)
from bitcode_adapters.sandbox import SandboxJudge
from bitcode_core.errors import SandboxUnavailable
from bitcode_core.languages import LanguageTable
from bitcode_core.ports import Judge
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
