"""Access tokens: HS256 JWTs whose algorithm the server fixes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import jwt
import pytest

from bitcode_adapters.jwt_access_tokens import JwtAccessTokens
from bitcode_core.accounts.model import Principal, Role
from bitcode_core.errors import InvalidToken

SECRET = "k" * 32
NOW = 1_700_000_000.0
TTL_S = 900
ADA = Principal("user-1", "session-1", Role.SETTER)


def b64(data: dict[str, object]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def claims(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "sub": "user-1",
        "sid": "session-1",
        "role": "setter",
        "iat": int(NOW),
        "exp": int(NOW) + TTL_S,
        "iss": "bitcode",
        "jti": "j-1",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def signed(header: dict[str, object], payload: dict[str, object]) -> str:
    """A token signed with the server's secret, whatever its header claims."""
    signing_input = f"{b64(header)}.{b64(payload)}"
    digest = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256)
    signature = base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")
    return f"{signing_input}.{signature}"


@pytest.fixture
def tokens() -> JwtAccessTokens:
    return JwtAccessTokens(SECRET, ttl_s=TTL_S)


class TestIssue:
    def test_an_issued_token_proves_its_principal(self, tokens):
        token, expires_at = tokens.issue(ADA, NOW)

        assert tokens.verify(token, NOW + TTL_S - 1) == ADA
        assert expires_at == NOW + TTL_S

    def test_every_token_carries_the_required_claims(self, tokens):
        token, _ = tokens.issue(ADA, NOW)

        payload = jwt.decode(token, options={"verify_signature": False})

        assert set(payload) == {"sub", "sid", "role", "iat", "exp", "iss", "jti"}
        assert jwt.get_unverified_header(token)["alg"] == "HS256"

    def test_two_tokens_for_one_principal_differ(self, tokens):
        assert tokens.issue(ADA, NOW)[0] != tokens.issue(ADA, NOW)[0]


class TestVerify:
    def test_a_token_expires_at_its_expiry(self, tokens):
        token, expires_at = tokens.issue(ADA, NOW)

        with pytest.raises(InvalidToken):
            tokens.verify(token, expires_at)

    def test_a_token_from_another_secret_is_refused(self, tokens):
        token, _ = JwtAccessTokens("x" * 32, ttl_s=TTL_S).issue(ADA, NOW)

        with pytest.raises(InvalidToken):
            tokens.verify(token, NOW)

    def test_a_token_from_another_issuer_is_refused(self, tokens):
        other = JwtAccessTokens(SECRET, ttl_s=TTL_S, issuer="elsewhere")
        token, _ = other.issue(ADA, NOW)

        with pytest.raises(InvalidToken):
            tokens.verify(token, NOW)

    @pytest.mark.parametrize(
        "header",
        [
            pytest.param({"alg": "none", "typ": "JWT"}, id="alg-none"),
            pytest.param({"alg": "RS256", "typ": "JWT"}, id="rs256-confusion"),
            pytest.param({"alg": "HS512", "typ": "JWT"}, id="hs512"),
        ],
    )
    def test_only_hs256_is_accepted(self, tokens, header):
        token = signed(header, claims())

        with pytest.raises(InvalidToken):
            tokens.verify(token, NOW)

    def test_an_unsigned_token_is_refused(self, tokens):
        token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims())}."

        with pytest.raises(InvalidToken):
            tokens.verify(token, NOW)

    @pytest.mark.parametrize(
        "claim", ["sub", "sid", "role", "iat", "exp", "iss", "jti"]
    )
    def test_a_token_missing_a_claim_is_refused(self, tokens, claim):
        token = signed({"alg": "HS256", "typ": "JWT"}, claims(**{claim: None}))

        with pytest.raises(InvalidToken):
            tokens.verify(token, NOW)

    @pytest.mark.parametrize(
        "changes",
        [
            pytest.param({"role": "emperor"}, id="unknown-role"),
            pytest.param({"exp": "tomorrow"}, id="expiry-not-a-number"),
        ],
    )
    def test_malformed_claims_are_refused(self, tokens, changes):
        token = signed({"alg": "HS256", "typ": "JWT"}, claims(**changes))

        with pytest.raises(InvalidToken):
            tokens.verify(token, NOW)

    def test_a_well_signed_crafted_token_is_accepted(self, tokens):
        token = signed({"alg": "HS256", "typ": "JWT"}, claims())

        assert tokens.verify(token, NOW) == ADA

    @pytest.mark.parametrize(
        "token",
        [
            pytest.param("", id="empty"),
            pytest.param("not.a.jwt", id="garbage"),
            pytest.param("a" * 5000, id="long-garbage"),
        ],
    )
    def test_garbage_is_refused(self, tokens, token):
        with pytest.raises(InvalidToken):
            tokens.verify(token, NOW)


class TestConstruction:
    def test_a_secret_shorter_than_32_bytes_is_refused(self):
        with pytest.raises(ValueError, match="32 bytes"):
            JwtAccessTokens("k" * 31, ttl_s=TTL_S)
