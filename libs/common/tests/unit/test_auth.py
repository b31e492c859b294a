"""Bearer tokens, API keys, roles and area scope, and the development issuer."""

import base64
import json
import os
import stat
import time
from pathlib import Path

import httpx
import jwt
import pytest
from fastapi import Depends, FastAPI

from pingan_common.auth import (
    AuthContext,
    AuthSettings,
    CurrentPrincipal,
    JwksUnavailable,
    JwtVerifier,
    Principal,
    Role,
    ensure_area,
    principal_from_claims,
    require,
)
from pingan_common.auth.dev_issuer import (
    DEMO_PASSWORD,
    JWKS_FILE,
    PRIVATE_KEY_FILE,
    create_issuer_app,
    ensure_keys,
    issue_token,
)
from pingan_common.problems import PROBLEM_MEDIA_TYPE, Unauthorized, install_problem_handlers

ISSUER = "http://127.0.0.1:8009"
COUNTY = "331199"
TOWNSHIP = "331199001"
VILLAGE = "331199001002"
VIDEO_AI_KEY = "key-video-ai"

DEMO_USERS = [
    {
        "username": "dispatcher1",
        "name": "王派单",
        "role": "dispatcher",
        "area_code": COUNTY,
        "unit_code": "331199-ZHZX",
    },
    {
        "username": "grid1",
        "name": "李网格",
        "role": "grid_worker",
        "area_code": VILLAGE + "01",
        "unit_code": None,
    },
]


@pytest.fixture(scope="module")
def keys_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("keys")
    ensure_keys(directory)
    return directory


@pytest.fixture(scope="module")
def other_keys_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("other-keys")
    ensure_keys(directory)
    return directory


def settings_for(keys_dir: Path, **overrides) -> AuthSettings:
    return AuthSettings(issuer=ISSUER, jwks_file=str(keys_dir / JWKS_FILE), **overrides)


def token(keys_dir: Path, *, roles=("dispatcher",), area=TOWNSHIP, **overrides) -> str:
    claims = {
        "subject": "u-1",
        "name": "张三丰",
        "roles": list(roles),
        "area": area,
        "unit": "331199001-ZZB",
        "issuer": ISSUER,
    }
    return issue_token(keys_dir, **(claims | overrides))


async def resolve_api_key(key: str) -> Principal | None:
    if key != VIDEO_AI_KEY:
        return None
    return Principal(
        subject="client-video-ai",
        name="视频AI",
        kind="api_client",
        channels={"video_ai"},
        area_codes=(TOWNSHIP,),
    )


def build_app(keys_dir: Path) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.auth = AuthContext(JwtVerifier(settings_for(keys_dir)), resolve_api_key)

    @app.get("/v1/me")
    async def me(principal: CurrentPrincipal) -> dict:
        return {"subject": principal.subject, "roles": sorted(principal.roles)}

    @app.post("/v1/tasks/{task_id}/escalate")
    async def escalate(
        task_id: str, principal: Principal = Depends(require(Role.DISPATCHER, Role.LEADER))
    ) -> dict:
        return {"escalated_by": principal.subject}

    @app.post("/v1/tickets")
    async def submit(
        principal: Principal = Depends(require(Role.OPERATOR, allow_api_key=True)),
    ) -> dict:
        return {"kind": principal.kind, "subject": principal.subject}

    @app.get("/v1/areas/{area_code}/events")
    async def area_events(area_code: str, principal: CurrentPrincipal) -> dict:
        ensure_area(principal, area_code)
        return {"area": area_code}

    return app


@pytest.fixture(scope="module")
async def client(keys_dir):
    transport = httpx.ASGITransport(app=build_app(keys_dir))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        yield http


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def assert_unauthorized(response: httpx.Response, detail: str) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["detail"] == detail


# --- 401 ---------------------------------------------------------------------------------------


async def test_no_credentials_is_401_with_bearer_challenge(client):
    response = await client.get("/v1/me")
    assert_unauthorized(response, "missing credentials")
    assert response.headers["www-authenticate"] == "Bearer"  # RFC 6750: no error code here
    assert response.json()["instance"] == "/v1/me"


