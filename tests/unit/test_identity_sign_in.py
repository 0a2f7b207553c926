"""Sign-in with a provider's identity, on the in-memory adapters and a scripted
provider: the linking rules, the browser attempt, usernames from profiles."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitcode_adapters.argon2_hasher import Argon2PasswordHasher
from bitcode_adapters.jwt_access_tokens import JwtAccessTokens
from bitcode_adapters.memory import (
    InMemoryIdentityRepository,
    InMemoryOneTimeTokenRepository,
    InMemoryRateLimiter,
    InMemorySessionRepository,
    InMemorySignInAttemptRepository,
    InMemoryUserRepository,
)
from bitcode_adapters.system_secrets import SystemSecrets
from bitcode_core.accounts import rules
from bitcode_core.accounts.identities import IdentitySettings, IdentitySignIn
from bitcode_core.accounts.model import ProviderIdentity
from bitcode_core.accounts.usecases import Accounts, Client
from bitcode_core.errors import Conflict, InvalidToken, PermissionDenied, RateLimited
from tests.fakes import ManualClock, OutboxMailer

pytestmark = pytest.mark.anyio

ISSUER = "https://accounts.google.com"
APP = "https://app.example/signed-in"
LAPTOP = Client(ip="192.0.2.1", user_agent="laptop")
ADA = ProviderIdentity(ISSUER, "sub-ada", "ada@gmail.com", True, "Ada Lovelace")


@dataclass
class ScriptedProvider:
    """Vouches for the identity registered under a token or a code."""

    identities: dict[str, ProviderIdentity] = field(default_factory=dict)
    redeemed: list[tuple[str, str, str]] = field(default_factory=list)

    async def issuer(self) -> str:
        return ISSUER

    async def authorization_url(
        self, *, state: str, nonce: str, code_verifier: str
    ) -> str:
        return f"https://provider.example/auth?state={state}"

    async def redeem(
        self, code: str, *, code_verifier: str, nonce: str
    ) -> ProviderIdentity:
        self.redeemed.append((code, code_verifier, nonce))
        return await self.verify(code, nonce=nonce)

    async def verify(self, id_token: str, *, nonce: str | None) -> ProviderIdentity:
        if id_token not in self.identities:
            raise InvalidToken()
        return self.identities[id_token]


@dataclass
class World:
    google: IdentitySignIn
    accounts: Accounts
    provider: ScriptedProvider
    clock: ManualClock


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def world() -> Iterator[World]:
    clock = ManualClock()
    hasher = Argon2PasswordHasher(memory_kib=8, time_cost=1, parallelism=1)
    tokens = InMemoryOneTimeTokenRepository()
    limiter = InMemoryRateLimiter(clock)
    accounts = Accounts(
        users=InMemoryUserRepository(),
        sessions=InMemorySessionRepository(),
        one_time_tokens=tokens,
        hasher=hasher,
        access_tokens=JwtAccessTokens("s" * 32, ttl_s=900),
        secrets=SystemSecrets(),
        mailer=OutboxMailer(),
        limiter=limiter,
        clock=clock,
        common_passwords=frozenset(),
    )
    provider = ScriptedProvider({"ada-token": ADA})
    google = IdentitySignIn(
        accounts=accounts,
        identities=InMemoryIdentityRepository(),
        attempts=InMemorySignInAttemptRepository(),
        one_time_tokens=tokens,
        provider=provider,
        secrets=SystemSecrets(),
        limiter=limiter,
        clock=clock,
        settings=IdentitySettings(return_urls=(APP,), starts_per_address=3),
    )
    yield World(google, accounts, provider, clock)
    hasher.close()


def state_of(url: str) -> str:
    return url.rsplit("state=", 1)[1]


class TestFirstSignIn:
    async def test_concurrent_first_sign_ins_make_one_account(
        self, world: World
    ) -> None:
        signed_in = await asyncio.gather(
            *(world.google.sign_in_with_token("ada-token", LAPTOP) for _ in range(5))
        )

        assert len({s.user.id for s in signed_in}) == 1

    async def test_a_link_to_a_deleted_account_is_stale(self, world: World) -> None:
        first = await world.google.sign_in_with_token("ada-token", LAPTOP)
        await world.accounts.users.delete(first.user.id)

        again = await world.google.sign_in_with_token("ada-token", LAPTOP)

        assert again.user.id != first.user.id
        assert again.user.username == "ada-lovelace"

    async def test_a_disabled_account_cannot_sign_in(self, world: World) -> None:
        first = await world.google.sign_in_with_token("ada-token", LAPTOP)
        await world.accounts.set_disabled(first.user.username, True)

        with pytest.raises(PermissionDenied):
            await world.google.sign_in_with_token("ada-token", LAPTOP)

    async def test_an_account_with_another_google_account_is_not_relinked(
        self, world: World
    ) -> None:
        await world.google.sign_in_with_token("ada-token", LAPTOP)
        world.provider.identities["alias-token"] = ProviderIdentity(
            ISSUER, "sub-alias", "ada@gmail.com", True, "Ada"
        )

        with pytest.raises(Conflict, match="another Google account"):
            await world.google.sign_in_with_token("alias-token", LAPTOP)


class TestBrowserAttempts:
    async def test_the_code_is_redeemed_with_the_attempts_verifier_and_nonce(
        self, world: World
    ) -> None:
        world.provider.identities["code-1"] = ADA
        started = await world.google.begin(LAPTOP)

        await world.google.finish(
            state_of(started.authorization_url), started.browser_secret, "code-1"
        )

        [(code, verifier, nonce)] = world.provider.redeemed
        assert code == "code-1"
        assert len(verifier) >= 43
        assert nonce

    async def test_an_attempt_expires_after_ten_minutes(self, world: World) -> None:
        world.provider.identities["code-1"] = ADA
        started = await world.google.begin(LAPTOP)
        world.clock.advance(600)

        with pytest.raises(InvalidToken):
            await world.google.finish(
                state_of(started.authorization_url), started.browser_secret, "code-1"
            )

        assert world.provider.redeemed == []

    async def test_starts_are_throttled_per_address(self, world: World) -> None:
        for _ in range(3):
            await world.google.begin(LAPTOP)

        with pytest.raises(RateLimited):
            await world.google.begin(LAPTOP)
        await world.google.begin(Client(ip="192.0.2.9"))

    async def test_the_handoff_code_expires_after_a_minute(self, world: World) -> None:
        world.provider.identities["code-1"] = ADA
        started = await world.google.begin(LAPTOP)
        handoff = await world.google.finish(
            state_of(started.authorization_url), started.browser_secret, "code-1"
        )
        world.clock.advance(60)

        with pytest.raises(InvalidToken):
            await world.google.exchange(handoff.code, LAPTOP)


class TestUsernamesFromProfiles:
    @pytest.mark.parametrize(
        ("name", "email", "username"),
        [
            pytest.param("Ada Lovelace", "a@x.org", "ada-lovelace", id="a-name"),
            pytest.param("Zoë Ångström", "z@x.org", "zoe-angstrom", id="accents"),
            pytest.param("李小龍", "bruce.lee@x.org", "bruce.lee", id="no-ascii-name"),
            pytest.param("", "--@x.org", "player", id="nothing-usable"),
            pytest.param("A" * 60, "a@x.org", "a" * 32, id="too-long"),
        ],
    )
    def test_a_username_is_derived_from_the_profile(
        self, name: str, email: str, username: str
    ) -> None:
        assert rules.username_from_profile(name, email) == username

    @given(st.text(max_size=80), st.text(max_size=80))
    def test_every_derived_username_is_valid(self, name: str, local: str) -> None:
        username = rules.username_from_profile(name, f"{local}@example.org")

        assert rules.normalise_username(username) == username

    @given(
        st.text(max_size=80),
        st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8),
    )
    def test_every_suffixed_username_is_valid(self, name: str, suffix: str) -> None:
        base = rules.username_from_profile(name, "x@example.org")

        username = rules.username_with_suffix(base, suffix)

        assert rules.normalise_username(username) == username
        assert username.endswith(f"-{suffix}")
