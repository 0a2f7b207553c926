"""Device sessions and their refresh-token families in SQL.

Rotation is one compare-and-set: ``UPDATE ... WHERE spent_at IS NULL`` marks the
presented token spent and only the caller whose update touched the row may issue
the next one. PostgreSQL serialises the two updates on the row lock; SQLite on its
write lock. The update is the transaction's first statement, so a SQLite writer
waits for the lock (busy timeout) instead of failing on a stale read snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bitcode_adapters.sql.database import Database
from bitcode_adapters.sql.tables import device_sessions, refresh_tokens
from bitcode_core.accounts.model import DeviceSession
from bitcode_core.accounts.ports import Rotation, RotationResult
from bitcode_core.errors import Conflict


class SqlSessionRepository:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def start(self, session: DeviceSession, token_hash: str) -> None:
        token = insert(refresh_tokens).values(
            token_hash=token_hash, session_id=session.id, issued_at=session.created_at
        )
        try:
            async with self._database.begin() as connection:
                await connection.execute(
                    insert(device_sessions).values(**_row(session))
                )
                await connection.execute(token)
        except IntegrityError as error:
            raise Conflict(
                "that session or token exists, or its user is gone"
            ) from error

    async def rotate(self, token_hash: str, new_hash: str, now: float) -> Rotation:
        try:
            async with self._database.begin() as connection:
                if await _spend(connection, token_hash, now):
                    return await _issue(connection, token_hash, new_hash, now)
                return await _refuse(connection, token_hash, now)
        except IntegrityError as error:
            raise Conflict("the new refresh token is issued already") from error

    async def get(self, session_id: str) -> DeviceSession | None:
        statement = select(device_sessions).where(device_sessions.c.id == session_id)
        async with self._database.connect() as connection:
            row = (await connection.execute(statement)).first()
        return _session(row) if row else None

    async def active_for(self, user_id: str, now: float) -> Sequence[DeviceSession]:
        statement = (
            select(device_sessions)
            .where(
                device_sessions.c.user_id == user_id,
                device_sessions.c.revoked.is_(False),
                device_sessions.c.expires_at > now,
            )
            .order_by(device_sessions.c.last_used_at.desc(), device_sessions.c.id)
        )
        async with self._database.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return [_session(row) for row in rows]

    async def revoke(self, session_id: str) -> None:
        async with self._database.begin() as connection:
            await _revoke(connection, session_id)

    async def revoke_all(self, user_id: str, keep: str | None = None) -> None:
        statement = (
            update(device_sessions)
            .where(device_sessions.c.user_id == user_id)
            .values(revoked=True)
        )
        if keep is not None:
            statement = statement.where(device_sessions.c.id != keep)
        async with self._database.begin() as connection:
            await connection.execute(statement)


async def _spend(connection: AsyncConnection, token_hash: str, now: float) -> bool:
    live_sessions = select(device_sessions.c.id).where(
        device_sessions.c.revoked.is_(False), device_sessions.c.expires_at > now
    )
    statement = (
        update(refresh_tokens)
        .where(
            refresh_tokens.c.token_hash == token_hash,
            refresh_tokens.c.spent_at.is_(None),
            refresh_tokens.c.session_id.in_(live_sessions),
        )
        .values(spent_at=now)
    )
    result = await connection.execute(statement)
    return result.rowcount == 1


async def _issue(
    connection: AsyncConnection, token_hash: str, new_hash: str, now: float
) -> Rotation:
    session_id = await _session_of(connection, token_hash)
    await connection.execute(
        insert(refresh_tokens).values(
            token_hash=new_hash, session_id=session_id, issued_at=now
        )
    )
    await connection.execute(
        update(device_sessions)
        .where(device_sessions.c.id == session_id)
        .values(last_used_at=now)
    )
    return Rotation(RotationResult.ROTATED, await _load(connection, session_id))


async def _refuse(connection: AsyncConnection, token_hash: str, now: float) -> Rotation:
    statement = (
        select(refresh_tokens.c.spent_at, device_sessions)
        .join(device_sessions)
        .where(refresh_tokens.c.token_hash == token_hash)
    )
    row = (await connection.execute(statement)).first()
    if row is None:
        return Rotation(RotationResult.UNKNOWN)
    session = _session(row)
    if row.spent_at is None or not session.active(now):
        return Rotation(RotationResult.UNKNOWN)
    # The token was spent before: someone replayed it, so the family is burnt.
    await _revoke(connection, session.id)
    return Rotation(RotationResult.REUSED, replace(session, revoked=True))


async def _session_of(connection: AsyncConnection, token_hash: str) -> str:
    statement = select(refresh_tokens.c.session_id).where(
        refresh_tokens.c.token_hash == token_hash
    )
    return str((await connection.execute(statement)).scalar_one())


async def _load(connection: AsyncConnection, session_id: str) -> DeviceSession:
    statement = select(device_sessions).where(device_sessions.c.id == session_id)
    return _session((await connection.execute(statement)).one())


async def _revoke(connection: AsyncConnection, session_id: str) -> None:
    await connection.execute(
        update(device_sessions)
        .where(device_sessions.c.id == session_id)
        .values(revoked=True)
    )


def _row(session: DeviceSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "user_id": session.user_id,
        "created_at": session.created_at,
        "last_used_at": session.last_used_at,
        "expires_at": session.expires_at,
        "user_agent": session.user_agent,
        "ip": session.ip,
        "revoked": session.revoked,
    }


def _session(row: Row[Any]) -> DeviceSession:
    return DeviceSession(
        id=row.id,
        user_id=row.user_id,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        expires_at=row.expires_at,
        user_agent=row.user_agent,
        ip=row.ip,
        revoked=row.revoked,
    )
