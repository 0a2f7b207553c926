"""Browsing and editing the question catalog, with who may see and change what.

Setters and admins create questions; a setter edits and deletes only their own,
an admin any. Hidden tests are shown only to the question's setter and to admins.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bitcode_core.accounts.model import Principal, Role
from bitcode_core.catalog.model import CatalogEntry, Page, QuestionFilter
from bitcode_core.catalog.ports import QuestionCatalog
from bitcode_core.errors import (
    Conflict,
    InvalidInput,
    PermissionDenied,
    QuestionNotFound,
)
from bitcode_core.ports import Clock
from bitcode_core.questions import Question

MAX_PAGE = 100


@dataclass(frozen=True, slots=True)
class QuestionView:
    entry: CatalogEntry
    shows_hidden_tests: bool


class Catalog:
    def __init__(self, catalog: QuestionCatalog, clock: Clock) -> None:
        self._catalog = catalog
        self._clock = clock

    async def browse(
        self, where: QuestionFilter, cursor: str | None = None, limit: int = 20
    ) -> Page:
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be 1 to {MAX_PAGE}", field="limit")
        if where.text is not None and any(ord(c) < 32 for c in where.text):
            raise InvalidInput("the search text has control characters", field="q")
        return await self._catalog.list(where, cursor, limit)

    async def detail(self, question_id: str, viewer: Principal | None) -> QuestionView:
        entry = await self._existing(question_id)
        return QuestionView(entry, _may_edit(viewer, entry))

    async def create(self, principal: Principal, question: Question) -> CatalogEntry:
        if not principal.role.at_least(Role.SETTER):
            raise PermissionDenied("only setters and admins create questions")
        if await self._catalog.get(question.id) is not None:
            raise Conflict(f"a question with id {question.id!r} exists")
        now = self._clock.now()
        entry = CatalogEntry(question, 1, principal.user_id, now, now)
        await self._catalog.add(entry)
        return entry

    async def update(
        self,
        principal: Principal,
        question: Question,
        expected_version: int | None = None,
    ) -> CatalogEntry:
        current = await self._existing(question.id)
        if not _may_edit(principal, current):
            raise PermissionDenied("only the question's setter or an admin may edit it")
        if expected_version is not None and expected_version != current.version:
            raise Conflict(
                f"the question is at version {current.version}, "
                f"not {expected_version}: reload it and edit again"
            )
        entry = replace(
            current,
            question=question,
            version=current.version + 1,
            updated_at=self._clock.now(),
        )
        await self._catalog.update(entry)
        return entry

    async def delete(self, principal: Principal, question_id: str) -> None:
        current = await self._existing(question_id)
        if not _may_edit(principal, current):
            raise PermissionDenied(
                "only the question's setter or an admin may delete it"
            )
        await self._catalog.delete(question_id)

    async def import_question(
        self, question: Question, setter_id: str | None = None
    ) -> CatalogEntry:
        """Load a question as an operator: new, or a new version if it changed."""
        now = self._clock.now()
        current = await self._catalog.get(question.id)
        if current is None:
            entry = CatalogEntry(question, 1, setter_id, now, now)
            await self._catalog.add(entry)
            return entry
        if current.question == question:
            return current
        entry = replace(
            current, question=question, version=current.version + 1, updated_at=now
        )
        await self._catalog.update(entry)
        return entry

    async def _existing(self, question_id: str) -> CatalogEntry:
        entry = await self._catalog.get(question_id)
        if entry is None:
            raise QuestionNotFound(f"no question {question_id!r}")
        return entry


def _may_edit(principal: Principal | None, entry: CatalogEntry) -> bool:
    if principal is None:
        return False
    return principal.role is Role.ADMIN or (
        principal.role is Role.SETTER and principal.user_id == entry.setter_id
    )
