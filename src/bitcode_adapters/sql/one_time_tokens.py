"""One-time tokens (email confirmation, password reset) in SQL.

Consuming deletes the row in the statement that checks it, so of two concurrent
consumers exactly one gets the user id back.
"""

from __future__ import annotations

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError

from bitcode_adapters.sql.database import Database
from bitcode_adapters.sql.tables import one_time_tokens
from bitcode_core.accounts.model import TokenPurpose
from bitcode_core.errors import Conflict


class SqlOneTimeTokenRepository:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def put(
        self, token_hash: str, purpose: TokenPurpose, user_id: str, expires_at: float
    ) -> None:
        statement = insert(one_time_tokens).values(
            token_hash=token_hash,
            purpose=purpose.value,
            user_id=user_id,
            expires_at=expires_at,
        )
        try:
            async with self._database.begin() as connection:
                await connection.execute(statement)
        except IntegrityError as error:
            raise Conflict(
                "that token is stored already or its user is gone"
            ) from error

    async def consume(
        self, token_hash: str, purpose: TokenPurpose, now: float
    ) -> str | None:
        statement = (
            delete(one_time_tokens)
            .where(
                one_time_tokens.c.token_hash == token_hash,
                one_time_tokens.c.purpose == purpose.value,
                one_time_tokens.c.expires_at > now,
            )
            .returning(one_time_tokens.c.user_id)
        )
        async with self._database.begin() as connection:
            user_id = (await connection.execute(statement)).scalar_one_or_none()
        return None if user_id is None else str(user_id)

    async def discard_for(self, user_id: str, purpose: TokenPurpose) -> None:
        statement = delete(one_time_tokens).where(
            one_time_tokens.c.user_id == user_id,
            one_time_tokens.c.purpose == purpose.value,
        )
        async with self._database.begin() as connection:
            await connection.execute(statement)

    async def discard_expired(self, now: float) -> int:
        """Delete tokens past their expiry (housekeeping; not part of the port)."""
        statement = delete(one_time_tokens).where(one_time_tokens.c.expires_at <= now)
        async with self._database.begin() as connection:
            result = await connection.execute(statement)
        return result.rowcount
