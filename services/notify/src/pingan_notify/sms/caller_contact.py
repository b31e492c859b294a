"""Fetching a citizen's number from intake, at the moment an SMS to them is sent.

Notify keeps no citizen phone numbers: events carry them masked, and the worker asks intake
for the caller's number at send time (``GET /v1/tickets/{id}/caller-contact``, audited there
with the reason). A 404 or 5xx is retried like any other failed attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import httpx

from pingan_notify.settings import NotifySettings


@dataclass(frozen=True)
class CallerContact:
    phone: str | None
    error: str | None = None


async def fetch_caller_contact(
    client: httpx.AsyncClient, settings: NotifySettings, ticket_id: UUID, reason: str
) -> CallerContact:
    url = f"{settings.intake_base_url.rstrip('/')}/v1/tickets/{ticket_id}/caller-contact"
    try:
        response = await client.get(
            url,
            params={"reason": reason},
            headers={"X-API-Key": settings.intake_api_key},
            timeout=settings.intake_timeout_s,
        )
    except httpx.HTTPError as error:
        return CallerContact(None, f"caller contact unavailable: {type(error).__name__}")
    if response.status_code != 200:
        return CallerContact(None, f"caller contact unavailable: HTTP {response.status_code}")
    phone = (response.json() or {}).get("phone")
    if not phone:
        return CallerContact(None, "caller contact has no phone")
    return CallerContact(phone)