async def test_other_authorization_scheme_is_401(client):
    response = await client.get("/v1/me", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert_unauthorized(response, "expected a Bearer token")


async def test_expired_token_is_401(client, keys_dir):
    expired = token(keys_dir, ttl_seconds=-120)  # beyond the 30 s leeway
    response = await client.get("/v1/me", headers=bearer(expired))
    assert_unauthorized(response, "token expired")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_token_within_leeway_is_accepted(client, keys_dir):
    just_expired = token(keys_dir, ttl_seconds=-5)
    assert (await client.get("/v1/me", headers=bearer(just_expired))).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "detail"),
    [
        ({"issuer": "http://evil.example"}, "wrong issuer"),
        ({"audience": "someone-else"}, "wrong audience"),
    ],
)
async def test_wrong_issuer_or_audience_is_401(client, keys_dir, overrides, detail):
    response = await client.get("/v1/me", headers=bearer(token(keys_dir, **overrides)))
    assert_unauthorized(response, detail)


def with_payload(signed: str, **changes) -> str:
    header, payload, signature = signed.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = json.dumps(claims | changes).encode()
    forged_payload = base64.urlsafe_b64encode(forged).rstrip(b"=").decode()
    return f"{header}.{forged_payload}.{signature}"


async def test_tampered_token_is_401_bad_signature(client, keys_dir):
    forged = with_payload(token(keys_dir, roles=["grid_worker"]), roles=["admin"], area=COUNTY)
    assert_unauthorized(await client.get("/v1/me", headers=bearer(forged)), "bad signature")


async def test_token_from_another_key_is_401_unknown_key(client, other_keys_dir):
    stranger = token(other_keys_dir)
    assert_unauthorized(await client.get("/v1/me", headers=bearer(stranger)), "unknown key id")


async def test_unsigned_token_is_401(client, keys_dir):
    kid = json.loads((keys_dir / JWKS_FILE).read_text())["keys"][0]["kid"]
    claims = {"iss": ISSUER, "aud": "pingan", "sub": "u", "exp": 4_000_000_000}
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": kid})
    response = await client.get("/v1/me", headers=bearer(unsigned))
    assert_unauthorized(response, "algorithm not allowed")


async def test_garbage_token_is_401(client):
    assert_unauthorized(await client.get("/v1/me", headers=bearer("not-a-jwt")), "malformed token")


# --- roles -------------------------------------------------------------------------------------


async def test_right_role_is_200(client, keys_dir):
    response = await client.post("/v1/tasks/T-1/escalate", headers=bearer(token(keys_dir)))
    assert response.status_code == 200
    assert response.json() == {"escalated_by": "u-1"}


async def test_wrong_role_is_403_naming_the_required_roles(client, keys_dir):
    grid_worker = token(keys_dir, roles=["grid_worker"])
    response = await client.post("/v1/tasks/T-1/escalate", headers=bearer(grid_worker))
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["required_roles"] == ["dispatcher", "leader"]
    assert "dispatcher" in body["detail"] and "leader" in body["detail"]


async def test_no_roles_named_means_any_authenticated_user(client, keys_dir):
    response = await client.get("/v1/me", headers=bearer(token(keys_dir, roles=[])))
    assert response.status_code == 200


def test_keycloak_realm_roles_are_used_when_roles_is_absent():
    claims = {"sub": "kc-1", "preferred_username": "zhang", "realm_access": {"roles": ["analyst"]}}
    principal = principal_from_claims(claims)
    assert principal.has_role(Role.ANALYST)
    assert principal.name == "zhang"
    assert principal.area_prefixes == ()  # no area claim: covers nothing


def test_malformed_roles_claim_is_rejected():
    with pytest.raises(Unauthorized):
        principal_from_claims({"sub": "u", "roles": "admin"})


# --- area scope --------------------------------------------------------------------------------


def test_area_coverage_is_by_code_prefix():
    township_user = Principal(subject="u", name="n", area_code=TOWNSHIP)
    assert township_user.covers_area(TOWNSHIP)
    assert township_user.covers_area(VILLAGE)
    assert township_user.covers_area(VILLAGE + "07")
    assert not township_user.covers_area("331199002001")
    assert not township_user.covers_area(COUNTY)
    assert not township_user.covers_area(None)

    county_user = Principal(subject="u", name="n", area_code=COUNTY)
    assert county_user.covers_area("331199002001")
    assert county_user.covers_area(None)  # unlocated records belong to the county center
    assert not county_user.covers_area("331200001")

    api_client = Principal(
        subject="c", name="c", kind="api_client", area_codes=(TOWNSHIP, "331199003")
    )
    assert api_client.covers_area("331199003004") and api_client.covers_area(VILLAGE)
    assert not api_client.covers_area("331199002")
    assert not Principal(subject="u", name="n").covers_area(VILLAGE)  # no area: nothing


