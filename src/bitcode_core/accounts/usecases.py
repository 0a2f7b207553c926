"""What players and admins do with accounts: register, sign in, manage sessions.

Answers never tell whether an email is registered: registering a taken address,
signing in to an unknown one and asking to reset its password answer exactly as
for a registered one (the owner gets a mail instead), and an unknown email costs
the same password hashing time as a known one.
"""

from __future__ import annotations

import logging
from collections.abc import Container, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from bitcode_core.accounts import rules
from bitcode_core.accounts.model import (
    DeviceSession,
    Principal,
    Role,
    TokenPurpose,
    User,
)
from bitcode_core.accounts.ports import (
    AccessTokens,
    Mail,
    Mailer,
    OneTimeTokenRepository,
    PasswordHasher,
    RateLimiter,
    RotationResult,
    Secrets,
    SessionRepository,
    UserRepository,
)
from bitcode_core.errors import (
    Conflict,
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
    UserNotFound,
)
from bitcode_core.ports import Clock

logger = logging.getLogger(__name__)

_UNKNOWN_USER_HASH_SEED = "an unknown account still costs one password hash"


@dataclass(frozen=True, slots=True)
class AccountSettings:
    public_url: str = "http://127.0.0.1:8000"
    access_ttl_s: float = 15 * 60
    refresh_ttl_s: float = 30 * 24 * 3600
    verify_ttl_s: float = 24 * 3600
    reset_ttl_s: float = 3600
    login_failures_per_account: int = 5
    # Counts every attempt, so it must leave room for a room of players behind one
    # NAT address; the per-account limit is what stops guessing one password.
    login_attempts_per_address: int = 300
    login_window_s: float = 15 * 60


@dataclass(frozen=True, slots=True)
class Client:
    ip: str = ""
    user_agent: str = ""


@dataclass(frozen=True, slots=True)
class SignedIn:
    user: User
    session_id: str
    access_token: str
    access_expires_at: float
    refresh_token: str
    refresh_expires_at: float


@dataclass(frozen=True, slots=True)
class ProfileChanges:
    display_name: str | None = None
    country: str | None = None
    bio: str | None = None
    clear_country: bool = False


