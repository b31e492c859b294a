"""Every error of an app with install_problem_handlers is an RFC 9457 problem."""

import logging

import httpx
import pytest
from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel, Field

from pingan_common.problems import (
    PROBLEM_MEDIA_TYPE,
    PROBLEM_TYPE_PREFIX,
    Conflict,
    NotFound,
    ProblemError,
    UnprocessableEntity,
    install_problem_handlers,
    problem_responses,
)

SECRET = "db password hunter2 for 13812341234"


class Caller(BaseModel):
    name: str
    phone: str = Field(pattern=r"^\+?[0-9-]{3,20}$")


class NewTicket(BaseModel):
    caller: Caller
    summary: str = Field(max_length=200)


def build_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.middleware("http")
    async def assign_request_id(request: Request, call_next):
        request.state.request_id = request.headers.get("X-Request-ID")
        return await call_next(request)

    @app.post("/v1/tickets", status_code=201, responses=problem_responses(409))
    async def create_ticket(ticket: NewTicket) -> dict:
        return {"summary": ticket.summary}

    @app.get("/v1/tickets/{ticket_id}", responses=problem_responses(404))
    async def get_ticket(ticket_id: str) -> dict:
        raise NotFound("ticket", ticket_id)

    @app.get("/v1/items")
    async def list_items(limit: int = 10) -> dict:
        return {"limit": limit}

    @app.post("/v1/tickets/{ticket_id}/assign")
    async def assign(ticket_id: str) -> dict:
        raise Conflict("ticket is already assigned", current_status="assigned")

    @app.post("/v1/areas")
    async def create_area() -> dict:
        raise UnprocessableEntity(
            "area is outside the county",
            errors=[{"field": "body.code", "message": "not in 3311", "type": "area"}],
        )

    @app.get("/v1/teapot")
    async def teapot() -> dict:
        raise HTTPException(status_code=418, detail="short and stout")

    @app.get("/v1/boom")
    async def boom() -> dict:
        raise RuntimeError(SECRET)

    @app.get("/v1/database-down/{how}")
    async def database_down(how: str) -> dict:
        if how == "refused":
            raise ConnectionRefusedError(111, "Connect call failed")
        if how == "shutting-down":
            raise AdminShutdownError("terminating connection due to administrator command")
        try:
            raise AdminShutdownError("terminating connection")
        except AdminShutdownError as cause:  # as SQLAlchemy wraps the driver's error
            raise RuntimeError("(sqlalchemy.dialects.postgresql.asyncpg.Error)") from cause

    return app


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=build_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        yield http


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["status"] == status
    for member in ("type", "title", "detail", "instance"):
        assert isinstance(body[member], str) and body[member]
    return body


async def test_problem_error_carries_path_and_request_id(client):
    response = await client.get(
        "/v1/tickets/T-1?phone=13812341234", headers={"X-Request-ID": "r-42"}
    )
    body = assert_problem(response, 404)
    assert body["type"] == "about:blank"
    assert body["title"] == "Not Found"
    assert body["detail"] == "ticket T-1 not found"
    assert body["instance"] == "/v1/tickets/T-1"  # no query string: it may hold personal data
    assert body["request_id"] == "r-42"


async def test_request_id_is_left_out_when_there_is_none(client):
    body = assert_problem(await client.get("/v1/tickets/T-1"), 404)
    assert "request_id" not in body


async def test_conflict_keeps_extension_members(client):
    body = assert_problem(await client.post("/v1/tickets/T-1/assign"), 409)
    assert body["detail"] == "ticket is already assigned"
    assert body["current_status"] == "assigned"


async def test_unprocessable_entity_has_type_and_errors(client):
    body = assert_problem(await client.post("/v1/areas"), 422)
    assert body["type"] == PROBLEM_TYPE_PREFIX + "validation-error"
    assert body["errors"][0]["field"] == "body.code"


