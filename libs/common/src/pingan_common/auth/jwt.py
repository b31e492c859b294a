"""Bearer-token verification against the issuer's published keys (JWKS).

Keys come from a file (the local stack: the dev issuer writes ``jwks.json``; re-read when the
file changes) or from a URL (fetched with httpx so the event loop never blocks; cached, and
re-fetched early when a token names a key we don't know, which is how key rotation shows up).
"""

import asyncio
import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import jwt
from jwt import PyJWK

from pingan_common.auth.principal import Principal
from pingan_common.auth.settings import AuthSettings
from pingan_common.problems import ProblemError, Unauthorized

logger = logging.getLogger("pingan.auth")

REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]
JWKS_TTL_SECONDS = 300.0
# An unknown kid forces a refetch at most this often, so random kids can't hammer the issuer.
JWKS_MIN_REFRESH_SECONDS = 30.0
JWKS_FETCH_TIMEOUT_SECONDS = 5.0


class JwksUnavailable(ProblemError):
    """Our fault, not the caller's: we cannot get the keys to check any token."""

    def __init__(self) -> None:
        super().__init__(503, "Service Unavailable", "token signing keys are unavailable")


def signing_keys(jwks: Any, algorithms: list[str]) -> dict[str, PyJWK]:
    """The usable signature keys of a JWKS document, by kid; none if it isn't one."""
    keys: dict[str, PyJWK] = {}
    entries = jwks.get("keys") if isinstance(jwks, Mapping) else None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig" or "kid" not in entry:
            continue
        try:
            key = PyJWK(entry)
        except jwt.PyJWTError:
            continue  # a key type we can't use; the others may still be fine
        if key.algorithm_name in algorithms:
            keys[entry["kid"]] = key
    return keys


class _FileJwks:
    def __init__(self, path: Path, algorithms: list[str]) -> None:
        self._path = path
        self._algorithms = algorithms
        self._keys: dict[str, PyJWK] = {}
        self._version: tuple[int, int, int] | None = None

    async def get(self, kid: str) -> PyJWK | None:
        self._reload_if_changed()
        if not self._keys:
            raise JwksUnavailable()
        return self._keys.get(kid)

    def _reload_if_changed(self) -> None:
        # A stat per request is cheap; it lets the dev issuer rotate keys without restarts.
        try:
            stat = self._path.stat()
            version = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
            if version != self._version:
                self._keys = signing_keys(json.loads(self._path.read_text()), self._algorithms)
                self._version = version
        except (OSError, ValueError) as exc:
            # Keep the keys we had: a half-written file must not lock everyone out.
            logger.warning("cannot read JWKS file %s: %s", self._path, exc)


class _UrlJwks:
    def __init__(
        self, url: str, algorithms: list[str], http_client: httpx.AsyncClient | None
    ) -> None:
        self._url = url
        self._algorithms = algorithms
        self._client = http_client
        self._owns_client = http_client is None
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def get(self, kid: str) -> PyJWK | None:
        expired = self._age() > JWKS_TTL_SECONDS
        may_refetch_for_kid = kid not in self._keys and self._age() > JWKS_MIN_REFRESH_SECONDS
        if expired or may_refetch_for_kid:
            await self._refresh()
        if not self._keys:
            raise JwksUnavailable()
        return self._keys.get(kid)

    def _age(self) -> float:
        return time.monotonic() - self._fetched_at

    async def _refresh(self) -> None:
        seen_fetch = self._fetched_at
        async with self._lock:
            if self._fetched_at != seen_fetch:
                return  # another request refreshed while we waited
            try:
                self._keys = await self._fetch()
            except (httpx.HTTPError, ValueError) as exc:
                # Keep the keys we had; an issuer hiccup must not lock everyone out.
                logger.warning("cannot fetch JWKS from %s: %s", self._url, exc)
            finally:
                self._fetched_at = time.monotonic()

    async def _fetch(self) -> dict[str, PyJWK]:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=JWKS_FETCH_TIMEOUT_SECONDS)
        response = await self._client.get(self._url)
        response.raise_for_status()
        return signing_keys(response.json(), self._algorithms)

    async def aclose(self) -> None:
        if self._owns_client and self._client is not None:
            await self._client.aclose()


class JwtVerifier:
    """Turns a bearer token into a Principal, or raises Unauthorized saying why not."""

    def __init__(
        self, settings: AuthSettings | None = None, *, http_client: httpx.AsyncClient | None = None
    ) -> None:
        self.settings = settings or AuthSettings()
        algorithms = self.settings.algorithms
        self._keys: _FileJwks | _UrlJwks
        if self.settings.jwks_file:
            self._keys = _FileJwks(Path(self.settings.jwks_file), algorithms)
        else:
            self._keys = _UrlJwks(self.settings.effective_jwks_url, algorithms, http_client)

    async def verify(self, token: str) -> Principal:
        return principal_from_claims(await self.verify_claims(token))

    async def verify_claims(self, token: str) -> dict[str, Any]:
        kid = _key_id(token)
        key = await self._keys.get(kid)
        if key is None:
            raise Unauthorized("unknown key id")
        try:
            return jwt.decode(
                token,
                key,
                algorithms=self.settings.algorithms,
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                leeway=self.settings.leeway_seconds,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(_reason(exc)) from None

    async def aclose(self) -> None:
        if isinstance(self._keys, _UrlJwks):
            await self._keys.aclose()


def _key_id(token: str) -> str:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise Unauthorized("malformed token") from None
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise Unauthorized("token has no key id")
    return kid


# Checked in order: the specific subclasses before DecodeError, their common base.
_REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.ImmatureSignatureError, "token not yet valid"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.InvalidSignatureError, "bad signature"),
    (jwt.InvalidAlgorithmError, "algorithm not allowed"),
    (jwt.DecodeError, "malformed token"),
)


def _reason(exc: jwt.PyJWTError) -> str:
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"missing claim {exc.claim}"
    for error_type, reason in _REASONS:
        if isinstance(exc, error_type):
            return reason
    return "invalid token"


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """Map verified claims to a Principal.

    Roles come from ``roles``, or Keycloak's ``realm_access.roles`` when that is absent. A token
    without ``area`` yields a principal that covers no area. Client-credential tokens of third
    parties say ``kind: api_client`` and may carry ``channels`` and ``areas``.
    """
    kind = claims.get("kind", "user")
    if kind not in ("user", "api_client"):
        raise Unauthorized("malformed claim kind")
    subject = str(claims["sub"])
    display_name = _optional_str(claims, "name") or _optional_str(claims, "preferred_username")
    return Principal(
        subject=subject,
        name=display_name or subject,
        kind=kind,
        roles=frozenset(_str_list(claims, "roles", _keycloak_roles(claims))),
        area_code=_optional_str(claims, "area") or "",
        unit_code=_optional_str(claims, "unit"),
        channels=frozenset(_str_list(claims, "channels", [])),
        area_codes=tuple(_str_list(claims, "areas", [])),
        expires_at=float(claims["exp"]) if isinstance(claims.get("exp"), int | float) else None,
    )


def _keycloak_roles(claims: Mapping[str, Any]) -> Any:
    realm_access = claims.get("realm_access")
    return realm_access.get("roles", []) if isinstance(realm_access, dict) else []


def _str_list(claims: Mapping[str, Any], name: str, default: Any) -> list[str]:
    value = claims.get(name, default)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise Unauthorized(f"malformed claim {name}")
    return value


def _optional_str(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is not None and not isinstance(value, str):
        raise Unauthorized(f"malformed claim {name}")
    return value
