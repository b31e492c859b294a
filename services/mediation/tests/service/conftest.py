"""Mediation service tests, on the real PostgreSQL.

``mediation``: one real mediation app per test module, also on the real broker.

The harness produces events to mediation's namespaced input topic with aiokafka, tails the
topics mediation writes (its own stream and its dead-letter topic), and reads its inbox and
outbox tables through the running service's engine.

``handlers``: the handler tier (``pingan_common.testing.handlers``), mediation's handlers called
directly on its migrated database, without the broker, in a transaction rolled back after each
test; its clock stands still at ``handlers.context.clock()``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

import pingan_mediation.bootstrap as mediation_bootstrap
from pingan_common.events.topics import INTAKE_TICKETS, MEDIATION_CASES, dead_letter_topic
from pingan_common.testing.handlers import HandlerTier, HandlerWorld
from pingan_common.testing.harness import ServiceHarness, service_harness
from pingan_common.testing.services import TestStack
from pingan_mediation.settings import MediationSettings

# 17:30 UTC is 01:30 the next day in the county: dates in numbers must be the county's.
HANDLER_NOW = datetime(2026, 11, 22, 17, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
async def mediation(postgres: Any, kafka: Any, test_auth: Any) -> AsyncIterator[ServiceHarness]:
    stack = TestStack(postgres=postgres, kafka=kafka, auth=test_auth)
    settings = await stack.settings(
        MediationSettings, "mediation", scanner_enabled=False, screening_enabled=False
    )
    async with service_harness(
        stack,
        mediation_bootstrap,
        settings,
        published=MEDIATION_CASES,
        dead_letters=dead_letter_topic(INTAKE_TICKETS, "mediation"),
        default_role="mediator",
    ) as harness:
        yield harness


@pytest.fixture
async def handlers(handler_tier: HandlerTier) -> AsyncIterator[HandlerWorld]:
    """Mediation's handlers on its migrated database; everything rolled back after the test."""
    async with handler_tier(mediation_bootstrap.DEFINITION, clock=lambda: HANDLER_NOW) as world:
        yield world


# --- the case API, acting as the demo county's people -----------------------------------

# The demo county's people (refdata staff.json): a village mediator, a township center's
# mediator, another village's mediator, the county leader.
MEDIATOR1 = {"subject": "mediator1", "area": "331199001001", "unit": "331199001001-TWH"}
MEDIATOR2 = {"subject": "mediator2", "area": "331199001", "unit": "331199001-TC"}
MEDIATOR3 = {"subject": "mediator3", "area": "331199001002", "unit": "331199001002-TWH"}
LEADER = {"subject": "leader1", "area": "331199", "unit": "331199-CC"}
COUNTY = {"subject": "admin1", "area": "331199", "unit": "331199-CC"}

PARTIES = [
    {
        "role": "applicant",
        "name": "王建华",
        "phone": "13812345678",
        "id_number": "331199198001011234",
    },
    {"role": "respondent", "name": "李明", "phone": "13987654321", "address": "幸福社区3幢201室"},
]


def walk_in(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source": "walk_in",
        "dispute_kind": "neighbour",
        "description": f"邻居装修致墙体开裂，协商未果 {uuid4().hex[:6]}",
        "area_code": "331199001001",
        "amount": "8000",
        "people_involved": 2,
        "parties": PARTIES,
    }
    body.update(changes)
    return body


class Cases:
    """The case API as one mediation app serves it, acting as the given people."""

    def __init__(self, mediation: Any) -> None:
        self.mediation = mediation

    def headers(self, who: dict[str, str], role: str = "mediator", **extra: str) -> dict[str, str]:
        return {**self.mediation.headers(role, **who), **extra}

    async def register(
        self,
        body: dict[str, Any] | None = None,
        who: dict[str, str] = MEDIATOR1,
        key: str | None = None,
    ) -> Any:
        headers = self.headers(who, "admin" if who is COUNTY else "mediator")
        if key:
            headers["Idempotency-Key"] = key
        return await self.mediation.client.post(
            "/v1/cases", json=body or walk_in(), headers=headers
        )

    async def new(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.register(body)
        assert response.status_code == 201, response.text
        return response.json()

    async def act(
        self,
        case: dict[str, Any],
        action: str,
        body: dict[str, Any] | None = None,
        who: dict[str, str] = MEDIATOR1,
        role: str = "mediator",
        **headers: str,
    ) -> Any:
        return await self.mediation.client.post(
            f"/v1/cases/{case['id']}/{action}",
            json=body if body is not None else {},
            headers=self.headers(who, role, **headers),
        )

    async def ok(
        self, case: dict[str, Any], action: str, body: dict[str, Any] | None = None, **kw: Any
    ) -> dict[str, Any]:
        response = await self.act(case, action, body, **kw)
        assert response.status_code == 200, response.text
        return response.json()

    async def get(
        self, case: dict[str, Any], who: dict[str, str] = MEDIATOR1, role: str = "mediator"
    ) -> Any:
        return await self.mediation.client.get(
            f"/v1/cases/{case['id']}", headers=self.headers(who, role)
        )

    async def mediating(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """A walk-in case accepted and assigned (to mediator1, by the rules)."""
        case = await self.new(body)
        await self.ok(case, "accept")
        return await self.ok(case, "assign")

    async def session(
        self, case: dict[str, Any], outcome: str = "progress", **record: Any
    ) -> dict[str, Any]:
        await self.ok(
            case,
            "schedule-session",
            {"place": "幸福社区调解室", "starts_at": "2026-12-03T09:30:00+08:00"},
        )
        return await self.ok(
            case,
            "record-session",
            {
                "outcome": outcome,
                "attendance": ["王建华", "李明"],
                "record": "双方陈述意见",
                **record,
            },
        )

    async def published(self, case: dict[str, Any], event_type: str) -> int:
        return await self.mediation.outbox_count(event_type, case.get("ticket_id") or case["id"])


AGREEMENT = {
    "facts": "被申请人装修时致申请人墙体开裂",
    "terms": [
        {
            "obligor_party": 2,
            "description": "赔偿墙体修复费用",
            "amount": "5000",
            "due_on": "2026-12-20",
        },
        {"obligor_party": 2, "description": "赔礼道歉", "due_on": "2026-12-10"},
    ],
    "signed_at": "2026-12-02T10:00:00+08:00",
}


class CaseApi(Cases):
    MEDIATOR1 = MEDIATOR1
    MEDIATOR2 = MEDIATOR2
    MEDIATOR3 = MEDIATOR3
    LEADER = LEADER
    COUNTY = COUNTY
    AGREEMENT = AGREEMENT
    walk_in = staticmethod(walk_in)


@pytest.fixture
def cases(mediation: ServiceHarness) -> CaseApi:
    return CaseApi(mediation)
