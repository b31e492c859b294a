"""Authentication and authorization shared by every Pingan service."""

from pingan_common.auth.dependencies import (
    API_KEY_HEADER,
    ApiKeyResolver,
    AuthContext,
    CurrentPrincipal,
    CurrentPrincipalOrApiClient,
    TokenVerifier,
    api_key_scheme,
    auth_context,
    bearer_scheme,
    ensure_area,
    ensure_channel,
    ensure_county_wide,
    ensure_visible,
    require,
)
from pingan_common.auth.jwt import JwksUnavailable, JwtVerifier, principal_from_claims
from pingan_common.auth.masking import (
    mask_contacts_in_text,
    mask_id_number,
    mask_name,
    mask_phone,
)
from pingan_common.auth.principal import COUNTY_CODE_LENGTH, Principal, PrincipalKind, Role
from pingan_common.auth.settings import AuthSettings

__all__ = [
    "API_KEY_HEADER",
    "COUNTY_CODE_LENGTH",
    "ApiKeyResolver",
    "AuthContext",
    "AuthSettings",
    "CurrentPrincipal",
    "CurrentPrincipalOrApiClient",
    "JwksUnavailable",
    "JwtVerifier",
    "Principal",
    "PrincipalKind",
    "Role",
    "TokenVerifier",
    "api_key_scheme",
    "auth_context",
    "bearer_scheme",
    "ensure_area",
    "ensure_channel",
    "ensure_county_wide",
    "ensure_visible",
    "mask_contacts_in_text",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "principal_from_claims",
    "require",
]
