"""An OpenID Connect provider (Google by default), for the ``IdentityProvider``
port: authlib's httpx client for discovery, the authorization URL with PKCE
(S256) and the code exchange; joserfc for the ID token's signature and claims.

The discovery document is read once; the provider's keys (JWKS) are cached for
an hour and fetched again when a token names a key id they lack, at most once
a minute, so a flood of made-up key ids cannot make BitCode hammer Google.
Only RS256 is accepted: ``alg: none``, HS256 signed with the public key, or any
other algorithm is refused before a key is looked at.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from dataclasses import dataclass
from typing import Any

import httpx2
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import Key, KeySet

from bitcode_core.accounts.model import ProviderIdentity
from bitcode_core.errors import BitCodeError, InvalidToken
from bitcode_core.ports import Clock

logger = logging.getLogger(__name__)

GOOGLE_DISCOVERY_URL = "https://accounts.google.com/.well-known/openid-configuration"
ALGORITHM = "RS256"
SCOPE = "openid email profile"
_DISCOVERY_PATH = "/.well-known/openid-configuration"
# Google's ID tokens name their issuer with or without the scheme.
_ISSUER_ALIASES = {"https://accounts.google.com": "accounts.google.com"}


class IdentityProviderUnavailable(BitCodeError):
    code = "identity-provider-unavailable"
    default_message = "The sign-in provider cannot be reached; try again later."


@dataclass(frozen=True, slots=True)
class _Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str

    @classmethod
    def of(cls, document: dict[str, Any], discovery_url: str) -> _Metadata:
        fields = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
        values = [document.get(name) for name in fields]
        if not all(isinstance(value, str) and value for value in values):
            raise IdentityProviderUnavailable(
                "the provider's discovery document lacks an endpoint"
            )
        metadata = cls(*values)  # type: ignore[arg-type]
        # OpenID Connect Discovery 1.0, section 4.3: the document must name the
        # issuer it was fetched for, or anyone serving one could vouch for it.
        if metadata.issuer.rstrip("/") + _DISCOVERY_PATH != discovery_url:
            raise IdentityProviderUnavailable(
                "the provider's discovery document names another issuer"
            )
        return metadata


class AuthlibOpenIdProvider:
    def __init__(
        self,
        *,
        discovery_url: str,
        client_id: str,
        client_secret: str | None,
        redirect_uri: str | None,
        clock: Clock,
        timeout_s: float = 10.0,
        leeway_s: int = 60,
        keys_max_age_s: float = 3600.0,
        refetch_after_s: float = 60.0,
    ) -> None:
        self._discovery_url = discovery_url
        self._client_id = client_id
        self._clock = clock
        self._leeway_s = leeway_s
        self._keys_max_age_s = keys_max_age_s
        self._refetch_after_s = refetch_after_s
        self._http = AsyncOAuth2Client(
            client_id=client_id,
            client_secret=client_secret,
            scope=SCOPE,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=timeout_s,
        )
        self._metadata: _Metadata | None = None
        self._keys: KeySet | None = None
        self._keys_fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def close(self) -> None:
        await self._http.aclose()

    async def issuer(self) -> str:
        return (await self._discovered()).issuer

    async def authorization_url(
        self, *, state: str, nonce: str, code_verifier: str
    ) -> str:
        metadata = await self._discovered()
        url, _ = self._http.create_authorization_url(
            metadata.authorization_endpoint,
            state=state,
            code_verifier=code_verifier,
            nonce=nonce,
        )
        return str(url)

    async def redeem(
        self, code: str, *, code_verifier: str, nonce: str
    ) -> ProviderIdentity:
        metadata = await self._discovered()
        try:
            token = await self._http.fetch_token(
                metadata.token_endpoint,
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
            )
        except OAuthError as error:
            logger.info("identity.code_refused", extra={"error": error.error})
            raise InvalidToken(
                "Google refused this sign-in code: it is invalid, expired or used"
            ) from error
        except (httpx2.HTTPError, ValueError) as error:
            raise self._unavailable(metadata.token_endpoint, error) from error
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise InvalidToken("Google answered without an ID token")
        return await self.verify(id_token, nonce=nonce)

    async def verify(self, id_token: str, *, nonce: str | None) -> ProviderIdentity:
        metadata = await self._discovered()
        header = _header(id_token)
        if header.get("alg") != ALGORITHM:
            raise _refused(f"ID tokens must be signed with {ALGORITHM}")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise _refused("the ID token's key id is not a string")
        key = await self._key(kid)
        try:
            claims = jwt.decode(id_token, key, algorithms=[ALGORITHM]).claims
            self._registry(metadata.issuer).validate(claims)
        except JoseError as error:
            logger.info("identity.token_refused", extra={"reason": error.error})
            reason = error.description or error.error.replace("_", " ")
            raise _refused(f"the ID token is not valid ({reason})") from error
        self._check_party(claims)
        if nonce is not None and not hmac.compare_digest(
            str(claims.get("nonce", "")).encode(), nonce.encode()
        ):
            raise _refused("the ID token's nonce is not the one this sign-in sent")
        return _identity(metadata.issuer, claims)

    # Steps of the checks above

    def _registry(self, issuer: str) -> jwt.JWTClaimsRegistry:
        issuers = [
            issuer,
            *([_ISSUER_ALIASES[issuer]] if issuer in _ISSUER_ALIASES else []),
        ]
        return jwt.JWTClaimsRegistry(
            now=int(self._clock.now()),
            leeway=self._leeway_s,
            iss={"essential": True, "values": issuers},
            aud={"essential": True, "value": self._client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
        )

    def _check_party(self, claims: dict[str, Any]) -> None:
        # With several audiences, the party the token was issued to must be us.
        audience = claims.get("aud")
        several = isinstance(audience, list) and len(audience) > 1
        if several and claims.get("azp") != self._client_id:
            raise _refused("the ID token was issued to another party")

    async def _key(self, kid: str | None) -> Key:
        for refresh in (False, True):
            keys = await self._key_set(refresh=refresh)
            try:
                return keys.get_by_kid(kid)
            except JoseError:
                continue
        raise _refused("the ID token is signed by a key the provider does not publish")

    async def _key_set(self, *, refresh: bool) -> KeySet:
        metadata = await self._discovered()
        async with self._lock:
            age = self._clock.monotonic() - self._keys_fetched_at
            stale = self._keys is None or age >= self._keys_max_age_s
            if stale or (refresh and age >= self._refetch_after_s):
                document = await self._get_json(metadata.jwks_uri)
                try:
                    self._keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
                except (JoseError, KeyError, TypeError, ValueError) as error:
                    raise self._unavailable(metadata.jwks_uri, error) from error
                self._keys_fetched_at = self._clock.monotonic()
            assert self._keys is not None  # noqa: S101 - set just above
            return self._keys

    async def _discovered(self) -> _Metadata:
        if self._metadata is None:
            async with self._lock:
                if self._metadata is None:
                    document = await self._get_json(self._discovery_url)
                    self._metadata = _Metadata.of(document, self._discovery_url)
        return self._metadata

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self._http.request("GET", url, withhold_token=True)
            response.raise_for_status()
            document = response.json()
        except (httpx2.HTTPError, ValueError) as error:
            raise self._unavailable(url, error) from error
        if not isinstance(document, dict):
            raise self._unavailable(url, ValueError("not a JSON object"))
        return document

    def _unavailable(self, url: str, error: Exception) -> IdentityProviderUnavailable:
        logger.warning(
            "identity.provider_failed",
            extra={"url": url, "error": type(error).__name__},
        )
        return IdentityProviderUnavailable()


def _header(id_token: str) -> dict[str, Any]:
    try:
        return dict(jws.extract_compact(id_token.encode()).headers())
    except (JoseError, ValueError, UnicodeError) as error:
        raise _refused("the ID token is not a signed JWT") from error


def _refused(reason: str) -> InvalidToken:
    return InvalidToken(f"Google sign-in refused: {reason}")


def _identity(issuer: str, claims: dict[str, Any]) -> ProviderIdentity:
    email = claims.get("email")
    # Google once sent the flag as a string; only a true one counts.
    flag = claims.get("email_verified")
    verified = flag is True or flag == "true"  # 1 == True, but 1 is no flag
    name = claims.get("name") or claims.get("given_name") or ""
    return ProviderIdentity(
        issuer=issuer,
        subject=str(claims["sub"]),
        email=email if isinstance(email, str) else None,
        email_verified=verified and isinstance(email, str),
        name=name if isinstance(name, str) else "",
    )
