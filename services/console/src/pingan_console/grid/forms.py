"""Form fields in, service bodies out: a grid report for intake, a task action for dispatch.

Photos travel as metadata only (name, type, size, when taken): the page reads them from the
device and never uploads the bytes. Intake's attachment needs a URL and has no taken-at field,
so the URL names where the file will be once an upload store exists (``PENDING_FILES``) and
carries the taken-at time in its query.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from pingan_common.county_time import COUNTY_TZ
from pingan_console.grid.views import reply_text

PENDING_FILES = "https://files.pingan.local/grid-reports/pending"
CONTENT_TYPE = re.compile(r"^[a-z]+/[a-z0-9.+\-]+$")
MAX_PHOTOS = 9


class FormProblem(ValueError):
    """What the worker must fix before the form can be sent (shown next to the form)."""


@dataclass(frozen=True)
class Photo:
    name: str
    size: int
    content_type: str
    taken_at: str | None  # ISO 8601 with zone, or None when the device did not say


def photos_from(
    names: Sequence[str], sizes: Sequence[str], types: Sequence[str], taken: Sequence[str]
) -> list[Photo]:
    """The photo metadata the page wrote into hidden fields, one entry per picked file."""
    photos = []
    for index, name in enumerate(names[:MAX_PHOTOS]):
        name = name.strip()[:255]
        if not name:
            continue
        size = _int(sizes[index] if index < len(sizes) else "")
        kind = (types[index] if index < len(types) else "").strip().lower()
        when = taken[index] if index < len(taken) else ""
        photos.append(
            Photo(
                name=name,
                size=max(0, size or 0),
                content_type=kind if CONTENT_TYPE.match(kind) else "image/jpeg",
                taken_at=local_to_iso(when) if when else None,
            )
        )
    return photos


def attachments(photos: Sequence[Photo]) -> list[dict[str, Any]]:
    out = []
    for photo in photos:
        query = urlencode({"taken_at": photo.taken_at}) if photo.taken_at else ""
        url = f"{PENDING_FILES}/{quote(photo.name)}" + (f"?{query}" if query else "")
        out.append(
            {
                "file_name": photo.name,
                "content_type": photo.content_type,
                "size_bytes": photo.size,
                "url": url,
            }
        )
    return out


def local_to_iso(value: str) -> str:
    """A time as the page gives it — ISO with a zone, or ``datetime-local`` (county time)."""
    try:
        instant = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as bad:
        raise FormProblem(f"时间格式不正确：{value}") from bad
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=COUNTY_TZ)
    return instant.isoformat()


def report_body(
    *,
    description: str,
    lon: str,
    lat: str,
    address: str,
    urgent: bool,
    photos: Sequence[Photo],
) -> dict[str, Any]:
    """Intake's ``POST /v1/tickets`` body for a grid report (网格上报)."""
    description = description.strip()
    if len(description) < 2:
        raise FormProblem("请描述发现的情况（至少2个字）")
    location: dict[str, Any] = {}
    lon_value, lat_value = _float(lon), _float(lat)
    if (lon_value is None) != (lat_value is None):
        raise FormProblem("位置需同时有经度和纬度")
    if lon_value is not None:
        location |= {"lon": lon_value, "lat": lat_value}
    if address.strip():
        location["address"] = address.strip()
    body: dict[str, Any] = {
        "channel": "grid_report",
        "description": description,
        "location": location,
        "attachments": attachments(photos),
    }
    if urgent:
        body["urgency"] = "urgent"
    return body


def task_action_body(action: str, form: dict[str, str], photos: Sequence[Photo]) -> Any:
    """The body of a dispatch task action from the task page's form."""
    if action == "accept":
        return {}
    if action == "reply":
        result = reply_text(form.get("finding", ""), form.get("result", ""))
        if len(result) < 2:
            raise FormProblem("请填写核查或办理结果")
        body: dict[str, Any] = {"result": result, "attachments": attachments(photos)}
        if form.get("measures", "").strip():
            body["measures"] = form["measures"].strip()
        return body
    if action == "return":
        if not form.get("reason", "").strip():
            raise FormProblem("请填写退单理由")
        return {"reason_code": form.get("reason_code") or "other", "reason": form["reason"].strip()}
    if action == "request-extension":
        if not form.get("requested_due_at") or not form.get("reason", "").strip():
            raise FormProblem("请填写申请的截止时间和理由")
        return {
            "requested_due_at": local_to_iso(form["requested_due_at"]),
            "reason": form["reason"].strip(),
        }
    raise FormProblem(f"网格员不能执行此操作：{action}")


def _float(value: str) -> float | None:
    try:
        return float(value) if value.strip() else None
    except ValueError as bad:
        raise FormProblem(f"坐标不正确：{value}") from bad


def _int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None
