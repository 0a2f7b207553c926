"""The question model: statement, limits, tests and how output is checked."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from enum import StrEnum

from bitcode_core.checking import CheckFlags
from bitcode_core.errors import InvalidQuestion

_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")


class Difficulty(StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class StatementFormat(StrEnum):
    MARKDOWN = "markdown"
    LATEX = "latex"


@dataclass(frozen=True, slots=True)
class Limits:
    time_s: float = 1.0  # CPU seconds per test
    memory_mib: int = 256
    output_mib: int = 8

    def __post_init__(self) -> None:
        if not 0 < self.time_s <= 60:
            raise InvalidQuestion(f"time limit must be in (0, 60] s, not {self.time_s}")
        if not 16 <= self.memory_mib <= 8192:
            raise InvalidQuestion(
                f"memory limit must be in [16, 8192] MiB, not {self.memory_mib}"
            )
        if not 1 <= self.output_mib <= 1024:
            raise InvalidQuestion(
                f"output limit must be in [1, 1024] MiB, not {self.output_mib}"
            )

    @property
    def output_bytes(self) -> int:
        return self.output_mib * 1024 * 1024


@dataclass(frozen=True, slots=True)
class TestCase:
    name: str
    input: bytes = field(repr=False)
    answer: bytes = field(repr=False)
    sample: bool = False


@dataclass(frozen=True, slots=True)
class ValidatorProgram:
    """A custom output validator shipped with the question."""

    language: str
    filename: str
    source: bytes = field(repr=False)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.source).hexdigest()


@dataclass(frozen=True, slots=True)
class OutputCheck:
    flags: CheckFlags = CheckFlags()
    validator: ValidatorProgram | None = None


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    title: str
    statement: str
    statement_format: StatementFormat = StatementFormat.MARKDOWN
    difficulty: Difficulty = Difficulty.MEDIUM
    tags: tuple[str, ...] = ()
    limits: Limits = Limits()
    samples: tuple[TestCase, ...] = ()
    hidden: tuple[TestCase, ...] = ()
    check: OutputCheck = OutputCheck()

    def __post_init__(self) -> None:
        if not _SLUG.fullmatch(self.id):
            raise InvalidQuestion(
                f"question id {self.id!r} must be lower-case letters, digits and "
                "dashes, 1 to 64 long"
            )
        if not self.title.strip():
            raise InvalidQuestion(f"question {self.id} has no title")
        if not self.hidden and not self.samples:
            raise InvalidQuestion(f"question {self.id} has no tests")

    @property
    def tests(self) -> tuple[TestCase, ...]:
        """Every test in judging order: samples first, then hidden tests."""
        return self.samples + self.hidden
