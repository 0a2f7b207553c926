"""Signing in with an OpenID provider's identity (Google), and linking one.

An identity is its issuer and subject. The first sign-in with one links it:
to the account whose verified email matches the provider's verified email, or
to a new account without a password. An unverified email never links to an
account, and an account's unconfirmed email never receives a provider's
identity, so neither side can take over the other.

The browser flow keeps a one-time attempt per sign-in, found by the state the
provider echoes and bound to the browser by a cookie secret; it ends in a
one-time handoff code that the single-page app exchanges for BitCode's tokens,
so no token ever travels in a URL.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bitcode_core.accounts import rules
from bitcode_core.accounts.model import (
    LinkedIdentity,
    Principal,
    ProviderIdentity,
    SignInAttempt,
    TokenPurpose,
    User,
)
from bitcode_core.accounts.ports import (
    IdentityProvider,
    IdentityRepository,
    OneTimeTokenRepository,
    RateLimiter,
    Secrets,
    SignInAttemptRepository,
)
from bitcode_core.accounts.usecases import Accounts, Client, SignedIn
from bitcode_core.errors import (
    Conflict,
    EmailNotVerified,
    InvalidInput,
    InvalidToken,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from bitcode_core.ports import Clock

logger = logging.getLogger(__name__)

_NUMBERED_USERNAMES = range(2, 10)  # ada-2 ... ada-9, then a random suffix
_USERNAME_TRIES = 16
_SIGN_IN_TRIES = 3  # a concurrent first sign-in can take the email meanwhile


@dataclass(frozen=True, slots=True)
class IdentitySettings:
    return_urls: tuple[str, ...]  # the first is the default
    attempt_ttl_s: float = 10 * 60
    handoff_ttl_s: float = 60
    # Each start stores an attempt: bounded per address, with room for a room
    # of players behind one NAT address.
    starts_per_address: int = 300
    start_window_s: float = 15 * 60


@dataclass(frozen=True, slots=True)
class BrowserStart:
    authorization_url: str
    browser_secret: str  # for the browser's cookie; only its digest is stored


@dataclass(frozen=True, slots=True)
class BrowserHandoff:
    return_to: str
    code: str  # one-time, short-lived: the app exchanges it for tokens


@dataclass(frozen=True, slots=True)
class SignInMethods:
    password: bool
    identities: Sequence[LinkedIdentity]


class IdentitySignIn:
    def __init__(
        self,
        *,
        accounts: Accounts,
        identities: IdentityRepository,
        attempts: SignInAttemptRepository,
        one_time_tokens: OneTimeTokenRepository,
        provider: IdentityProvider,
        secrets: Secrets,
        limiter: RateLimiter,
        clock: Clock,
        settings: IdentitySettings,
    ) -> None:
        self._accounts = accounts
        self._users = accounts.users
        self._identities = identities
        self._attempts = attempts
        self._tokens = one_time_tokens
        self._provider = provider
        self._secrets = secrets
        self._limiter = limiter
        self._clock = clock
        self.settings = settings

    # The browser flow

    def return_url(self, requested: str | None = None) -> str:
        """The app to return to: one of the configured URLs, matched exactly."""
        urls = self.settings.return_urls
        if requested is None:
            return urls[0]
        if requested not in urls:
            raise InvalidInput(
                "redirect_uri is not one of the configured frontend URLs",
                field="redirect_uri",
            )
        return requested

    async def begin(self, client: Client, return_to: str | None = None) -> BrowserStart:
        return_to = self.return_url(return_to)
        decision = await self._limiter.hit(
            f"google-start:address:{client.ip}",
            self.settings.starts_per_address,
            self.settings.start_window_s,
        )
        if not decision.allowed:
            raise RateLimited(
                "too many Google sign-ins from here; try again later",
                retry_after_s=decision.retry_after_s,
            )
        now = self._clock.now()
        state, browser_secret = self._secrets.token(), self._secrets.token()
        nonce, verifier = self._secrets.token(), self._secrets.token()
        await self._attempts.put(
            SignInAttempt(
                state_hash=self._secrets.digest(state),
                browser_hash=self._secrets.digest(browser_secret),
                nonce=nonce,
                code_verifier=verifier,
                return_to=return_to,
                expires_at=now + self.settings.attempt_ttl_s,
            ),
            now,
        )
        url = await self._provider.authorization_url(
            state=state, nonce=nonce, code_verifier=verifier
        )
        return BrowserStart(url, browser_secret)

    async def finish(
        self, state: str, browser_secret: str | None, code: str
    ) -> BrowserHandoff:
        """Check the callback against its attempt (spent whatever happens next),
        redeem the code and sign the identity in."""
        attempt = await self._attempts.consume(
            self._secrets.digest(state), self._clock.now()
        )
        if attempt is None:
            raise InvalidToken("this sign-in is unknown, expired or already used")
        presented = self._secrets.digest(browser_secret or "")
        if not hmac.compare_digest(presented, attempt.browser_hash):
            logger.warning("identity.browser_mismatch")
            raise InvalidToken("this sign-in was started in another browser")
        identity = await self._provider.redeem(
            code, code_verifier=attempt.code_verifier, nonce=attempt.nonce
        )
        user = await self._user_for(identity)
        if user.disabled:
            raise PermissionDenied("this account is disabled")
        handoff = self._secrets.token()
        await self._tokens.put(
            self._secrets.digest(handoff),
            TokenPurpose.SIGN_IN_HANDOFF,
            user.id,
            self._clock.now() + self.settings.handoff_ttl_s,
        )
        return BrowserHandoff(attempt.return_to, handoff)

    async def exchange(self, code: str, client: Client) -> SignedIn:
        user_id = await self._tokens.consume(
            self._secrets.digest(code),
            TokenPurpose.SIGN_IN_HANDOFF,
            self._clock.now(),
        )
        user = await self._users.get(user_id) if user_id else None
        if user is None:
            raise InvalidToken("this sign-in code is invalid, expired or used")
        return await self._start_session(user, client)

    # Clients holding an ID token (mobile, single-page)

    async def sign_in_with_token(
        self, id_token: str, client: Client, nonce: str | None = None
    ) -> SignedIn:
        identity = await self._provider.verify(id_token, nonce=nonce)
        return await self._start_session(await self._user_for(identity), client)

    # Settings: the ways to sign in

    async def methods(self, principal: Principal) -> SignInMethods:
        user = await self._signed_in_user(principal)
        identities = await self._identities.for_user(user.id)
        return SignInMethods(user.password_hash is not None, identities)

    async def link(
        self, principal: Principal, id_token: str, nonce: str | None = None
    ) -> LinkedIdentity:
        user = await self._signed_in_user(principal)
        identity = await self._provider.verify(id_token, nonce=nonce)
        linked = await self._identities.get(identity.issuer, identity.subject)
        if linked is not None and linked.user_id == user.id:
            return linked
        if linked is not None:
            raise Conflict("this Google account signs in to another BitCode account")
        mine = await self._identities.for_user(user.id)
        if any(i.issuer == identity.issuer for i in mine):
            raise Conflict("another Google account is linked: unlink it first")
        return await self._link(user, identity)

    async def unlink(self, principal: Principal) -> None:
        user = await self._signed_in_user(principal)
        issuer = await self._provider.issuer()
        linked = await self._identities.for_user(user.id)
        if not any(i.issuer == issuer for i in linked):
            raise NotFound("no Google account is linked")
        if user.password_hash is None and len(linked) == 1:
            raise Conflict(
                "this is your only way to sign in: set a password first "
                "(through a password reset mail)"
            )
        await self._identities.remove(user.id, issuer)
        logger.info("identity.unlinked", extra={"user_id": user.id})

    # Steps shared by the use cases above

    async def _user_for(self, identity: ProviderIdentity) -> User:
        for _ in range(_SIGN_IN_TRIES):
            linked = await self._identities.get(identity.issuer, identity.subject)
            user = await self._users.get(linked.user_id) if linked else None
            if user is not None:
                return user
            if linked is not None:  # its user was deleted: the link is stale
                await self._identities.remove(linked.user_id, linked.issuer)
            try:
                return await self._first_sign_in(identity)
            except _Raced:
                continue  # someone linked or registered meanwhile: look again
        raise Conflict("this sign-in raced another one; try again")

    async def _first_sign_in(self, identity: ProviderIdentity) -> User:
        if not identity.email or not identity.email_verified:
            raise EmailNotVerified()
        email = rules.normalise_email(identity.email)
        user = await self._users.by_email(email)
        if user is not None and not user.email_verified:
            # Whoever registered it has not proven they own the address.
            raise Conflict(
                "an unconfirmed BitCode account uses this email: confirm it "
                "from its mail, sign in, then link Google in settings"
            )
        if user is not None and any(
            i.issuer == identity.issuer
            for i in await self._identities.for_user(user.id)
        ):
            raise Conflict("the account with this email has another Google account")
        user = user or await self._new_user(identity, email)
        try:
            await self._link(user, identity)
        except Conflict as error:
            raise _Raced() from error
        return user

    async def _new_user(self, identity: ProviderIdentity, email: str) -> User:
        base = rules.username_from_profile(identity.name, email)
        for username in self._usernames(base):
            if await self._users.by_username(username) is not None:
                continue
            user = User(
                id=self._secrets.new_id(),
                email=email,
                username=username,
                password_hash=None,
                created_at=self._clock.now(),
                email_verified=True,  # the provider has verified it
                display_name=_display_name(identity.name, username),
            )
            try:
                await self._users.add(user)
            except Conflict as error:
                if await self._users.by_email(email) is not None:
                    raise _Raced() from error
                continue  # the username was taken meanwhile
            logger.info("account.registered", extra={"user_id": user.id})
            return user
        raise Conflict("no free username could be found; try again")

    def _usernames(self, base: str) -> list[str]:
        suffixes = [str(n) for n in _NUMBERED_USERNAMES]
        while len(suffixes) < _USERNAME_TRIES - 1:
            suffixes.append(self._secrets.new_id()[:6])
        return [base, *(rules.username_with_suffix(base, s) for s in suffixes)]

    async def _link(self, user: User, identity: ProviderIdentity) -> LinkedIdentity:
        linked = LinkedIdentity(
            issuer=identity.issuer,
            subject=identity.subject,
            user_id=user.id,
            email=(identity.email or "")[:254],
            linked_at=self._clock.now(),
        )
        await self._identities.add(linked)
        logger.info("identity.linked", extra={"user_id": user.id})
        return linked

    async def _start_session(self, user: User, client: Client) -> SignedIn:
        if user.disabled:
            raise PermissionDenied("this account is disabled")
        return await self._accounts.start_session(user, client)

    async def _signed_in_user(self, principal: Principal) -> User:
        user = await self._users.get(principal.user_id)
        if user is None:
            raise NotAuthenticated()
        return user


class _Raced(Exception):
    """A concurrent sign-in or registration stored what this one was storing."""


def _display_name(name: str, username: str) -> str:
    try:
        return rules.check_display_name(name[: rules.DISPLAY_NAME_MAX]) or username
    except InvalidInput:
        return username
