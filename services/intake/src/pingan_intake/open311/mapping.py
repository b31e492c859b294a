"""Open311 GeoReport v2 mapped onto intake (pure: no I/O).

- A service is one of our subcategories: ``service_code`` is the taxonomy code.
- A service request is a ticket on channel ``open311``: ``service_request_id`` is the ticket
  number. The submitter's chosen service becomes the ticket's category, except that the
  classifier still raises threats and police matters from the text.
- ``status`` is ``open`` or ``closed`` from our ticket status; ``status_notes`` a public sentence
  for the status (``PUBLIC_NOTES``), never the timeline's own text, which names staff and
  internal notices ("已通知 leader1：红色预警…"); ``agency_responsible`` the unit holding the task
  (else the command center).
- Reading needs no key (GeoReport v2 sends none on GET). Without one, only requests submitted
  through Open311 in the public groups (``PUBLIC_GROUPS``) are shown, with the public fields
  only: status, notes, service, agency and times. With its key, the submitting client also sees
  its requests' description, address, point and media.
- Errors are the GeoReport array ``[{"code": 400, "description": "…"}]``. JSON is the main format;
  XML is rendered from the same dictionaries.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

from pydantic import ValidationError

from pingan_intake.classification.taxonomy import Subcategory
from pingan_intake.models import Ticket, TimelineEntry
from pingan_intake.registration.schemas import TicketCreate
from pingan_intake.tickets.status import FINISHED_STATUSES

SERVICE_NOTICE = "已受理，工单号 {number}；可凭工单号查询办理进度。"
MAX_REQUEST_IDS = 100
# Form fields a request may carry (GeoReport v2 §POST Service Request) and our own api_key.
REQUEST_FIELDS = frozenset(
    {
        "jurisdiction_id",
        "service_code",
        "lat",
        "long",
        "address_string",
        "address_id",
        "email",
        "device_id",
        "account_id",
        "first_name",
        "last_name",
        "phone",
        "description",
        "media_url",
        "api_key",
    }
)


class Open311Error(Exception):
    """Answered as ``[{"code": status, "description": …}]`` with that HTTP status."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description

    def body(self) -> list[dict[str, Any]]:
        return [{"code": self.status, "description": self.description}]


def service(sub: Subcategory) -> dict[str, Any]:
    return {
        "service_code": sub.code,
        "service_name": sub.label,
        "description": f"{sub.group.label}：{sub.label}",
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(sub.keywords[:5]),
        "group": sub.group.label,
    }


def service_definition(sub: Subcategory) -> dict[str, Any]:
    return {"service_code": sub.code, "attributes": []}


def ticket_body(form: Mapping[str, str], service_label: str) -> TicketCreate:
    """A TicketCreate from the form fields; Open311Error(400) naming what is wrong."""
    unknown = sorted(key for key in form if key not in REQUEST_FIELDS and not _attribute(key))
    if unknown:
        raise Open311Error(400, f"unknown field(s): {', '.join(unknown[:5])}")
    has_point = form.get("lat") or form.get("long")
    if not (has_point or form.get("address_string") or form.get("address_id")):
        raise Open311Error(400, "a location is required: lat and long, or address_string")
    raw: dict[str, Any] = {
        "channel": "open311",
        "description": form.get("description") or service_label,
        "category_code": form["service_code"],
        "caller": _caller(form),
        "location": _location(form),
        "attachments": _attachments(form.get("media_url")),
    }
    try:
        return TicketCreate.model_validate(raw)
    except ValidationError as error:
        raise Open311Error(400, _describe(error)) from None


def _attribute(key: str) -> bool:
    return key.startswith("attribute[") and key.endswith("]")


def _caller(form: Mapping[str, str]) -> dict[str, Any]:
    name = " ".join(part for part in (form.get("last_name"), form.get("first_name")) if part)
    return {"name": name or None, "phone": form.get("phone") or None}


def _location(form: Mapping[str, str]) -> dict[str, Any]:
    location: dict[str, Any] = {"address": form.get("address_string") or None}
    if form.get("lat") or form.get("long"):
        location["lat"] = form.get("lat")
        location["lon"] = form.get("long")
    return location


