"""Ports the account use cases need."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bitcode_core.accounts.model import (
    DeviceSession,
    LinkedIdentity,
    Principal,
    ProviderIdentity,
    Role,
    SignInAttempt,
    TokenPurpose,
    User,
)


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Store a new user; raise ``Conflict`` if the email or username is taken."""
        ...

    async def get(self, user_id: str) -> User | None: ...

    async def by_email(self, email: str) -> User | None: ...

    async def by_username(self, username: str) -> User | None: ...

    async def update(self, user: User) -> None:
        """Replace the stored user; raise ``Conflict`` on a taken username."""
        ...

    async def delete(self, user_id: str) -> None: ...

    async def count_admins(self) -> int:
        """How many admins can still act: disabled ones do not count."""
        ...


class RotationResult(StrEnum):
    ROTATED = "rotated"
    REUSED = "reused"  # the token was already spent: the family is compromised
    UNKNOWN = "unknown"  # no such token, or its session is revoked or expired


@dataclass(frozen=True, slots=True)
class Rotation:
    result: RotationResult
    session: DeviceSession | None = None


class SessionRepository(Protocol):
    async def start(self, session: DeviceSession, token_hash: str) -> None:
        """Store a new device session with its first refresh token."""
        ...

    async def rotate(self, token_hash: str, new_hash: str, now: float) -> Rotation:
        """Spend ``token_hash`` and issue ``new_hash`` in its family, atomically:
        of two concurrent rotations of one token, exactly one succeeds. A spent
        token revokes its whole session and answers ``REUSED``."""
        ...

    async def get(self, session_id: str) -> DeviceSession | None: ...

    async def active_for(self, user_id: str, now: float) -> Sequence[DeviceSession]: ...

    async def revoke(self, session_id: str) -> None: ...

    async def revoke_all(self, user_id: str, keep: str | None = None) -> None: ...


class OneTimeTokenRepository(Protocol):
    async def put(
        self, token_hash: str, purpose: TokenPurpose, user_id: str, expires_at: float
    ) -> None: ...

    async def consume(
        self, token_hash: str, purpose: TokenPurpose, now: float
    ) -> str | None:
        """Spend a token, once: the user id, or None if unknown, spent or expired."""
        ...

    async def discard_for(self, user_id: str, purpose: TokenPurpose) -> None: ...


class IdentityRepository(Protocol):
    """Provider identities linked to users: an identity signs in as one user,
    and a user has at most one identity per issuer."""

    async def add(self, identity: LinkedIdentity) -> None:
        """Store a link; raise ``Conflict`` if the identity is linked already
        or the user has one from that issuer."""
        ...

    async def get(self, issuer: str, subject: str) -> LinkedIdentity | None: ...

    async def for_user(self, user_id: str) -> Sequence[LinkedIdentity]: ...

    async def remove(self, user_id: str, issuer: str) -> bool:
        """Unlink the user's identity from ``issuer``; whether there was one."""
        ...


class SignInAttemptRepository(Protocol):
    async def put(self, attempt: SignInAttempt, now: float) -> None:
        """Store an attempt, dropping the ones expired at ``now``."""
        ...

    async def consume(self, state_hash: str, now: float) -> SignInAttempt | None:
        """Spend an attempt, once: of two concurrent consumers one gets it;
        None if unknown, spent or expired."""
        ...


class IdentityProvider(Protocol):
    """An OpenID Connect provider. Every identity it returns comes from an ID
    token whose signature, issuer, audience, expiry and nonce were checked;
    a token that fails a check raises ``InvalidToken``."""

    async def issuer(self) -> str: ...

    async def authorization_url(
        self, *, state: str, nonce: str, code_verifier: str
    ) -> str:
        """Where to send the browser, asking for a code bound to the PKCE
        ``code_verifier`` (S256) and an ID token carrying ``nonce``."""
        ...

    async def redeem(
        self, code: str, *, code_verifier: str, nonce: str
    ) -> ProviderIdentity:
        """Exchange an authorization code for the identity in its ID token."""
        ...

    async def verify(self, id_token: str, *, nonce: str | None) -> ProviderIdentity:
        """The identity in an ID token a client obtained itself; its nonce is
        checked when one is given."""
        ...


class PasswordHasher(Protocol):
    """Slow hashing; implementations keep the work off the event loop."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class AccessTokens(Protocol):
    def issue(self, principal: Principal, now: float) -> tuple[str, float]:
        """A signed access token and when it expires."""
        ...

    def verify(self, token: str, now: float) -> Principal:
        """The principal, or ``InvalidToken``."""
        ...


class Secrets(Protocol):
    """Randomness: unguessable tokens and fresh ids."""

    def token(self) -> str: ...

    def new_id(self) -> str: ...

    def digest(self, token: str) -> str:
        """What is stored for a token: a hash, so a leaked table grants nothing."""
        ...


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    text: str


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None: ...


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    retry_after_s: float = 0.0


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_s: float) -> RateDecision:
        """Count one event under ``key``; refuse past ``limit`` per window,
        atomically across every process sharing the limiter."""
        ...

    async def reset(self, key: str) -> None: ...


__all__ = [
    "AccessTokens",
    "IdentityProvider",
    "IdentityRepository",
    "Mail",
    "Mailer",
    "OneTimeTokenRepository",
    "PasswordHasher",
    "RateDecision",
    "RateLimiter",
    "Role",
    "Rotation",
    "RotationResult",
    "Secrets",
    "SessionRepository",
    "SignInAttemptRepository",
    "UserRepository",
]
