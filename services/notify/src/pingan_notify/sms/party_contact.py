"""Fetching a mediation party's number from mediation, at the moment their SMS is sent.

A session notice names each party by the case and the party's opaque reference, never the
phone; the worker asks mediation (``GET /v1/cases/{id}/parties/{ref}/contact``, with notify's
contact-reader key, audited there with the reason) when it sends. The delivery's recipient is
``当事人P1#party:<case id>``: one recipient per party and case, for the deduplication and the
SMS rate limit, while no delivery row holds the number; as in a caller's
``<masked phone>#<hash>``, the part before ``#`` is what people read (intake's timeline:
已通知 当事人P1). A 404 or 5xx is retried like any other failed attempt; a party whose phone
is gone fails for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import httpx

from pingan_notify.settings import NotifySettings

PARTY_LABEL = "当事人"
PARTY_KEY = "#party:"


@dataclass(frozen=True)
class PartyAddress:
    case_id: UUID
    ref: str


@dataclass(frozen=True)
class PartyContact:
    phone: str | None
    error: str | None = None
    permanent: bool = False


def party_recipient_id(case_id: UUID, ref: str) -> str:
    return f"{PARTY_LABEL}{ref}{PARTY_KEY}{case_id}"


def parse_party_recipient(recipient: str | None) -> PartyAddress | None:
    """The case and reference a party's recipient stands for; None for any other recipient."""
    label, key, case_part = (recipient or "").partition(PARTY_KEY)
    ref = label.removeprefix(PARTY_LABEL)
    if not key or not label.startswith(PARTY_LABEL) or not ref:
        return None
    try:
        return PartyAddress(UUID(case_part), ref)
    except ValueError:
        return None


async def fetch_party_contact(
    client: httpx.AsyncClient, settings: NotifySettings, party: PartyAddress, reason: str
) -> PartyContact:
    url = (
        f"{settings.mediation_base_url.rstrip('/')}"
        f"/v1/cases/{party.case_id}/parties/{party.ref}/contact"
    )
    try:
        response = await client.get(
            url,
            params={"reason": reason},
            headers={"X-API-Key": settings.mediation_api_key},
            timeout=settings.mediation_timeout_s,
        )
    except httpx.HTTPError as error:
        return PartyContact(None, f"party contact unavailable: {type(error).__name__}")
    if response.status_code != 200:
        return PartyContact(None, f"party contact unavailable: HTTP {response.status_code}")
    phone = (response.json() or {}).get("phone")
    if not phone:
        # The mediator removed the number after the session was scheduled: nothing to retry.
        return PartyContact(None, "the party has no phone any more", permanent=True)
    return PartyContact(phone)
