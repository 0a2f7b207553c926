"""The question model: statement, limits, tests and how output is checked."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from bitcode_core.checking import CheckFlags
from bitcode_core.errors import InvalidQuestion

_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
TITLE_MAX = 120
STATEMENT_MAX = 200_000
TAGS_MAX = 32
TAG_MAX = 64
MIN_TIME_S = 0.05


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
        if not MIN_TIME_S <= self.time_s <= 60:
            raise InvalidQuestion(
                f"time limit must be in [{MIN_TIME_S}, 60] s, not {self.time_s}"
            )
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
        if not self.title.strip() or len(self.title) > TITLE_MAX:
            raise InvalidQuestion(
                f"question {self.id}: a title is 1 to {TITLE_MAX} long"
            )
        if _has_control(self.title):
            raise InvalidQuestion(
                f"question {self.id}: control characters in the title"
            )
        if len(self.statement) > STATEMENT_MAX or "\x00" in self.statement:
            raise InvalidQuestion(
                f"question {self.id}: a statement is at most {STATEMENT_MAX} "
                "characters, with no NUL"
            )
        self._check_tags()
        if not self.hidden and not self.samples:
            raise InvalidQuestion(f"question {self.id} has no tests")
        names = [test.name for test in self.tests]
        if len(set(names)) != len(names):
            raise InvalidQuestion(f"question {self.id}: two tests share a name")

    def _check_tags(self) -> None:
        if len(self.tags) > TAGS_MAX or len(set(self.tags)) != len(self.tags):
            raise InvalidQuestion(
                f"question {self.id}: at most {TAGS_MAX} tags, each once"
            )
        for tag in self.tags:
            if not tag or len(tag) > TAG_MAX or _has_control(tag) or tag != tag.strip():
                raise InvalidQuestion(
                    f"question {self.id}: a tag is 1 to {TAG_MAX} printable "
                    f"characters, not {tag[:TAG_MAX]!r}"
                )

    @property
    def tests(self) -> tuple[TestCase, ...]:
        """Every test in judging order: samples first, then hidden tests."""
        return self.samples + self.hidden


def _has_control(text: str) -> bool:
    """Control and format characters (NUL, newlines, bidi overrides…)."""
    return any(unicodedata.category(c) in ("Cc", "Cf") for c in text)
