"""Provider identities linked to users, in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, insert, select
from sqlalchemy.exc import IntegrityError

from bitcode_adapters.sql.database import Database
from bitcode_adapters.sql.tables import linked_identities
from bitcode_core.accounts.model import LinkedIdentity
from bitcode_core.errors import Conflict


class SqlIdentityRepository:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def add(self, identity: LinkedIdentity) -> None:
        statement = insert(linked_identities).values(
            issuer=identity.issuer,
            subject=identity.subject,
            user_id=identity.user_id,
            email=identity.email,
            linked_at=identity.linked_at,
        )
        try:
            async with self._database.begin() as connection:
                await connection.execute(statement)
        except IntegrityError as error:
            raise Conflict(
                "that identity is linked already, the user has one from that "
                "provider, or the user is gone"
            ) from error

    async def get(self, issuer: str, subject: str) -> LinkedIdentity | None:
        statement = select(linked_identities).where(
            linked_identities.c.issuer == issuer,
            linked_identities.c.subject == subject,
        )
        async with self._database.connect() as connection:
            row = (await connection.execute(statement)).first()
        return _identity(row) if row else None

    async def for_user(self, user_id: str) -> Sequence[LinkedIdentity]:
        statement = (
            select(linked_identities)
            .where(linked_identities.c.user_id == user_id)
            .order_by(linked_identities.c.issuer)
        )
        async with self._database.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return [_identity(row) for row in rows]

    async def remove(self, user_id: str, issuer: str) -> bool:
        statement = delete(linked_identities).where(
            linked_identities.c.user_id == user_id,
            linked_identities.c.issuer == issuer,
        )
        async with self._database.begin() as connection:
            result = await connection.execute(statement)
        return result.rowcount > 0


def _identity(row: Row[Any]) -> LinkedIdentity:
    return LinkedIdentity(
        issuer=row.issuer,
        subject=row.subject,
        user_id=row.user_id,
        email=row.email,
        linked_at=row.linked_at,
    )
