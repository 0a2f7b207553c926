"""Browser sign-in attempts in SQL.

Consuming deletes the row in the statement that checks it, so of two callbacks
carrying one state exactly one gets the attempt. Storing one sweeps the expired
attempts of browsers that never came back.
"""

from __future__ import annotations

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError

from bitcode_adapters.sql.database import Database
from bitcode_adapters.sql.tables import sign_in_attempts
from bitcode_core.accounts.model import SignInAttempt
from bitcode_core.errors import Conflict


class SqlSignInAttemptRepository:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def put(self, attempt: SignInAttempt, now: float) -> None:
        statement = insert(sign_in_attempts).values(
            state_hash=attempt.state_hash,
            browser_hash=attempt.browser_hash,
            nonce=attempt.nonce,
            code_verifier=attempt.code_verifier,
            return_to=attempt.return_to,
            expires_at=attempt.expires_at,
        )
        expired = delete(sign_in_attempts).where(sign_in_attempts.c.expires_at <= now)
        try:
            async with self._database.begin() as connection:
                await connection.execute(expired)
                await connection.execute(statement)
        except IntegrityError as error:
            raise Conflict("that sign-in attempt is stored already") from error

    async def consume(self, state_hash: str, now: float) -> SignInAttempt | None:
        statement = (
            delete(sign_in_attempts)
            .where(
                sign_in_attempts.c.state_hash == state_hash,
                sign_in_attempts.c.expires_at > now,
            )
            .returning(*sign_in_attempts.c)
        )
        async with self._database.begin() as connection:
            row = (await connection.execute(statement)).first()
        if row is None:
            return None
        return SignInAttempt(
            state_hash=row.state_hash,
            browser_hash=row.browser_hash,
            nonce=row.nonce,
            code_verifier=row.code_verifier,
            return_to=row.return_to,
            expires_at=row.expires_at,
        )
