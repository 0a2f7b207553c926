"""Users and the sessions they sign in with."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class Role(StrEnum):
    PLAYER = "player"
    SETTER = "setter"
    ADMIN = "admin"

    def at_least(self, other: Role) -> bool:
        order = (Role.PLAYER, Role.SETTER, Role.ADMIN)
        return order.index(self) >= order.index(other)


@dataclass(frozen=True, slots=True)
class User:
    id: str
    email: str  # normalised: trimmed and lower-cased
    username: str  # lower-case, unique
    password_hash: str | None  # None for accounts that only sign in another way
    created_at: float
    role: Role = Role.PLAYER
    email_verified: bool = False
    disabled: bool = False
    display_name: str = ""
    country: str | None = None  # ISO 3166-1 alpha-2
    bio: str = ""
    avatar_url: str | None = None
    # The media store's id for the avatar, when BitCode stored it (and so
    # deletes it when it is replaced); None for an avatar linked from elsewhere.
    avatar_file_id: str | None = None

    def with_changes(self, **changes: object) -> User:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class DeviceSession:
    """One sign-in on one device. Its refresh tokens form a family: each use
    rotates the token, and presenting a spent one revokes the whole family."""

    id: str
    user_id: str
    created_at: float
    last_used_at: float
    expires_at: float
    user_agent: str = ""
    ip: str = ""
    revoked: bool = False

    def active(self, now: float) -> bool:
        return not self.revoked and now < self.expires_at


class TokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify-email"
    RESET_PASSWORD = "reset-password"  # noqa: S105 - a purpose, not a secret
    SOCKET_TICKET = "socket-ticket"
    # Hands a browser sign-in over to the single-page app that exchanges it.
    SIGN_IN_HANDOFF = "sign-in-handoff"


@dataclass(frozen=True, slots=True)
class LinkedIdentity:
    """An account at an OpenID provider that signs in as a user. It is known by
    the provider's issuer and the subject the provider names it by, never by its
    email, which can change hands."""

    issuer: str
    subject: str
    user_id: str
    email: str  # as the provider gave it when linked, to show in settings
    linked_at: float


@dataclass(frozen=True, slots=True)
class ProviderIdentity:
    """What a provider vouched for in a checked ID token."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str = ""


@dataclass(frozen=True, slots=True)
class SignInAttempt:
    """A browser sign-in on its way through the provider: what its callback
    must match (the state, the browser's cookie) and what it must send back
    (the PKCE verifier, the nonce). Stored under digests where a digest is
    enough; the verifier and nonce must be sent as they are."""

    state_hash: str
    browser_hash: str
    nonce: str
    code_verifier: str
    return_to: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is making a request, as proven by a valid access token."""

    user_id: str
    session_id: str
    role: Role
