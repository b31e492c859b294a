"""Open311 GeoReport v2 endpoints under /open311/v2 (JSON, and XML for the same resources).

Form-encoded POST as the specification shows it; ``api_key`` as a form or query parameter (or
the X-API-Key header). Posting needs a key; reading does not, as GeoReport v2 clients send none
on GET. Without a key, anyone reads the status of requests submitted through Open311 in the
public groups, public fields only (``mapping.service_request(public=True)``); with its key, a
client reads the requests it submitted itself, with their description and location. A key that
is given must be valid (403 otherwise), on GET too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import ColumnElement, Select, and_, select

from pingan_common.auth import Principal, auth_context, ensure_channel
from pingan_common.events import Channel
from pingan_common.idempotency import IdempotencyKeyHeader
from pingan_common.problems import ProblemError
from pingan_common.refdata import load_county
from pingan_common.runtime import Runtime, get_runtime
from pingan_common.throttling import credential_failed
from pingan_intake.classification.taxonomy import Subcategory, all_subcategories, subcategory
from pingan_intake.models import Ticket
from pingan_intake.open311 import mapping
from pingan_intake.open311.mapping import Open311Error
from pingan_intake.registration.pipeline import register_ticket
from pingan_intake.state import intake_state
from pingan_intake.tickets.search import visible_to
from pingan_intake.tickets.status import FINISHED_STATUSES
from pingan_intake.timeline.entries import timeline_of

router = APIRouter(prefix="/open311/v2", tags=["open311"])

Format = Annotated[str, Path(pattern="^(json|xml)$", description="json or xml")]
JurisdictionId = Annotated[str | None, Query(max_length=64)]
ApiKeyParam = Annotated[str | None, Query(max_length=200, description="The client's API key")]
MAX_FORM_FIELD = 4000
REQUEST_ID = r"^[A-Za-z0-9\-]{1,64}$"
DEFAULT_REQUESTS = 200
MAX_REQUESTS = 1000


@router.get("/services.{fmt}", summary="The service list (our subcategories)")
async def services(
    request: Request, fmt: Format, jurisdiction_id: JurisdictionId = None
) -> Response:
    async def answer() -> Response:
        _check_jurisdiction(request, jurisdiction_id)
        items = [mapping.service(sub) for sub in all_subcategories()]
        return _render(fmt, items, "services", "service")

    return await _open311(fmt, answer)


@router.get("/services/{service_code}.{fmt}", summary="A service definition")
async def service_definition(
    request: Request, service_code: str, fmt: Format, jurisdiction_id: JurisdictionId = None
) -> Response:
    async def answer() -> Response:
        _check_jurisdiction(request, jurisdiction_id)
        definition = mapping.service_definition(_service(service_code, status=404))
        if fmt == "xml":
            return _xml(mapping.to_xml("service_definition", "service", [definition]))
        return JSONResponse(definition)

    return await _open311(fmt, answer)


@router.post(
    "/requests.{fmt}",
    status_code=201,
    summary="Submit a service request (application/x-www-form-urlencoded)",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["service_code", "api_key"],
                        "properties": {
                            name: {"type": "string"} for name in sorted(mapping.REQUEST_FIELDS)
                        },
                    }
                }
            }
        }
    },
)
async def post_request(
    request: Request,
    fmt: Format,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    async def answer() -> Response:
        form = await _form(request)
        _check_jurisdiction(request, form.get("jurisdiction_id"))
        principal = await _client(request, form.get("api_key"))
        ensure_channel(principal, Channel.OPEN311)
        if not form.get("service_code"):
            raise Open311Error(400, "service_code is required")
        label = _service(form["service_code"], status=400).label
        body = mapping.ticket_body(form, label)
        registration = await register_ticket(
            _runtime(request), body=body, principal=principal, idempotency_key=idempotency_key
        )
        number = registration.ticket.ticket_number
        item = {
            "service_request_id": number,
            "service_notice": mapping.SERVICE_NOTICE.format(number=number),
            "account_id": None,
        }
        status = 201 if registration.created else 200
        return _render(fmt, [item], "service_requests", "request", status=status)

    return await _open311(fmt, answer)


@router.get("/requests.{fmt}", summary="Your service requests, newest first")
async def get_requests(
    request: Request,
    fmt: Format,
    jurisdiction_id: JurisdictionId = None,
    api_key: ApiKeyParam = None,
    service_request_id: Annotated[
        str | None, Query(max_length=2000, pattern=r"^[A-Za-z0-9\-, ]+$")
    ] = None,
    service_code: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z0-9_]+$")] = None,
    start_date: Annotated[str | None, Query(max_length=40)] = None,
    end_date: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    async def answer() -> Response:
        _check_jurisdiction(request, jurisdiction_id)
        principal = await _reader(request, api_key)
        query = select(Ticket).where(_readable(principal))
        query = _filtered(query, service_request_id, service_code, start_date, end_date, status)
        limit = MAX_REQUESTS if service_request_id else DEFAULT_REQUESTS
        query = query.order_by(Ticket.registered_at.desc()).limit(limit)
        items = await _requests(_runtime(request), query, public=principal is None)
        return _render(fmt, items, "service_requests", "request")

    return await _open311(fmt, answer)


@router.get("/requests/{service_request_id}.{fmt}", summary="One service request")
async def get_request(
    request: Request,
    service_request_id: Annotated[str, Path(pattern=REQUEST_ID)],
    fmt: Format,
    jurisdiction_id: JurisdictionId = None,
    api_key: ApiKeyParam = None,
) -> Response:
    async def answer() -> Response:
        _check_jurisdiction(request, jurisdiction_id)
        principal = await _reader(request, api_key)
        query = (
            select(Ticket)
            .where(_readable(principal))
            .where(Ticket.ticket_number == service_request_id)
        )
        items = await _requests(_runtime(request), query, public=principal is None)
        if not items:
            raise Open311Error(404, f"no service request {service_request_id}")
        return _render(fmt, items, "service_requests", "request")

    return await _open311(fmt, answer)


# --- helpers -------------------------------------------------------------------------------


async def _open311(fmt: str, answer: Callable[[], Awaitable[Response]]) -> Response:
    """Every failure in the GeoReport error shape (400 where we would say 422)."""
    try:
        return await answer()
    except Open311Error as error:
        return _error(fmt, error)
    except ProblemError as problem:
        status = 400 if problem.status == 422 else problem.status
        return _error(fmt, Open311Error(status, _problem_text(problem)))


def _problem_text(problem: ProblemError) -> str:
    fields = [f"{e['field'].removeprefix('body.')}: {e['message']}" for e in problem.errors or []]
    return "; ".join([problem.detail or problem.title, *fields])


def _error(fmt: str, error: Open311Error) -> Response:
    if fmt == "xml":
        return _xml(mapping.to_xml("errors", "error", error.body()), status=error.status)
    return JSONResponse(error.body(), status_code=error.status)


def _render(
    fmt: str, items: list[dict[str, Any]], root: str, item: str, *, status: int = 200
) -> Response:
    if fmt == "xml":
        return _xml(mapping.to_xml(root, item, items), status=status)
    return JSONResponse(items, status_code=status)


def _xml(text: str, *, status: int = 200) -> Response:
    return Response(text, status_code=status, media_type="text/xml; charset=utf-8")


def _runtime(request: Request) -> Runtime:
    return get_runtime(request)


def _check_jurisdiction(request: Request, jurisdiction_id: str | None) -> None:
    accepted = intake_state(_runtime(request)).settings.open311_jurisdictions
    if jurisdiction_id and jurisdiction_id not in accepted:
        raise Open311Error(404, f"jurisdiction_id {jurisdiction_id} is not served here")


def _service(code: str, *, status: int) -> Subcategory:
    try:
        return subcategory(code)
    except KeyError:
        raise Open311Error(status, f"service_code {code} is not a service of ours") from None


async def _form(request: Request) -> dict[str, str]:
    """The urlencoded body, parsed here (no multipart parser is installed, none is needed)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise Open311Error(400, "send the request as application/x-www-form-urlencoded")
    raw = await request.body()
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise Open311Error(400, "the form is not UTF-8") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise Open311Error(400, f"{key} is given twice")
        if len(value) > MAX_FORM_FIELD:
            raise Open311Error(400, f"{key} is longer than {MAX_FORM_FIELD} characters")
        form[key] = value.strip()
    return form


