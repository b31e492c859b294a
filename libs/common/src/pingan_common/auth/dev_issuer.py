"""The development token issuer for the local stack. Not for production.

It signs RS256 tokens with a key pair it generates on first use (``private.pem``, ``jwks.json``
in ``keys_dir``) and serves the public half the way an OIDC provider does, so services verify its
tokens exactly as they would Keycloak's. Every demo user's password is ``pingan-demo``.
To rotate the key, delete both files.
"""

import base64
import hashlib
import hmac
import json
import os
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from jwt.algorithms import RSAAlgorithm
from pydantic import BaseModel

from pingan_common.auth.throttle import LoginThrottle, username_key
from pingan_common.problems import (
    ProblemError,
    Unauthorized,
    install_problem_handlers,
    problem_responses,
)

PRIVATE_KEY_FILE = "private.pem"
JWKS_FILE = "jwks.json"
DEMO_PASSWORD = "pingan-demo"
ALGORITHM = "RS256"
DEFAULT_TTL_SECONDS = 12 * 3600


class TooManyAttempts(ProblemError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            "Too Many Requests",
            f"too many failed sign-ins; try again in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
            error="temporarily_locked",
        )


# --- keys --------------------------------------------------------------------------------------


def ensure_keys(keys_dir: Path) -> None:
    """Create the key pair once; later calls (from any process) find it and do nothing."""
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    private_path = keys_dir / PRIVATE_KEY_FILE
    if not private_path.exists():
        _create_private_key(private_path)
    if not (keys_dir / JWKS_FILE).exists():
        _write_jwks(keys_dir, _load_private_key(private_path))


def _create_private_key(private_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Written aside, then linked into place: link fails if another process won the race, so
    # all services starting at once end up with one key, and nobody reads a half-written file.
    temporary = private_path.with_name(f".{PRIVATE_KEY_FILE}.{uuid.uuid4().hex}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
        os.link(temporary, private_path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)


def _load_private_key(private_path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{private_path} is not an RSA private key")
    return key


def _public_jwk(key: rsa.RSAPrivateKey) -> dict[str, Any]:
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    public = {"kty": jwk["kty"], "n": jwk["n"], "e": jwk["e"]}
    return {**public, "kid": _thumbprint(public), "use": "sig", "alg": ALGORITHM}


def _thumbprint(public: dict[str, str]) -> str:
    """RFC 7638 thumbprint: the kid is derived from the key, so every process agrees on it."""
    canonical = json.dumps(public, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


def _write_jwks(keys_dir: Path, key: rsa.RSAPrivateKey) -> None:
    temporary = keys_dir / f".{JWKS_FILE}.{uuid.uuid4().hex}"
    temporary.write_text(json.dumps({"keys": [_public_jwk(key)]}, indent=2))
    os.replace(temporary, keys_dir / JWKS_FILE)  # atomic: readers see the old or the new file


class _SigningKey:
    def __init__(self, keys_dir: Path) -> None:
        ensure_keys(keys_dir)
        self.private_key = _load_private_key(keys_dir / PRIVATE_KEY_FILE)
        self.kid = _public_jwk(self.private_key)["kid"]

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private_key, algorithm=ALGORITHM, headers={"kid": self.kid})


# --- tokens ------------------------------------------------------------------------------------


def issue_token(
    keys_dir: Path,
    *,
    subject: str,
    name: str,
    roles: list[str],
    area: str,
    unit: str | None,
    issuer: str,
    audience: str = "pingan",
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
) -> str:
    """A signed access token with the claims JwtVerifier reads."""
    claims = _claims(
        subject=subject, name=name, roles=roles, area=area, unit=unit,
        issuer=issuer, audience=audience, ttl_seconds=ttl_seconds,
    )  # fmt: skip
    return _SigningKey(keys_dir).sign(claims)


def _claims(
    *,
    subject: str,
    name: str,
    roles: list[str],
    area: str,
    unit: str | None,
    issuer: str,
    audience: str,
    ttl_seconds: int,
) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "name": name,
        "roles": list(roles),
        "area": area,
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    if unit is not None:
        claims["unit"] = unit
    return claims


# --- the issuer app ----------------------------------------------------------------------------


class DemoUser(BaseModel):
    username: str
    name: str
    role: str
    area_code: str
    unit_code: str | None = None


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


_TOKEN_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["grant_type", "username", "password"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["password"]},
                        "username": {"type": "string"},
                        "password": {"type": "string", "format": "password"},
                    },
                }
            }
        },
    }
}


