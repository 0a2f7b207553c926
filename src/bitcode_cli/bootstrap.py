"""The CLI's composition root: builds adapters from options and the environment."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from bitcode_adapters.language_table import load_language_table
from bitcode_adapters.sandbox import SandboxJudge
from bitcode_core.languages import LanguageTable

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
