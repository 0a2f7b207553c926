"""The CLI's composition root: builds adapters from options and the environment."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import platformdirs

from bitcode_adapters.language_table import load_language_table
from bitcode_adapters.sandbox import SandboxJudge
from bitcode_cli.errors import UsageProblem
from bitcode_core.languages import LanguageTable
from bitcode_core.ports import Judge
from bitcode_http.judges import judge0_judge, local_validator_judge
from bitcode_http.settings import SettingsError, load_judge0_settings

_REPO_QUESTIONS = Path(__file__).resolve().parents[2] / "questions"


def data_dir() -> Path:
    configured = os.environ.get("BITCODE_DATA_DIR")
    return (
        Path(configured) if configured else Path(platformdirs.user_data_dir("bitcode"))
    )


def demo_bank_dir() -> Path:
    configured = os.environ.get("BITCODE_QUESTIONS_DIR")
    if configured:
        return Path(configured)
    return _REPO_QUESTIONS if _REPO_QUESTIONS.is_dir() else Path.cwd() / "questions"


def languages() -> LanguageTable:
    configured = os.environ.get("BITCODE_LANGUAGES_FILE")
    return load_language_table(Path(configured) if configured else None)


def sandbox_judge(table: LanguageTable, *, unsafe: bool) -> SandboxJudge:
    return SandboxJudge(table, unsafe=unsafe)


Closer = Callable[[], Awaitable[None]]


def judge(table: LanguageTable, *, unsafe: bool) -> tuple[Judge, Closer]:
    """Judge0 when ``JUDGE0_API_URL`` is set (polling: a command has no address
    for callbacks), else the local sandbox; and what releases it, to await on
    the event loop that judged."""
    try:
        settings = load_judge0_settings()
    except SettingsError as error:
        raise UsageProblem(str(error)) from error
    if settings is None:
        sandbox = sandbox_judge(table, unsafe=unsafe)

        async def close_sandbox() -> None:
            sandbox.close()

        return sandbox, close_sandbox
    local = local_validator_judge(table, unsafe=unsafe)
    remote = judge0_judge(settings, table, inbox=None, local=local)

    async def close_both() -> None:
        await remote.aclose()
        if local is not None:
            local.close()

    return remote, close_both