async def test_validation_error_names_the_nested_field_without_echoing_input(client):
    huge = "9" * 50_000
    ticket = {"caller": {"name": "张三", "phone": huge}, "summary": "噪音扰民"}
    body = assert_problem(await client.post("/v1/tickets", json=ticket), 422)
    assert body["type"] == PROBLEM_TYPE_PREFIX + "validation-error"
    assert body["errors"] == [
        {
            "field": "body.caller.phone",
            "message": body["errors"][0]["message"],
            "type": "string_pattern_mismatch",
        }
    ]
    assert "body.caller.phone" in body["detail"]
    assert huge not in (await client.post("/v1/tickets", json=ticket)).text


async def test_validation_error_lists_every_bad_field(client):
    ticket = {"caller": {"phone": "abc"}, "summary": "x" * 201}
    body = assert_problem(await client.post("/v1/tickets", json=ticket), 422)
    fields = {error["field"] for error in body["errors"]}
    assert fields == {"body.caller.name", "body.caller.phone", "body.summary"}


async def test_query_parameter_errors_name_the_parameter(client):
    body = assert_problem(await client.get("/v1/items", params={"limit": "many"}), 422)
    assert body["errors"][0]["field"] == "query.limit"


async def test_malformed_json_is_a_400_problem(client):
    response = await client.post(
        "/v1/tickets",
        content=b'{"caller": {"name": "x",}',
        headers={"Content-Type": "application/json"},
    )
    body = assert_problem(response, 400)
    assert body["type"] == PROBLEM_TYPE_PREFIX + "malformed-json"
    assert "not valid JSON" in body["detail"]
    assert body["errors"][0]["type"] == "json_invalid"


async def test_unknown_route_is_a_404_problem(client):
    body = assert_problem(await client.get("/v1/nowhere"), 404)
    assert body["instance"] == "/v1/nowhere"
    assert body["type"] == "about:blank"


async def test_wrong_method_is_a_405_problem_with_allow(client):
    response = await client.delete("/v1/items")
    body = assert_problem(response, 405)
    assert response.headers["allow"] == "GET"
    assert "DELETE" in body["detail"]


async def test_http_exception_detail_is_kept(client):
    body = assert_problem(await client.get("/v1/teapot"), 418)
    assert body["detail"] == "short and stout"


async def test_unhandled_exception_is_a_generic_500_and_logged(client, caplog):
    with caplog.at_level(logging.ERROR, logger="pingan.problems"):
        response = await client.get("/v1/boom", headers={"X-Request-ID": "r-500"})
    body = assert_problem(response, 500)
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    assert body["request_id"] == "r-500"
    [record] = [r for r in caplog.records if r.name == "pingan.problems"]
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError
    assert "/v1/boom" in record.getMessage()


class AdminShutdownError(Exception):
    """Named like asyncpg's, which the handler recognises by name."""


@pytest.mark.parametrize("how", ["refused", "shutting-down", "wrapped"])
async def test_a_database_that_is_down_is_a_503_to_retry_not_a_500(client, caplog, how):
    with caplog.at_level(logging.WARNING, logger="pingan.problems"):
        response = await client.get(f"/v1/database-down/{how}")

    body = assert_problem(response, 503)
    assert response.headers["retry-after"] == "1"
    assert "retry" in body["detail"]
    [record] = [r for r in caplog.records if r.name == "pingan.problems"]
    assert record.levelno == logging.WARNING and record.exc_info is None


def test_extensions_may_not_replace_standard_members():
    with pytest.raises(TypeError):
        ProblemError(400, "Bad Request", instance="/elsewhere")


async def test_openapi_documents_problems(client):
    spec = (await client.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    assert "Problem" in schemas and "ProblemFieldError" in schemas
    assert "HTTPValidationError" not in schemas

    not_found = spec["paths"]["/v1/tickets/{ticket_id}"]["get"]["responses"]["404"]
    assert list(not_found["content"]) == [PROBLEM_MEDIA_TYPE]
    assert not_found["content"][PROBLEM_MEDIA_TYPE]["schema"]["$ref"].endswith("/Problem")
    assert not_found["content"][PROBLEM_MEDIA_TYPE]["example"]["status"] == 404

    create = spec["paths"]["/v1/tickets"]["post"]["responses"]
    assert list(create["422"]["content"]) == [PROBLEM_MEDIA_TYPE]
    assert list(create["409"]["content"]) == [PROBLEM_MEDIA_TYPE]
    assert list(create["201"]["content"]) == ["application/json"]
