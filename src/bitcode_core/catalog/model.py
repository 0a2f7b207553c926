"""Questions as the catalog keeps them.

Questions are versioned: every edit stores a new version and leaves the old ones
untouched, and a judged submission records the version it was judged against, so
an edit never changes what an earlier verdict meant. Deleting a question hides it
from the catalog; its versions stay for the submissions that point at them.
"""

from __future__ import annotations

from dataclasses import dataclass

from bitcode_core.questions import Difficulty, Limits, Question


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    question: Question
    version: int
    setter_id: str | None  # None for questions imported by an operator
    created_at: float
    updated_at: float

    @property
    def id(self) -> str:
        return self.question.id

    def summary(self) -> QuestionSummary:
        question = self.question
        return QuestionSummary(
            id=question.id,
            title=question.title,
            difficulty=question.difficulty,
            tags=question.tags,
            limits=question.limits,
            version=self.version,
            setter_id=self.setter_id,
            created_at=self.created_at,
            updated_at=self.updated_at,
            sample_count=len(question.samples),
            hidden_count=len(question.hidden),
        )


@dataclass(frozen=True, slots=True)
class QuestionSummary:
    """What a catalog listing shows of a question's latest version: enough to
    choose one, without its statement or the bytes of its tests."""

    id: str
    title: str
    difficulty: Difficulty
    tags: tuple[str, ...]
    limits: Limits
    version: int
    setter_id: str | None
    created_at: float
    updated_at: float
    sample_count: int
    hidden_count: int


@dataclass(frozen=True, slots=True)
class QuestionFilter:
    difficulty: Difficulty | None = None
    tag: str | None = None
    text: str | None = None  # matched case-insensitively in the title and statement


@dataclass(frozen=True, slots=True)
class Page:
    entries: tuple[QuestionSummary, ...]
    next_cursor: str | None  # None on the last page