def _attachments(media_url: str | None) -> list[dict[str, Any]]:
    if not media_url:
        return []
    name = urlsplit(media_url).path.rsplit("/", 1)[-1] or "media"
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return [{"file_name": name, "content_type": content_type, "size_bytes": 0, "url": media_url}]


_OPEN311_NAMES = {
    "location.lon": "long",
    "location.lat": "lat",
    "location.address": "address_string",
    "caller.phone": "phone",
    "caller.name": "first_name/last_name",
    "attachments": "media_url",
    "category_code": "service_code",
}


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:5]:
        field = ".".join(str(p) for p in item["loc"] if not isinstance(p, int))
        name = next((v for k, v in _OPEN311_NAMES.items() if field.startswith(k)), field)
        parts.append(f"{name}: {item['msg']}")
    return "; ".join(parts)


# Groups whose Open311 requests anyone may read (status only): city services, safety hazards
# and consultations. Disputes, public order, key persons, petitions and threats are not shown.
PUBLIC_GROUPS = frozenset({"city_service", "safety_hazard", "consultation"})
PUBLIC_NOTES = {
    "registered": "已受理，正在派单",
    "dispatched": "已派单，等待承办单位签收",
    "in_progress": "承办单位正在办理",
    "mediating": "正在调解",
    "replied": "承办单位已办结回复，待审核和回访",
    "closed": "已办结",
    "merged": "已与同一事项的其他反映合并办理",
    "cancelled": "已撤销",
}
PUBLIC_RESOLUTION_NOTES = {"retracted": "已撤回", "answered": "已答复"}


def public_status_note(ticket: Ticket) -> str:
    """What anyone may read about where the request stands: a fixed sentence per status."""
    if ticket.status in ("closed", "retracted", "answered"):
        resolution = ticket.resolution or ticket.status
        if resolution in PUBLIC_RESOLUTION_NOTES:
            return PUBLIC_RESOLUTION_NOTES[resolution]
    return PUBLIC_NOTES.get(ticket.status, "正在办理")


def service_request(
    ticket: Ticket, timeline: list[TimelineEntry], agency: str, *, public: bool = False
) -> dict:
    """The request as GeoReport shows it; ``public``: without what only its submitter sees."""
    item: dict[str, Any] = {
        "service_request_id": ticket.ticket_number,
        "status": "closed" if ticket.status in FINISHED_STATUSES else "open",
        "status_notes": public_status_note(ticket),
        "service_name": ticket.category_label,
        "service_code": ticket.category_code,
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": _time(ticket.registered_at),
        "updated_datetime": _time(ticket.updated_at),
        "expected_datetime": _expected(timeline),
    }
    if public:
        return item
    return {
        **item,
        "description": ticket.description,
        "address": ticket.address,
        "address_id": None,
        "zipcode": None,
        "lat": ticket.lat,
        "long": ticket.lon,
        "media_url": (ticket.attachments or [{}])[0].get("url"),
    }


def agency_responsible(timeline: list[TimelineEntry], default: str) -> str:
    """The unit that holds the latest assignment of a task of the ticket."""
    for entry in reversed(timeline):
        unit = entry.details.get("unit_name") if entry.details else None
        if unit and entry.step in {"task_assigned", "task_reassigned"}:
            return unit
    return default


def _expected(timeline: list[TimelineEntry]) -> str | None:
    for entry in reversed(timeline):
        due = entry.details.get("due_at") if entry.details else None
        if due and entry.step in {"task_assigned", "task_reassigned", "extension_decided"}:
            return due
    return None


def _time(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def to_xml(root: str, item: str, items: list[dict[str, Any]]) -> str:
    """GeoReport's XML: ``<services><service>…</service></services>`` and the like."""
    top = ElementTree.Element(root)
    for values in items:
        element = ElementTree.SubElement(top, item)
        for key, value in values.items():
            child = ElementTree.SubElement(element, key)
            if isinstance(value, bool):
                child.text = "true" if value else "false"
            elif value is not None:
                child.text = str(value)
    return '<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(top, "unicode")
