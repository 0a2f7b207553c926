"""Ports of the question catalog."""

from __future__ import annotations

from typing import Protocol

from bitcode_core.catalog.model import CatalogEntry, Page, QuestionFilter


class QuestionCatalog(Protocol):
    async def add(self, entry: CatalogEntry) -> None:
        """Store version 1 of a new question; ``Conflict`` if the id is taken."""
        ...

    async def get(
        self, question_id: str, version: int | None = None
    ) -> CatalogEntry | None:
        """The latest live version, or exactly ``version`` (even of a deleted one)."""
        ...

    async def update(self, entry: CatalogEntry) -> None:
        """Store ``entry`` as a new version; ``Conflict`` if ``entry.version`` is not
        exactly one more than the latest (a concurrent edit won)."""
        ...

    async def delete(self, question_id: str) -> bool:
        """Hide a question from the catalog; False if there was none."""
        ...

    async def list(self, where: QuestionFilter, cursor: str | None, limit: int) -> Page:
        """Summaries of live questions' latest versions, ordered by id; ``cursor``
        is the ``next_cursor`` of the previous page. ``InvalidInput`` on a bad
        cursor. Never reads the tests themselves, only how many there are."""
        ...
