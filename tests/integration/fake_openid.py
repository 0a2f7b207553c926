"""A fake OpenID Connect provider that speaks the real protocol on loopback.

It serves a discovery document, its keys (JWKS), an authorization endpoint that
approves its current user at once and redirects back with a code, and a token
endpoint that checks the client, the redirect URI and the PKCE verifier and
spends each code once. ID tokens are RS256, signed with a key generated here.
``mint`` makes the tokens an attacker would: other audiences, issuers, keys,
``alg: none``, HS256 keyed with the public key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from litestar import Litestar, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Response

CLIENT_ID = "bitcode-test.apps.example"
CLIENT_SECRET = "fake-google-client-secret"  # noqa: S105 - the fake's own
START_TIMEOUT_S = 30
Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


@dataclass
class GoogleUser:
    subject: str = "10769150350006150715113082367"
    email: str = "ada.lovelace@gmail.com"
    email_verified: bool = True
    name: str = "Ada Lovelace"


@dataclass
class _Grant:
    user: GoogleUser
    redirect_uri: str
    challenge: str
    nonce: str | None


def new_key(kid: str = "key-1") -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig"})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class FakeGoogle:
    redirect_uri: str
    issuer: str = ""  # set once the server listens
    user: GoogleUser = field(default_factory=GoogleUser)
    key: RSAKey = field(default_factory=new_key)
    published: list[RSAKey] = field(default_factory=list)
    jwks_fetches: int = 0
    authorizations: list[dict[str, str]] = field(default_factory=list)
    # Claims the token endpoint puts in its ID tokens, as a broken or hostile
    # provider would.
    issued_changes: dict[str, Any] = field(default_factory=dict)
    _grants: dict[str, _Grant] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.published = [self.key]

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def reset(self, redirect_uri: str) -> None:
        self.redirect_uri = redirect_uri
        self.user = GoogleUser()
        self.key = new_key()
        self.published = [self.key]
        self.jwks_fetches = 0
        self.authorizations.clear()
        self.issued_changes.clear()
        self._grants.clear()

    def rotate(self, kid: str) -> None:
        """Sign with a new key from now on, publishing it beside the old one."""
        self.key = new_key(kid)
        self.published.append(self.key)

    # Tokens

    def claims(self, user: GoogleUser | None = None, **changes: Any) -> dict[str, Any]:
        user = user or self.user
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "azp": CLIENT_ID,
            "sub": user.subject,
            "email": user.email,
            "email_verified": user.email_verified,
            "name": user.name,
            "iat": now,
            "exp": now + 3600,
        }
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def mint(
        self,
        user: GoogleUser | None = None,
        *,
        key: RSAKey | None = None,
        **changes: Any,
    ) -> str:
        key = key or self.key
        header = {"alg": "RS256", "kid": key.kid}
        return jwt.encode(header, self.claims(user, **changes), key)

    def mint_unsigned(self, **changes: Any) -> str:
        """``alg: none``: a token anyone can write."""
        header = {"alg": "none", "typ": "JWT", "kid": self.key.kid}
        return f"{_part(header)}.{_part(self.claims(**changes))}."

    def mint_hs256_with_public_key(self, **changes: Any) -> str:
        """The old confusion: HMAC keyed with the provider's public key."""
        header = {"alg": "HS256", "typ": "JWT", "kid": self.key.kid}
        signing_input = f"{_part(header)}.{_part(self.claims(**changes))}"
        public = self.key.as_pem(private=False)
        signature = hmac.new(public, signing_input.encode(), hashlib.sha256)
        return f"{signing_input}.{b64(signature.digest())}"

    # The provider's endpoints

    def app(self) -> Litestar:
        return Litestar(
            route_handlers=[
                self._discovery(),
                self._jwks(),
                self._authorize(),
                self._token(),
            ],
            logging_config=None,
        )

    def _discovery(self) -> Any:
        @get("/.well-known/openid-configuration", sync_to_thread=False)
        def discovery() -> dict[str, Any]:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/o/oauth2/v2/auth",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/oauth2/v3/certs",
                "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }

        return discovery

    def _jwks(self) -> Any:
        @get("/oauth2/v3/certs", sync_to_thread=False)
        def jwks() -> dict[str, Any]:
            self.jwks_fetches += 1
            return dict(KeySet(list(self.published)).as_dict(private=False))

        return jwks

    def _authorize(self) -> Any:
        @get("/o/oauth2/v2/auth", sync_to_thread=False)
        def authorize(request: Request[Any, Any, Any]) -> Response[str] | Redirect:
            query = dict(request.query_params)
            self.authorizations.append(query)
            refusal = self._refuse_authorization(query)
            if refusal:
                return Response(refusal, status_code=400)
            code = secrets.token_urlsafe(24)
            self._grants[code] = _Grant(
                self.user,
                query["redirect_uri"],
                query["code_challenge"],
                query.get("nonce"),
            )
            back = {"code": code, "state": query["state"]}
            return Redirect(f"{query['redirect_uri']}?{urlencode(back)}")

        return authorize

    def _refuse_authorization(self, query: dict[str, str]) -> str | None:
        if query.get("client_id") != CLIENT_ID:
            return "unknown client"
        if query.get("redirect_uri") != self.redirect_uri:
            return "redirect_uri mismatch"
        if query.get("response_type") != "code" or "openid" not in query.get(
            "scope", ""
        ).split(" "):
            return "an OpenID code request is expected"
        if query.get("code_challenge_method") != "S256" or not query.get(
            "code_challenge"
        ):
            return "PKCE with S256 is required"
        if not query.get("state"):
            return "state is required"
        return None

    def _token(self) -> Any:
        @post("/token", status_code=200, sync_to_thread=False)
        def token(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
            if not _client_authenticated(request, data):
                return _oauth_error("invalid_client", 401)
            grant = self._grants.pop(data.get("code", ""), None)
            if grant is None or data.get("grant_type") != "authorization_code":
                return _oauth_error("invalid_grant")
            verifier = data.get("code_verifier", "").encode()
            challenge = b64(hashlib.sha256(verifier).digest())
            same_uri = data.get("redirect_uri") == grant.redirect_uri
            if not same_uri or not hmac.compare_digest(challenge, grant.challenge):
                return _oauth_error("invalid_grant")
            changes = {"nonce": grant.nonce, **self.issued_changes}
            id_token = self.mint(grant.user, **changes)
            body = {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "expires_in": 3600,
                "scope": "openid email profile",
                "id_token": id_token,
            }
            return Response(body)

        return token


def _part(value: dict[str, Any]) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


def _client_authenticated(
    request: Request[Any, Any, Any], data: dict[str, str]
) -> bool:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        decoded = base64.b64decode(header[6:]).decode()
        client_id, _, client_secret = decoded.partition(":")
    else:
        client_id = data.get("client_id", "")
        client_secret = data.get("client_secret", "")
    return client_id == CLIENT_ID and hmac.compare_digest(client_secret, CLIENT_SECRET)


def _oauth_error(error: str, status: int = 400) -> Response[Any]:
    return Response({"error": error}, status_code=status)


def serve(fake: FakeGoogle) -> Iterator[FakeGoogle]:
    """Run the fake on a free loopback port until the generator is closed."""
    config = uvicorn.Config(
        fake.app(), host="127.0.0.1", port=0, log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        assert thread.is_alive(), "the fake provider stopped while starting"
        assert time.monotonic() < deadline, "the fake provider did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    fake.issuer = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=10)