class Accounts:
    def __init__(
        self,
        *,
        users: UserRepository,
        sessions: SessionRepository,
        one_time_tokens: OneTimeTokenRepository,
        hasher: PasswordHasher,
        access_tokens: AccessTokens,
        secrets: Secrets,
        mailer: Mailer,
        limiter: RateLimiter,
        clock: Clock,
        common_passwords: Container[str],
        settings: AccountSettings = AccountSettings(),
    ) -> None:
        self.users = users
        self._sessions = sessions
        self._tokens = one_time_tokens
        self._hasher = hasher
        self._access = access_tokens
        self._secrets = secrets
        self._mailer = mailer
        self._limiter = limiter
        self._clock = clock
        self._common = common_passwords
        self.settings = settings
        self._decoy_hash: str | None = None

    # Registration and email verification

    async def register(self, email: str, username: str, password: str) -> None:
        email = rules.normalise_email(email)
        username = rules.normalise_username(username)
        rules.check_password(password, self._common, email=email, username=username)
        if await self.users.by_username(username):
            raise Conflict("that username is taken")
        # Hashed even for a taken address, so both answers take the same time.
        password_hash = await self._hasher.hash(password)
        if existing := await self.users.by_email(email):
            await self._mail_taken_address(existing)
            return

        user = User(
            id=self._secrets.new_id(),
            email=email,
            username=username,
            password_hash=password_hash,
            created_at=self._clock.now(),
            display_name=username,
        )
        await self.users.add(user)
        await self._send_verification(user)
        logger.info("account.registered", extra={"user_id": user.id})

    async def resend_verification(self, email: str) -> None:
        user = await self.users.by_email(rules.normalise_email(email))
        if user and not user.email_verified and not user.disabled:
            await self._send_verification(user)

    async def verify_email(self, token: str) -> User:
        user_id = await self._tokens.consume(
            self._secrets.digest(token), TokenPurpose.VERIFY_EMAIL, self._clock.now()
        )
        user = await self.users.get(user_id) if user_id else None
        if user is None:
            raise InvalidToken("this confirmation link is invalid, expired or used")
        if not user.email_verified:
            user = user.with_changes(email_verified=True)
            await self.users.update(user)
        return user

    # Signing in and out

    async def login(self, email: str, password: str, client: Client) -> SignedIn:
        email = email.strip().lower()
        settings = self.settings
        await self._throttle(
            f"login:address:{client.ip}",
            settings.login_attempts_per_address,
        )
        await self._throttle(
            f"login:account:{email}", settings.login_failures_per_account
        )
        user = await self.users.by_email(email)
        if user is None or user.password_hash is None:
            await self._hasher.verify(await self._decoy(), password)
            raise InvalidCredentials()
        if not await self._hasher.verify(user.password_hash, password):
            raise InvalidCredentials()

        await self._limiter.reset(f"login:account:{email}")
        if user.disabled:
            raise PermissionDenied("this account is disabled")
        if not user.email_verified:
            raise NotAuthenticated("confirm your email address before signing in")
        if self._hasher.needs_rehash(user.password_hash):
            user = user.with_changes(password_hash=await self._hasher.hash(password))
            await self.users.update(user)
        return await self.start_session(user, client)

    async def refresh(self, refresh_token: str) -> SignedIn:
        now = self._clock.now()
        new_token = self._secrets.token()
        rotation = await self._sessions.rotate(
            self._secrets.digest(refresh_token), self._secrets.digest(new_token), now
        )
        if rotation.result is RotationResult.REUSED:
            logger.warning(
                "account.refresh_token_reused",
                extra={"session_id": rotation.session.id if rotation.session else ""},
            )
        if rotation.result is not RotationResult.ROTATED or rotation.session is None:
            raise InvalidToken("this refresh token is invalid, expired or already used")
        session = rotation.session
        user = await self.users.get(session.user_id)
        if user is None or user.disabled:
            await self._sessions.revoke(session.id)
            raise InvalidToken("this account can no longer sign in")
        return self._signed_in(user, session, new_token, now)

    async def authenticate(self, access_token: str) -> Principal:
        """The principal behind an access token, checked against the live session,
        so revoking a device or disabling an account takes effect at once."""
        now = self._clock.now()
        principal = self._access.verify(access_token, now)
        session = await self._sessions.get(principal.session_id)
        if session is None or not session.active(now):
            raise InvalidToken("this session has been signed out")
        user = await self.users.get(principal.user_id)
        if user is None or user.disabled:
            raise InvalidToken("this account can no longer sign in")
        return Principal(user.id, session.id, user.role)

    async def logout(self, principal: Principal) -> None:
        await self._sessions.revoke(principal.session_id)

    async def logout_everywhere(self, principal: Principal) -> None:
        await self._sessions.revoke_all(principal.user_id)

    async def devices(self, principal: Principal) -> Sequence[DeviceSession]:
        return await self._sessions.active_for(principal.user_id, self._clock.now())

    async def revoke_device(self, principal: Principal, session_id: str) -> None:
        session = await self._sessions.get(session_id)
        if session is None or session.user_id != principal.user_id:
            raise NotFound("no such device session")
        await self._sessions.revoke(session_id)

    # Passwords

    async def request_password_reset(self, email: str) -> None:
        try:
            email = rules.normalise_email(email)
        except InvalidInput:
            return  # the same answer for any input
        user = await self.users.by_email(email)
        if user is None or user.disabled:
            return
        token = await self._new_one_time_token(
            user, TokenPurpose.RESET_PASSWORD, self.settings.reset_ttl_s
        )
        endpoint = f"{self.settings.public_url}/auth/password-reset/confirm"
        await self._mailer.send(
            Mail(
                user.email,
                "Reset your BitCode password",
                "Someone asked to reset the password of your BitCode account.\n"
                "Within the hour, send this token to the API with your new password "
                f"(POST {endpoint}): {token}\n\n"
                "If it was not you, ignore this mail: your password is unchanged.\n",
            )
        )

    async def confirm_password_reset(self, token: str, new_password: str) -> None:
        # Checked before the token is spent, so a refused password keeps the link.
        rules.check_password(new_password, self._common, field="new_password")
        user_id = await self._tokens.consume(
            self._secrets.digest(token), TokenPurpose.RESET_PASSWORD, self._clock.now()
        )
        user = await self.users.get(user_id) if user_id else None
        if user is None or user.disabled:
            raise InvalidToken("this reset link is invalid, expired or used")
        await self._set_password(user, new_password, field="new_password")
        await self._sessions.revoke_all(user.id)
        await self._tokens.discard_for(user.id, TokenPurpose.RESET_PASSWORD)

    async def change_password(
        self, principal: Principal, current: str, new_password: str
    ) -> None:
        user = await self._user(principal)
        if user.password_hash is None or not await self._hasher.verify(
            user.password_hash, current
        ):
            raise InvalidCredentials("the current password is wrong")
        await self._set_password(user, new_password, field="new_password")
        await self._sessions.revoke_all(user.id, keep=principal.session_id)

    # The account itself

    async def delete_account(self, principal: Principal, password: str) -> None:
        user = await self._user(principal)
        if user.password_hash is not None and not await self._hasher.verify(
            user.password_hash, password
        ):
            raise InvalidCredentials("the password is wrong")
        if await self._is_last_active_admin(user):
            raise Conflict("cannot delete the last admin")
        await self._sessions.revoke_all(user.id)
        await self.users.delete(user.id)
        logger.info("account.deleted", extra={"user_id": user.id})

    async def me(self, principal: Principal) -> User:
        return await self._user(principal)

    async def update_profile(
        self, principal: Principal, changes: ProfileChanges
    ) -> User:
        user = await self._user(principal)
        updates: dict[str, object] = {}
        if changes.display_name is not None:
            updates["display_name"] = rules.check_display_name(changes.display_name)
        if changes.bio is not None:
            updates["bio"] = rules.check_bio(changes.bio)
        if changes.clear_country:
            updates["country"] = None
        elif changes.country is not None:
            updates["country"] = rules.check_country(changes.country)
        user = user.with_changes(**updates)
        await self.users.update(user)
        return user

    async def public_profile(self, username: str) -> User:
        user = await self.users.by_username(username.strip().lower())
        if user is None or user.disabled:
            raise UserNotFound(f"no player named {username!r}")
        return user

    # Administration

    async def create_admin(self, email: str, username: str, password: str) -> User:
        email = rules.normalise_email(email)
        username = rules.normalise_username(username)
        rules.check_password(password, self._common, email=email, username=username)
        user = User(
            id=self._secrets.new_id(),
            email=email,
            username=username,
            password_hash=await self._hasher.hash(password),
            created_at=self._clock.now(),
            role=Role.ADMIN,
            email_verified=True,
            display_name=username,
        )
        await self.users.add(user)
        return user

    async def set_role(self, username: str, role: Role) -> User:
        user = await self.users.by_username(username.strip().lower())
        if user is None:
            raise UserNotFound(f"no user named {username!r}")
        if role is not Role.ADMIN and await self._is_last_active_admin(user):
            raise Conflict("cannot demote the last admin")
        user = user.with_changes(role=role)
        await self.users.update(user)
        return user

    async def set_disabled(self, username: str, disabled: bool) -> User:
        user = await self.users.by_username(username.strip().lower())
        if user is None:
            raise UserNotFound(f"no user named {username!r}")
        if disabled and await self._is_last_active_admin(user):
            raise Conflict("cannot disable the last admin")
        user = user.with_changes(disabled=disabled)
        await self.users.update(user)
        if disabled:
            await self._sessions.revoke_all(user.id)
        return user

    # Steps shared by the use cases above

    async def _user(self, principal: Principal) -> User:
        user = await self.users.get(principal.user_id)
        if user is None:
            raise NotAuthenticated()
        return user

    async def _is_last_active_admin(self, user: User) -> bool:
        """Whether taking ``user`` away would leave no admin able to act."""
        if user.role is not Role.ADMIN or user.disabled:
            return False
        return await self.users.count_admins() <= 1

    async def _throttle(self, key: str, limit: int) -> None:
        decision = await self._limiter.hit(key, limit, self.settings.login_window_s)
        if not decision.allowed:
            raise RateLimited(
                "too many sign-in attempts; try again later",
                retry_after_s=decision.retry_after_s,
            )

    async def _decoy(self) -> str:
        if self._decoy_hash is None:
            self._decoy_hash = await self._hasher.hash(_UNKNOWN_USER_HASH_SEED)
        return self._decoy_hash

    async def _set_password(self, user: User, password: str, *, field: str) -> None:
        rules.check_password(
            password,
            self._common,
            email=user.email,
            username=user.username,
            field=field,
        )
        await self.users.update(
            user.with_changes(password_hash=await self._hasher.hash(password))
        )

    async def start_session(self, user: User, client: Client) -> SignedIn:
        """A new device session for ``user``, whose credentials the caller has
        checked (here, or in the identity sign-in use cases)."""
        now = self._clock.now()
        token = self._secrets.token()
        session = DeviceSession(
            id=self._secrets.new_id(),
            user_id=user.id,
            created_at=now,
            last_used_at=now,
            expires_at=now + self.settings.refresh_ttl_s,
            user_agent=client.user_agent[:256],
            ip=client.ip,
        )
        await self._sessions.start(session, self._secrets.digest(token))
        logger.info("account.signed_in", extra={"user_id": user.id})
        return self._signed_in(user, session, token, now)

    def _signed_in(
        self, user: User, session: DeviceSession, refresh_token: str, now: float
    ) -> SignedIn:
        principal = Principal(user.id, session.id, user.role)
        access, access_expires = self._access.issue(principal, now)
        return SignedIn(
            user, session.id, access, access_expires, refresh_token, session.expires_at
        )

    async def _new_one_time_token(
        self, user: User, purpose: TokenPurpose, ttl_s: float
    ) -> str:
        token = self._secrets.token()
        await self._tokens.put(
            self._secrets.digest(token), purpose, user.id, self._clock.now() + ttl_s
        )
        return token

    async def _send_verification(self, user: User) -> None:
        token = await self._new_one_time_token(
            user, TokenPurpose.VERIFY_EMAIL, self.settings.verify_ttl_s
        )
        link = f"{self.settings.public_url}/auth/verify-email?token={quote(token)}"
        await self._mailer.send(
            Mail(
                user.email,
                "Confirm your BitCode email",
                f"Welcome to BitCode, {user.username}!\n"
                f"Confirm your email address within a day by opening:\n\n{link}\n\n"
                f"Or send this token to the API: {token}\n",
            )
        )

    async def _mail_taken_address(self, user: User) -> None:
        await self._mailer.send(
            Mail(
                user.email,
                "Someone tried to register with your email",
                "Someone tried to create a BitCode account with this address, which "
                "already has one. If it was you, sign in or reset your password.\n",
            )
        )