async def test_ensure_area_gives_403_outside_scope(client, keys_dir):
    township_user = bearer(token(keys_dir, area=TOWNSHIP))
    inside = await client.get(f"/v1/areas/{VILLAGE}/events", headers=township_user)
    outside = await client.get("/v1/areas/331199002001/events", headers=township_user)
    assert inside.status_code == 200
    assert outside.status_code == 403
    assert outside.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert "331199002" not in outside.json()["detail"]  # no enumeration oracle (issue 12)


# --- API keys ----------------------------------------------------------------------------------


async def test_api_key_is_accepted_where_allowed(client):
    response = await client.post("/v1/tickets", headers={"X-API-Key": VIDEO_AI_KEY})
    assert response.status_code == 200
    assert response.json() == {"kind": "api_client", "subject": "client-video-ai"}


async def test_api_key_is_refused_where_not_allowed(client):
    response = await client.get("/v1/me", headers={"X-API-Key": VIDEO_AI_KEY})
    assert_unauthorized(response, "API keys are not accepted here; use a bearer token")


async def test_unknown_api_key_is_401(client):
    response = await client.post("/v1/tickets", headers={"X-API-Key": "guessed"})
    assert_unauthorized(response, "unknown API key")


async def test_staff_token_still_works_where_api_keys_are_allowed(client, keys_dir):
    operator = bearer(token(keys_dir, roles=["operator"]))
    response = await client.post("/v1/tickets", headers=operator)
    assert response.json() == {"kind": "user", "subject": "u-1"}


class ClientTokenVerifier:
    """Stands in for a verifier that accepted an OAuth2 client-credentials token."""

    async def verify(self, token: str) -> Principal:
        return Principal(subject="client-12345", name="省级12345平台", kind="api_client")


async def test_api_client_token_is_403_on_staff_routes():
    app = FastAPI()
    install_problem_handlers(app)
    app.state.auth = AuthContext(ClientTokenVerifier())

    @app.get("/v1/me")
    async def me(principal: CurrentPrincipal) -> dict:
        return {}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get("/v1/me", headers=bearer("client-token"))
    assert response.status_code == 403
    assert response.json()["detail"] == "third-party systems may not call this endpoint"


async def test_openapi_offers_both_schemes_only_where_allowed(client):
    spec = (await client.get("/openapi.json")).json()
    assert set(spec["components"]["securitySchemes"]) == {"HTTPBearer", "APIKeyHeader"}
    submit_security = spec["paths"]["/v1/tickets"]["post"]["security"]
    me_security = spec["paths"]["/v1/me"]["get"]["security"]
    assert {"APIKeyHeader": []} in submit_security
    assert me_security == [{"HTTPBearer": []}]


# --- key files ---------------------------------------------------------------------------------


def test_ensure_keys_is_idempotent_and_private_key_is_owner_only(tmp_path):
    ensure_keys(tmp_path)
    first = (tmp_path / JWKS_FILE).read_text()
    ensure_keys(tmp_path)
    assert (tmp_path / JWKS_FILE).read_text() == first
    assert stat.S_IMODE((tmp_path / PRIVATE_KEY_FILE).stat().st_mode) == 0o600
    [key] = json.loads(first)["keys"]
    assert key["kid"] and key["alg"] == "RS256" and "d" not in key


async def test_jwks_file_is_reloaded_when_it_changes(tmp_path, keys_dir, other_keys_dir):
    published = tmp_path / JWKS_FILE
    published.write_text((keys_dir / JWKS_FILE).read_text())
    verifier = JwtVerifier(AuthSettings(issuer=ISSUER, jwks_file=str(published)))
    assert (await verifier.verify(token(keys_dir))).subject == "u-1"

    # Rotation: the issuer publishes a new key set; tokens signed with the new key now verify.
    rotated = tmp_path / "rotated.json"
    rotated.write_text((other_keys_dir / JWKS_FILE).read_text())
    os.replace(rotated, published)
    assert (await verifier.verify(token(other_keys_dir))).subject == "u-1"


