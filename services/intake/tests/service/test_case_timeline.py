"""Mediation's case events on a ticket, through the broker: each step in the timeline, and the
ticket closed with the mediation's outcome when the case closes (not while a task is open)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from pingan_common.events import Category, EventEnvelope
from pingan_common.events.intake import TicketClosed
from pingan_common.events.mediation import (
    CaseAgreementReached,
    CaseAgreementReachedData,
    CaseClosed,
    CaseClosedData,
    CaseMediatorAssigned,
    CaseMediatorAssignedData,
    CaseOpened,
    CaseOpenedData,
)
from pingan_common.testing.services import eventually
from services.intake.tests.service.task_events import closed, task_assigned, task_created

DISPUTE = Category(group="dispute", code="neighbour", label="邻里纠纷")


def _now() -> datetime:
    return datetime.now(UTC)


class CaseStory:
    """One case's events about one ticket, in order."""

    def __init__(self, ticket: dict) -> None:
        self.ticket = ticket
        self.case_id = uuid.uuid4()

    def _create(self, cls: type[EventEnvelope], data: object) -> EventEnvelope:
        return cls.create(data, subject=str(self.case_id), correlationid=self.ticket["id"])  # type: ignore[arg-type]

    def fields(self, state: str) -> dict:
        return {
            "case_id": self.case_id,
            "case_number": "TJ20261202000009",
            "ticket_id": self.ticket["id"],
            "ticket_number": self.ticket["ticket_number"],
            "committee_code": "331199001001-TWH",
            "area_code": self.ticket["location"]["area_code"],
            "state": state,
            "actor": "mediator1",
            "occurred_at": _now(),
        }

    def opened(self) -> EventEnvelope:
        data = CaseOpenedData(
            case_id=self.case_id,
            case_number="TJ20261202000009",
            ticket_id=self.ticket["id"],
            ticket_number=self.ticket["ticket_number"],
            category=DISPUTE,
            committee_code="331199001001-TWH",
            committee_name="幸福社区人民调解委员会",
            area_code=self.ticket["location"]["area_code"],
            opened_at=_now(),
            due_at=_now() + timedelta(days=30),
        )
        return self._create(CaseOpened, data)

    def assigned(self) -> EventEnvelope:
        data = CaseMediatorAssignedData(
            **self.fields("mediating"),
            mediator_id="mediator1",
            mediator_name="陈秀英",
            mediator_unit_code="331199001001-TWH",
            reason="擅长邻里纠纷",
        )
        return self._create(CaseMediatorAssigned, data)

    def agreed(self) -> EventEnvelope:
        data = CaseAgreementReachedData(
            **self.fields("agreed"),
            agreement_id=uuid.uuid4(),
            signed_at=_now(),
            terms=[{"term_no": 1, "obligor_ref": "P2", "amount": 5000, "due_on": "2026-12-20"}],
            total_amount=5000,
            confirmation_due_on="2027-01-04",
        )
        return self._create(CaseAgreementReached, data)

    def closed(self) -> EventEnvelope:
        data = CaseClosedData(
            **self.fields("closed"),
            outcome="performed",
            summary="调解成功，协议已履行完毕",
            level="village",
            mediator_id="mediator1",
        )
        return self._create(CaseClosed, data)


async def _view(api, ticket_id: str, *steps: str):  # type: ignore[no-untyped-def]
    response = await api.get(ticket_id, role="leader")
    assert response.status_code == 200, response.text
    view = response.json()
    have = [entry["step"] for entry in view["timeline"]]
    return view if all(step in have for step in steps) else None


@pytest.fixture
async def ticket(api) -> dict:  # type: ignore[no-untyped-def]
    return await api.register(api.lone_body())


async def test_every_step_of_the_case_shows_on_the_ticket_and_its_closing_closes_it(
    api, broker, ticket
):
    story = CaseStory(ticket)
    for event in (story.opened(), story.assigned(), story.agreed(), story.closed()):
        await broker.produce(event)

    view = await eventually(lambda: _view(api, ticket["id"], "closed"))

    steps = [entry["step"] for entry in view["timeline"]]
    assert steps[-5:] == [
        "case_opened",
        "case_mediator_assigned",
        "case_agreement_reached",
        "case_closed",
        "closed",
    ]
    assert view["status"] == "closed"
    assert "陈秀英" in view["timeline"][-4]["summary"]
    closed = await broker.find(
        "intake.tickets.v1",
        lambda r: r.key == ticket["id"].encode() and TicketClosed.event_type().encode() in r.value,
    )
    assert b"\xe8\xb0\x83\xe8\xa7\xa3\xe7\xbb\x93\xe6\xa1\x88" in closed.value  # 调解结案


async def test_a_closed_case_leaves_the_ticket_open_while_a_task_still_runs(api, broker, ticket):
    story = CaseStory(ticket)
    task_id = uuid.uuid4()
    await broker.produce(task_created(ticket, task_id))
    await broker.produce(task_assigned(ticket, task_id))
    # Tasks and cases are two topics, with no order between them: the task must be known
    # before the case closes, or the ticket rightly closes with the case.
    await eventually(lambda: _view(api, ticket["id"], "task_assigned"))
    await broker.produce(story.opened())
    await broker.produce(story.closed())

    view = await eventually(lambda: _view(api, ticket["id"], "case_closed"))

    assert view["status"] == "dispatched"
    assert "closed" not in [entry["step"] for entry in view["timeline"]]


async def test_a_closed_task_leaves_the_ticket_open_while_its_mediation_case_still_runs(
    api, broker, ticket
):
    story = CaseStory(ticket)
    task_id = uuid.uuid4()
    await broker.produce(story.opened())
    await broker.produce(task_created(ticket, task_id))
    await broker.produce(task_assigned(ticket, task_id))
    await eventually(lambda: _view(api, ticket["id"], "case_opened", "task_assigned"))

    await broker.produce(closed(ticket, task_id, "已修复墙体裂缝"))
    view = await eventually(lambda: _view(api, ticket["id"], "task_closed"))
    assert view["status"] != "closed"  # the citizen's dispute is still being mediated
    assert "closed" not in [entry["step"] for entry in view["timeline"]]

    await broker.produce(story.closed())
    view = await eventually(lambda: _view(api, ticket["id"], "closed"))
    assert view["status"] == "closed"
