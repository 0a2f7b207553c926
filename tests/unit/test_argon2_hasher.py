"""Argon2id password hashing, kept off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from bitcode_adapters.argon2_hasher import Argon2PasswordHasher

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery staple"  # noqa: S105 - a test password
CHEAP = {"memory_kib": 8, "time_cost": 1, "parallelism": 1}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def hasher() -> Iterator[Argon2PasswordHasher]:
    hasher = Argon2PasswordHasher(**CHEAP)
    yield hasher
    hasher.close()


class TestHash:
    async def test_a_hash_verifies_its_password_only(self, hasher):
        password_hash = await hasher.hash(PASSWORD)

        assert await hasher.verify(password_hash, PASSWORD)
        assert not await hasher.verify(password_hash, PASSWORD.upper())

    async def test_hashes_are_argon2id_and_salted(self, hasher):
        first = await hasher.hash(PASSWORD)
        second = await hasher.hash(PASSWORD)

        assert first.startswith("$argon2id$")
        assert first != second

    async def test_hashing_leaves_the_event_loop_free(self):
        slow = Argon2PasswordHasher(time_cost=8)
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1

        ticker = asyncio.create_task(tick())

        await slow.hash(PASSWORD)

        ticker.cancel()
        slow.close()
        assert ticks >= 3  # a blocked loop would not tick until the hash is done


class TestVerify:
    @pytest.mark.parametrize(
        "password_hash",
        [
            pytest.param("", id="empty"),
            pytest.param("not a hash", id="garbage"),
            pytest.param("$argon2id$v=19$m=8,t=1,p=1$broken", id="truncated"),
            pytest.param(
                "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
                id="bcrypt",
            ),
        ],
    )
    async def test_a_malformed_hash_answers_false(self, hasher, password_hash):
        assert not await hasher.verify(password_hash, PASSWORD)


class TestNeedsRehash:
    async def test_a_hash_with_current_parameters_is_kept(self, hasher):
        assert not hasher.needs_rehash(await hasher.hash(PASSWORD))

    async def test_a_hash_with_weaker_parameters_is_redone(self, hasher):
        stronger = Argon2PasswordHasher(memory_kib=16, time_cost=2, parallelism=1)

        assert stronger.needs_rehash(await hasher.hash(PASSWORD))
        stronger.close()

    def test_a_malformed_hash_is_redone(self, hasher):
        assert hasher.needs_rehash("not a hash")


class TestDefaults:
    def test_the_defaults_meet_the_owasp_minimum(self):
        hasher = Argon2PasswordHasher()

        # OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1.
        assert hasher.memory_kib >= 19 * 1024
        assert hasher.time_cost >= 2
        assert hasher.parallelism >= 1
        hasher.close()