async def _client(request: Request, api_key: str | None) -> Principal:
    key = api_key or request.headers.get("X-API-Key")
    if not key:
        raise Open311Error(401, "api_key is required")
    resolver = auth_context(request).api_key_resolver
    principal = await resolver(key) if resolver else None
    if principal is None:
        credential_failed(request)  # key guessing locks the address out (throttling)
        raise Open311Error(403, "api_key is not valid")
    return principal


async def _reader(request: Request, api_key: str | None) -> Principal | None:
    """The client reading, when it gives a key; None for the public."""
    if not (api_key or request.headers.get("X-API-Key")):
        return None
    return await _client(request, api_key)


def _readable(principal: Principal | None) -> ColumnElement[bool]:
    if principal is not None:
        return visible_to(principal)
    return and_(
        Ticket.channel == Channel.OPEN311.value,
        Ticket.category_group.in_(sorted(mapping.PUBLIC_GROUPS)),
    )


def _filtered(
    query: Select[tuple[Ticket]],
    request_ids: str | None,
    service_code: str | None,
    start_date: str | None,
    end_date: str | None,
    status: str | None,
) -> Select[tuple[Ticket]]:
    if request_ids:
        ids = [part.strip() for part in request_ids.split(",") if part.strip()]
        query = query.where(Ticket.ticket_number.in_(ids[: mapping.MAX_REQUEST_IDS]))
    if service_code:
        query = query.where(Ticket.category_code == service_code)
    if start_date:
        query = query.where(Ticket.registered_at >= _date(start_date, "start_date"))
    if end_date:
        query = query.where(Ticket.registered_at <= _date(end_date, "end_date"))
    if status:
        closed = Ticket.status.in_(FINISHED_STATUSES)
        if status not in ("open", "closed"):
            raise Open311Error(400, "status is open or closed")
        query = query.where(closed if status == "closed" else ~closed)
    return query


def _date(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} is not a w3c date-time") from None
    if moment.tzinfo is None:
        raise Open311Error(400, f"{name} needs a time zone")
    return moment


async def _requests(
    runtime: Runtime, query: Select[tuple[Ticket]], *, public: bool
) -> list[dict[str, Any]]:
    default_agency = _command_center()
    items = []
    async with runtime.transaction(one_snapshot=True) as session:
        for ticket in await session.scalars(query):
            timeline = await timeline_of(session, ticket.id)
            agency = mapping.agency_responsible(timeline, default_agency)
            items.append(mapping.service_request(ticket, timeline, agency, public=public))
    return items


def _command_center() -> str:
    centers = load_county().units_of_kind("command_center")
    return centers[0].name if centers else "社会治理指挥中心"
