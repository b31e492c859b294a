"""Operator actions on a ticket through the API, and the ticket as stored, for tests."""

from __future__ import annotations

from typing import Any

from pingan_intake.models import Ticket


async def post_action(api, ticket_ref: str, action: str, body: dict, **kwargs: Any):
    """POST /v1/tickets/{ref}/{action} as ``role`` (operator), with ``key`` as Idempotency-Key."""
    headers = kwargs.pop("headers", None) or api.headers(kwargs.pop("role", "operator"))
    if "key" in kwargs:
        headers = {**headers, "Idempotency-Key": kwargs.pop("key")}
    return await api.client.post(f"/v1/tickets/{ticket_ref}/{action}", json=body, headers=headers)


async def stored(api, ticket_id: str) -> Ticket:
    async with api.service.runtime.transaction() as session:
        return await session.get(Ticket, ticket_id)
