"""FastAPI dependencies: who is calling, and may they call this route?

Nothing is built at import time: the verifier and the API-key resolver are read from
``request.app.state.auth`` (an ``AuthContext``) on each request, so services set it up in their
lifespan and tests pass their own.

Roles restrict staff users. Third-party systems (API key, or a client token with
``kind: api_client``) are admitted only where ``allow_api_key=True``, whatever roles the route
names; what they may submit is scoped by their channels and areas (``ensure_channel``,
``ensure_area``), not by roles.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

# A module import, not a name: throttling imports auth.throttle, which runs this package's init.
from pingan_common import throttling
from pingan_common.auth.principal import Principal
from pingan_common.problems import Forbidden, NotFound, Unauthorized

API_KEY_HEADER = "X-API-Key"


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Principal: ...


ApiKeyResolver = Callable[[str], Awaitable[Principal | None]]


@dataclass
class AuthContext:
    verifier: TokenVerifier
    api_key_resolver: ApiKeyResolver | None = None


# auto_error=False: we answer missing credentials ourselves, as a problem with a clear detail.
bearer_scheme = HTTPBearer(auto_error=False, description="JWT from the Pingan issuer (staff users)")
api_key_scheme = APIKeyHeader(
    name=API_KEY_HEADER, auto_error=False, description="Key of a third-party system"
)


def auth_context(request: Request) -> AuthContext:
    context = getattr(request.app.state, "auth", None)
    if not isinstance(context, AuthContext):
        raise RuntimeError("app.state.auth must be an AuthContext; set it when building the app")
    return context


def require(*roles: str, allow_api_key: bool = False) -> Callable[..., Awaitable[Principal]]:
    """A dependency yielding the authenticated Principal.

    401 without valid credentials; 403 when a user holds none of ``roles`` (any role will do
    when none are named) or an API client calls a route that doesn't allow them.
    """
    required = tuple(str(role) for role in roles)

    # Two signatures so /docs offers the API-key scheme only on routes that accept it.
    async def bearer_or_api_key(
        request: Request,
        bearer: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),
        api_key: str | None = Depends(api_key_scheme),
    ) -> Principal:
        principal = await _authenticate(request, bearer, api_key)
        return _authorize(request, principal, required, allow_api_key=True)

    async def bearer_only(
        request: Request,
        bearer: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),
    ) -> Principal:
        principal = await _authenticate(request, bearer, None)
        return _authorize(request, principal, required, allow_api_key=False)

    return bearer_or_api_key if allow_api_key else bearer_only


async def _authenticate(
    request: Request, bearer: HTTPAuthorizationCredentials | None, api_key: str | None
) -> Principal:
    context = auth_context(request)
    if bearer is not None and api_key is not None:
        raise Unauthorized("send either a bearer token or an API key, not both")
    if bearer is not None:
        return await context.verifier.verify(bearer.credentials)
    if api_key is not None:
        return await _resolve_api_key(request, context, api_key)
    if request.headers.get(API_KEY_HEADER):
        raise Unauthorized("API keys are not accepted here; use a bearer token", bearer_error=None)
    if request.headers.get("Authorization"):
        raise Unauthorized("expected a Bearer token", bearer_error="invalid_request")
    raise Unauthorized("missing credentials", bearer_error=None)


async def _resolve_api_key(request: Request, context: AuthContext, api_key: str) -> Principal:
    if context.api_key_resolver is None:
        raise Unauthorized("API keys are not enabled on this service", bearer_error=None)
    principal = await context.api_key_resolver(api_key)
    if principal is None:
        throttling.credential_failed(request)  # key guessing locks the address out (throttling)
        raise Unauthorized("unknown API key", bearer_error=None)
    return principal


def _authorize(
    request: Request, principal: Principal, required: tuple[str, ...], *, allow_api_key: bool
) -> Principal:
    if principal.kind == "api_client":
        if not allow_api_key:
            raise Forbidden("third-party systems may not call this endpoint")
    elif required and not principal.has_role(*required):
        raise Forbidden(
            f"requires one of the roles: {', '.join(required)}", required_roles=list(required)
        )
    # Kept on the request for access logs and audit records.
    request.state.principal = principal
    return principal


def ensure_area(principal: Principal, area_code: str | None) -> None:
    """403 unless the principal's area scope covers ``area_code``.

    The refusal never names the area: on a record the caller may not see, that would tell
    where the record is (an enumeration oracle on sequential ticket numbers, issue 12)."""
    if principal.covers_area(area_code):
        return
    if area_code is None:
        raise Forbidden("records without an area are visible county-wide only")
    raise Forbidden("this record's area is outside your scope")


def ensure_visible(
    principal: Principal, area_code: str | None, what: str, identifier: object
) -> None:
    """404, as for a record that does not exist, unless the principal's scope covers the
    record's area: a refusal must not tell that another area's record is there (issue 12, the
    existence oracle on sequential numbers). ``identifier`` is what the caller asked for.

    For records the caller asked for by id; a caller creating or moving something into an area
    it does not cover gets ensure_area's 403, since there is nothing to hide."""
    if not principal.covers_area(area_code):
        raise NotFound(what, identifier)


def ensure_county_wide(principal: Principal, what: str) -> None:
    """403 unless the principal's scope is the whole county: for what belongs to the county as a
    whole (its routing rules), which a township's admin must not change."""
    if not principal.is_county_wide:
        raise Forbidden(f"{what} can be changed by county-level staff only")


def ensure_channel(principal: Principal, channel: str) -> None:
    """403 when an API client submits on a channel it isn't registered for; users pass."""
    if principal.kind == "api_client" and channel not in principal.channels:
        raise Forbidden(f"this client may not submit on channel {channel}")


CurrentPrincipal = Annotated[Principal, Depends(require())]
"""Any authenticated staff user."""

CurrentPrincipalOrApiClient = Annotated[Principal, Depends(require(allow_api_key=True))]
"""Any authenticated staff user or third-party system."""
