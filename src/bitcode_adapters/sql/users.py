"""Users in SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from bitcode_adapters.sql.database import Database
from bitcode_adapters.sql.tables import users
from bitcode_core.accounts.model import Role, User
from bitcode_core.errors import Conflict, NotFound


class SqlUserRepository:
    """Emails and usernames are compared lower-cased, so a stored name is unique
    whatever the case it is looked up or registered in."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def add(self, user: User) -> None:
        try:
            async with self._database.begin() as connection:
                await connection.execute(insert(users).values(**_row(user)))
        except IntegrityError as error:
            raise Conflict("that email or username is taken") from error

    async def get(self, user_id: str) -> User | None:
        return await self._one(users.c.id == user_id)

    async def by_email(self, email: str) -> User | None:
        return await self._one(users.c.email == email.strip().lower())

    async def by_username(self, username: str) -> User | None:
        return await self._one(users.c.username == username.strip().lower())

    async def update(self, user: User) -> None:
        values = _row(user)
        del values["id"]
        statement = update(users).where(users.c.id == user.id).values(**values)
        try:
            async with self._database.begin() as connection:
                result = await connection.execute(statement)
        except IntegrityError as error:
            raise Conflict("that email or username is taken") from error
        if result.rowcount != 1:
            raise NotFound(f"no user with id {user.id!r}")

    async def delete(self, user_id: str) -> None:
        async with self._database.begin() as connection:
            await connection.execute(delete(users).where(users.c.id == user_id))

    async def count_admins(self) -> int:
        statement = (
            select(func.count())
            .select_from(users)
            .where(users.c.role == Role.ADMIN, users.c.disabled.is_(False))
        )
        async with self._database.connect() as connection:
            return int((await connection.execute(statement)).scalar_one())

    async def _one(self, condition: Any) -> User | None:
        async with self._database.connect() as connection:
            row = (await connection.execute(select(users).where(condition))).first()
        return _user(row) if row else None


def _row(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email.strip().lower(),
        "username": user.username.strip().lower(),
        "password_hash": user.password_hash,
        "created_at": user.created_at,
        "role": user.role.value,
        "email_verified": user.email_verified,
        "disabled": user.disabled,
        "display_name": user.display_name,
        "country": user.country,
        "bio": user.bio,
        "avatar_url": user.avatar_url,
        "avatar_file_id": user.avatar_file_id,
    }


def _user(row: Row[Any]) -> User:
    return User(
        id=row.id,
        email=row.email,
        username=row.username,
        password_hash=row.password_hash,
        created_at=row.created_at,
        role=Role(row.role),
        email_verified=row.email_verified,
        disabled=row.disabled,
        display_name=row.display_name,
        country=row.country,
        bio=row.bio,
        avatar_url=row.avatar_url,
        avatar_file_id=row.avatar_file_id,
    )