def create_issuer_app(
    keys_dir: Path,
    users: Sequence[Mapping[str, Any]],
    *,
    issuer: str,
    audience: str = "pingan",
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    throttle: LoginThrottle | None = None,
) -> FastAPI:
    """JWKS, OpenID discovery and an OAuth2 password-grant token endpoint for demo users;
    failed passwords lock the username for a while (auth.throttle)."""
    signing_key = _SigningKey(keys_dir)
    guard = throttle or LoginThrottle()
    users_by_name = {user.username: user for user in map(DemoUser.model_validate, users)}
    base_url = issuer.rstrip("/")
    app = FastAPI(title="Pingan development token issuer")
    install_problem_handlers(app)

    @app.get("/.well-known/jwks.json")
    async def jwks() -> dict[str, Any]:
        return json.loads((keys_dir / JWKS_FILE).read_text())

    @app.get("/.well-known/openid-configuration")
    async def openid_configuration() -> dict[str, Any]:
        return {
            "issuer": issuer,
            "jwks_uri": f"{base_url}/.well-known/jwks.json",
            "token_endpoint": f"{base_url}/token",
            "grant_types_supported": ["password"],
            "token_endpoint_auth_methods_supported": ["none"],
            "id_token_signing_alg_values_supported": [ALGORITHM],
            "response_types_supported": ["token"],
        }

    @app.post(
        "/token",
        response_model=TokenResponse,
        responses=problem_responses(400, 401, 429),
        openapi_extra=_TOKEN_FORM,
    )
    async def token(request: Request) -> JSONResponse:
        form = await _read_form(request)
        if form.get("grant_type") != "password":
            raise ProblemError(
                400, "Bad Request", "grant_type must be password", error="unsupported_grant_type"
            )
        username = form.get("username", "")
        # By name only: the console signs every user in from its own address, so locking
        # addresses here would lock everyone out; the console throttles browser addresses.
        keys = [username_key(username)]
        wait = guard.retry_after(keys)
        if wait:
            raise TooManyAttempts(wait)
        try:
            user = _authenticate(users_by_name, username, form.get("password", ""))
        except Unauthorized:
            guard.failed(keys)
            raise
        guard.succeeded(keys[0])
        claims = _claims(
            subject=user.username, name=user.name, roles=[user.role], area=user.area_code,
            unit=user.unit_code, issuer=issuer, audience=audience, ttl_seconds=ttl_seconds,
        )  # fmt: skip
        body = TokenResponse(access_token=signing_key.sign(claims), expires_in=ttl_seconds)
        # RFC 6749 §5.1: token responses must not be cached.
        return JSONResponse(body.model_dump(), headers={"Cache-Control": "no-store"})

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


async def _read_form(request: Request) -> dict[str, str]:
    # Parsed by hand: FastAPI's Form() needs python-multipart, which this workspace doesn't have.
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise ProblemError(400, "Bad Request", "the form is not UTF-8") from None
    return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}


def _authenticate(users: dict[str, DemoUser], username: str, password: str) -> DemoUser:
    user = users.get(username)
    # Constant-time compare, and the same answer for unknown users and wrong passwords.
    password_ok = hmac.compare_digest(password.encode(), DEMO_PASSWORD.encode())
    if user is None or not password_ok:
        raise Unauthorized("wrong username or password", bearer_error=None, error="invalid_grant")
    return user
