"""Signed access tokens (JWT, HS256), for the ``AccessTokens`` port.

The algorithm is fixed here, never read from the token: verifying accepts HS256
only, so ``alg: none`` and tokens signed with another algorithm are refused. Expiry
is checked against the ``now`` the core passes, so a test clock governs it.
"""

from __future__ import annotations

import secrets
from typing import Any

import jwt

from bitcode_core.accounts.model import Principal, Role
from bitcode_core.errors import InvalidToken

ALGORITHM = "HS256"
SECRET_MIN_BYTES = 32  # RFC 7518: an HS256 key is at least as long as its hash
CLAIMS = ("sub", "sid", "role", "iat", "exp", "iss", "jti")


class JwtAccessTokens:
    def __init__(
        self, secret: str | bytes, ttl_s: float, issuer: str = "bitcode"
    ) -> None:
        key = secret.encode() if isinstance(secret, str) else secret
        if len(key) < SECRET_MIN_BYTES:
            raise ValueError(
                f"the access token secret needs at least {SECRET_MIN_BYTES} bytes"
            )
        self._key = key
        self._ttl_s = ttl_s
        self._issuer = issuer

    def issue(self, principal: Principal, now: float) -> tuple[str, float]:
        issued_at = int(now)
        expires_at = int(now + self._ttl_s)
        claims = {
            "sub": principal.user_id,
            "sid": principal.session_id,
            "role": principal.role.value,
            "iat": issued_at,
            "exp": expires_at,
            "iss": self._issuer,
            "jti": secrets.token_urlsafe(16),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM), float(expires_at)

    def verify(self, token: str, now: float) -> Principal:
        claims = self._decode(token)
        try:
            expired = not now < float(claims["exp"])
            principal = Principal(
                str(claims["sub"]), str(claims["sid"]), Role(claims["role"])
            )
        except (TypeError, ValueError) as error:
            raise InvalidToken("the access token's claims are malformed") from error
        if expired:
            raise InvalidToken("the access token has expired")
        return principal

    def _decode(self, token: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                options={
                    "require": list(CLAIMS),
                    # Time is checked against the core's clock in ``verify``.
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as error:
            raise InvalidToken("the access token is invalid") from error
