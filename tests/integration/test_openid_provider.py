"""The OpenID provider adapter against the fake Google on loopback: discovery,
the key cache and its refetches, and a provider that fails."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from bitcode_adapters.openid_provider import (
    AuthlibOpenIdProvider,
    IdentityProviderUnavailable,
)
from bitcode_core.errors import InvalidToken
from tests.integration.conftest import GOOGLE_CALLBACK
from tests.integration.fake_openid import CLIENT_ID, CLIENT_SECRET, FakeGoogle

pytestmark = pytest.mark.anyio


class SteppedClock:
    """Wall time as it is (tokens carry real times); monotonic time moves only
    when the test moves it, so key-cache ages are exact."""

    def __init__(self) -> None:
        self.elapsed = 0.0

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return self.elapsed


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock()


def provider_for(url: str, clock: SteppedClock) -> AuthlibOpenIdProvider:
    return AuthlibOpenIdProvider(
        discovery_url=url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=GOOGLE_CALLBACK,
        clock=clock,
        timeout_s=5,
    )


@pytest.fixture
async def provider(
    fake_google: FakeGoogle, clock: SteppedClock
) -> AsyncIterator[AuthlibOpenIdProvider]:
    provider = provider_for(fake_google.discovery_url, clock)
    try:
        yield provider
    finally:
        await provider.close()


class TestDiscovery:
    async def test_the_issuer_comes_from_the_discovery_document(
        self, provider: AuthlibOpenIdProvider, fake_google: FakeGoogle
    ) -> None:
        assert await provider.issuer() == fake_google.issuer

    async def test_the_authorization_url_asks_for_a_code_with_pkce(
        self, provider: AuthlibOpenIdProvider, fake_google: FakeGoogle
    ) -> None:
        url = await provider.authorization_url(
            state="s-1", nonce="n-1", code_verifier="v" * 43
        )

        assert url.startswith(f"{fake_google.issuer}/o/oauth2/v2/auth?")
        assert "code_challenge_method=S256" in url
        assert "nonce=n-1" in url
        assert "state=s-1" in url

    async def test_a_document_naming_another_issuer_is_refused(
        self, fake_google: FakeGoogle, clock: SteppedClock
    ) -> None:
        # The same server, reached by another name than the issuer it states.
        url = fake_google.discovery_url.replace("127.0.0.1", "localhost")
        provider = provider_for(url, clock)
        try:
            with pytest.raises(IdentityProviderUnavailable):
                await provider.issuer()
        finally:
            await provider.close()

    async def test_an_unreachable_provider_is_unavailable(
        self, clock: SteppedClock
    ) -> None:
        # Nothing listens on port 1 of the loopback: connecting is refused.
        provider = provider_for(
            "http://127.0.0.1:1/.well-known/openid-configuration", clock
        )
        try:
            with pytest.raises(IdentityProviderUnavailable):
                await provider.verify("a.b.c", nonce=None)
        finally:
            await provider.close()


class TestTheKeyCache:
    async def test_keys_are_fetched_once_for_many_tokens(
        self, provider: AuthlibOpenIdProvider, fake_google: FakeGoogle
    ) -> None:
        for _ in range(3):
            await provider.verify(fake_google.mint(), nonce=None)

        assert fake_google.jwks_fetches == 1

    async def test_a_rotated_key_is_fetched_when_a_token_names_it(
        self,
        provider: AuthlibOpenIdProvider,
        fake_google: FakeGoogle,
        clock: SteppedClock,
    ) -> None:
        await provider.verify(fake_google.mint(), nonce=None)
        fake_google.rotate("key-2")
        clock.elapsed += 61

        identity = await provider.verify(fake_google.mint(), nonce=None)

        assert identity.subject == fake_google.user.subject
        assert fake_google.jwks_fetches == 2

    async def test_unknown_key_ids_refetch_at_most_once_a_minute(
        self,
        provider: AuthlibOpenIdProvider,
        fake_google: FakeGoogle,
        clock: SteppedClock,
    ) -> None:
        await provider.verify(fake_google.mint(), nonce=None)
        fake_google.rotate("key-2")

        for _ in range(5):
            with pytest.raises(InvalidToken):
                await provider.verify(fake_google.mint(), nonce=None)
        clock.elapsed += 60
        await provider.verify(fake_google.mint(), nonce=None)

        assert fake_google.jwks_fetches == 2

    async def test_keys_older_than_an_hour_are_fetched_again(
        self,
        provider: AuthlibOpenIdProvider,
        fake_google: FakeGoogle,
        clock: SteppedClock,
    ) -> None:
        await provider.verify(fake_google.mint(), nonce=None)
        clock.elapsed += 3600

        await provider.verify(fake_google.mint(), nonce=None)

        assert fake_google.jwks_fetches == 2


class TestIdentities:
    async def test_an_unverified_email_is_reported_unverified(
        self, provider: AuthlibOpenIdProvider, fake_google: FakeGoogle
    ) -> None:
        fake_google.user.email_verified = False

        identity = await provider.verify(fake_google.mint(), nonce=None)

        assert identity.email == fake_google.user.email
        assert not identity.email_verified

    @pytest.mark.parametrize(
        ("flag", "verified"),
        [
            pytest.param("true", True, id="the-string-true"),
            pytest.param("false", False, id="the-string-false"),
            pytest.param(1, False, id="a-number"),
        ],
    )
    async def test_only_a_true_email_verified_counts(
        self,
        provider: AuthlibOpenIdProvider,
        fake_google: FakeGoogle,
        flag: object,
        verified: bool,
    ) -> None:
        identity = await provider.verify(
            fake_google.mint(email_verified=flag), nonce=None
        )

        assert identity.email_verified is verified
