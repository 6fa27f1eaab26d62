"""Who is calling: bearer JWTs (shared HS256 secret or a JWKS URL) and API keys (keys.py, in PostgreSQL).

`Authenticator.authenticate(authorization, api_key)` returns a `Principal` or raises a 401 `ApiError`
with a `WWW-Authenticate` header (RFC 6750). A JWT must be signed by the configured secret (HS256/384/512)
or by a key of the JWKS (RS*, PS*, ES*, EdDSA), must not be expired, and must carry `sub` (the owner of
the caller's results), `iss` (JWT_ISSUER) and `aud` (JWT_AUDIENCE), both required whenever JWTs are. The
algorithm family decides the key: an HS token is never checked against the JWKS and an RS token never
against the secret, so one cannot be passed off as the other ("alg confusion").

A token may use `priority=high` when its `scope` (space-separated) or `scp` (list) holds the
priority scope (`ocr:priority` by default); an API key when it was created with `--high-priority`.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import jwt

from ocr_common.errors import ApiError

from .keys import ApiKey, ApiKeyStore, looks_like_key

REALM = "ocrmesh"
HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")
ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
MIN_SECRET_BYTES = 32


@dataclass(frozen=True)
class Principal:
    owner: str | None                 # None: nobody in particular (authentication is off)
    kind: str                         # "jwt" | "api_key" | "anonymous"
    key_id: str | None = None
    high_priority: bool = False
    daily_quota: int | None = None     # per-principal override of the gateway's DAILY_QUOTA
    rate_per_minute: float | None = None

    @property
    def limit_key(self) -> str:
        """What rate limits and quotas count against: the owner (all their keys and tokens together)."""
        return self.owner or "anonymous"


ANONYMOUS = Principal(owner=None, kind="anonymous", high_priority=True)


def unauthorized(detail: str, error: str | None = None) -> ApiError:
    """401 with the RFC 6750 challenge; `error` is set when credentials were sent but are bad."""
    challenge = f'Bearer realm="{REALM}"'
    if error:
        # RFC 6750 allows printable ASCII but `"` and `\` here, and a header that is not Latin-1 cannot
        # even be sent (a 500): the detail may quote the token's own header (e.g. its `alg`).
        safe = "".join(c if " " <= c <= "~" and c != "\\" else "?" for c in detail[:200].replace('"', "'"))
        challenge += f', error="{error}", error_description="{safe}"'
    return ApiError(401, error or "unauthorized", detail, headers={"WWW-Authenticate": challenge})


class JwtVerifier:
    def __init__(self, secret: str | None = None, jwks_url: str | None = None, issuer: str | None = None,
                 audience: str | None = None, leeway: float = 30.0, priority_scope: str = "ocr:priority",
                 algorithms: list[str] | None = None):
        if secret is not None and len(secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
        if (secret or jwks_url) and not (issuer and audience):
            raise ValueError("JWTs need an issuer and an audience (JWT_ISSUER, JWT_AUDIENCE)")
        self.secret, self.issuer, self.audience, self.leeway = secret, issuer, audience, leeway
        self.priority_scope = priority_scope
        allowed = set(algorithms or (HMAC_ALGORITHMS + ASYMMETRIC_ALGORITHMS))
        self.hmac_algorithms = [a for a in HMAC_ALGORITHMS if a in allowed] if secret else []
        self.jwks_algorithms = [a for a in ASYMMETRIC_ALGORITHMS if a in allowed] if jwks_url else []
        # PyJWKClient caches the key set and refetches it when a token names an unknown `kid` (key rotation).
        self.jwks = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=300, timeout=5) if jwks_url else None

    @property
    def configured(self) -> bool:
        return bool(self.hmac_algorithms or self.jwks_algorithms)

    def verify(self, token: str) -> Principal:
        """Blocking (a JWKS fetch is an HTTP call): run it in a thread from async code."""
        try:
            alg = jwt.get_unverified_header(token).get("alg")
        except jwt.PyJWTError:
            raise unauthorized("the bearer token is not a JWT", "invalid_token") from None
        if alg in self.hmac_algorithms:
            key, algorithms = self.secret, self.hmac_algorithms
        elif alg in self.jwks_algorithms and self.jwks is not None:
            try:
                key, algorithms = self.jwks.get_signing_key_from_jwt(token).key, self.jwks_algorithms
            except jwt.PyJWKClientConnectionError:
                raise ApiError(503, "auth_unavailable", "the identity provider's keys cannot be fetched",
                               headers={"Retry-After": "5"}) from None
            except jwt.PyJWTError:
                raise unauthorized("the token's signing key is unknown", "invalid_token") from None
        else:
            raise unauthorized(f"tokens signed with {alg!r} are not accepted", "invalid_token")
        try:
            claims = jwt.decode(token, key, algorithms=algorithms, audience=self.audience, issuer=self.issuer,
                                leeway=self.leeway, options={"require": ["exp", "sub", "iss", "aud"]})
        except jwt.ExpiredSignatureError:
            raise unauthorized("the token has expired", "invalid_token") from None
        except jwt.PyJWTError as exc:
            raise unauthorized(f"the token is not valid: {exc}", "invalid_token") from None
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub.strip() or len(sub) > 255 or any(ord(c) < 32 for c in sub):
            raise unauthorized("the token's subject is missing or invalid", "invalid_token")
        scopes = claims.get("scope", "")
        scopes = set(scopes.split()) if isinstance(scopes, str) else set()
        scp = claims.get("scp")
        if isinstance(scp, list):
            scopes |= {s for s in scp if isinstance(s, str)}
        return Principal(owner=sub, kind="jwt", high_priority=self.priority_scope in scopes)


class Authenticator:
    """API keys (looked up in the store, cached for `cache_seconds`) and JWTs."""

    def __init__(self, jwt_verifier: JwtVerifier | None, keys: ApiKeyStore | None, cache_seconds: float = 5.0):
        self.jwt, self.keys, self.cache_seconds = jwt_verifier, keys, cache_seconds
        self._cache: dict[str, tuple[float, ApiKey]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, secret: str | None, jwks_url: str | None, issuer: str | None, audience: str | None,
                      keys: ApiKeyStore | None, leeway: float = 30.0, priority_scope: str = "ocr:priority",
                      cache_seconds: float = 5.0) -> Authenticator:
        verifier = JwtVerifier(secret or None, jwks_url or None, issuer or None, audience or None, leeway, priority_scope)
        return cls(verifier if verifier.configured else None, keys, cache_seconds)

    def _api_key(self, plaintext: str) -> Principal:
        if self.keys is None:
            raise unauthorized("API keys are not accepted here", "invalid_token")
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(plaintext)
        if hit and hit[0] > now:
            key = hit[1]
        else:
            key = self.keys.verify(plaintext)
            if key is None:
                raise unauthorized("the API key is unknown or revoked", "invalid_token")
            with self._lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[plaintext] = (now + self.cache_seconds, key)
        return Principal(owner=key.owner, kind="api_key", key_id=key.key_id, high_priority=key.high_priority,
                         daily_quota=key.daily_quota, rate_per_minute=key.rate_per_minute)

    def authenticate(self, authorization: str | None, api_key: str | None = None) -> Principal:
        """From the `Authorization` and `X-API-Key` headers. Blocking: run it in a thread."""
        if api_key:
            return self._api_key(api_key.strip())
        if not authorization:
            raise unauthorized("credentials are required: Authorization: Bearer <JWT or API key>")
        scheme, _, credentials = authorization.strip().partition(" ")
        credentials = credentials.strip()
        if scheme.lower() != "bearer" or not credentials:
            raise unauthorized("use the Bearer scheme: Authorization: Bearer <JWT or API key>", "invalid_request")
        if looks_like_key(credentials):
            return self._api_key(credentials)
        if self.jwt is None:
            raise unauthorized("JWTs are not accepted here (no JWT_SECRET or JWKS_URL)", "invalid_token")
        return self.jwt.verify(credentials)