def test_settings_refuse_symmetric_and_none_algorithms():
    for algorithms in (["HS256"], ["none"], []):
        with pytest.raises(ValueError):
            AuthSettings(algorithms=algorithms)


# --- the development issuer --------------------------------------------------------------------


@pytest.fixture(scope="module")
async def issuer_client(keys_dir):
    app = create_issuer_app(keys_dir, DEMO_USERS, issuer=ISSUER)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as http:
        yield http


async def password_grant(issuer_client, username: str, password: str) -> httpx.Response:
    form = {"grant_type": "password", "username": username, "password": password}
    return await issuer_client.post("/token", data=form)


async def test_issued_token_verifies_with_the_jwks_file(issuer_client, keys_dir):
    response = await password_grant(issuer_client, "dispatcher1", DEMO_PASSWORD)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 12 * 3600

    principal = await JwtVerifier(settings_for(keys_dir)).verify(body["access_token"])
    assert principal == Principal(
        subject="dispatcher1",
        name="王派单",
        roles={"dispatcher"},
        area_code=COUNTY,
        unit_code="331199-ZHZX",
    )
    assert principal.expires_at is not None
    assert abs(principal.expires_at - (time.time() + 12 * 3600)) < 60


async def test_issued_token_verifies_with_keys_fetched_from_the_issuer(issuer_client):
    response = await password_grant(issuer_client, "grid1", DEMO_PASSWORD)
    settings = AuthSettings(issuer=ISSUER)  # no file: keys from <issuer>/.well-known/jwks.json
    verifier = JwtVerifier(settings, http_client=issuer_client)
    principal = await verifier.verify(response.json()["access_token"])
    assert principal.has_role(Role.GRID_WORKER) and principal.unit_code is None
    assert principal.covers_area(VILLAGE + "01") and not principal.covers_area(VILLAGE + "02")


async def test_unreachable_jwks_url_is_503(keys_dir):
    failing = httpx.MockTransport(lambda request: httpx.Response(502))
    async with httpx.AsyncClient(transport=failing) as http:
        verifier = JwtVerifier(AuthSettings(issuer=ISSUER), http_client=http)
        with pytest.raises(JwksUnavailable) as caught:
            await verifier.verify(token(keys_dir))
    assert caught.value.status == 503


@pytest.mark.parametrize(
    ("username", "password"), [("dispatcher1", "wrong"), ("nobody", DEMO_PASSWORD)]
)
async def test_wrong_credentials_are_401_problem(issuer_client, username, password):
    response = await password_grant(issuer_client, username, password)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["detail"] == "wrong username or password"


async def test_other_grant_types_are_400(issuer_client):
    response = await issuer_client.post("/token", data={"grant_type": "client_credentials"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


async def test_openid_configuration_points_at_jwks_and_token(issuer_client):
    config = (await issuer_client.get("/.well-known/openid-configuration")).json()
    assert config["issuer"] == ISSUER
    assert config["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
    assert config["token_endpoint"] == f"{ISSUER}/token"
    jwks = (await issuer_client.get("/.well-known/jwks.json")).json()
    assert all("d" not in key for key in jwks["keys"])


async def test_repeated_wrong_passwords_lock_the_name_even_for_the_right_one(keys_dir):
    app = create_issuer_app(keys_dir, DEMO_USERS, issuer=ISSUER)
    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 5000))
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as http:
        for _ in range(5):
            assert (await password_grant(http, "dispatcher1", "guess")).status_code == 401
        locked = await password_grant(http, "dispatcher1", DEMO_PASSWORD)
        assert locked.status_code == 429
        assert int(locked.headers["retry-after"]) > 0
        assert locked.json()["error"] == "temporarily_locked"
        assert "access_token" not in locked.json()
    other_address = httpx.ASGITransport(app=app, client=("10.9.9.9", 5000))
    async with httpx.AsyncClient(transport=other_address, base_url=ISSUER) as http:
        # the name stays locked wherever the next attempt comes from
        assert (await password_grant(http, "dispatcher1", DEMO_PASSWORD)).status_code == 429
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as http:
        # ...and other names from the guesser's address are not locked: the console signs
        # everyone in from one address, which must not lock the county out
        assert (await password_grant(http, "grid1", DEMO_PASSWORD)).status_code == 200
