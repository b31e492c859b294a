"""Fixtures for both of notify's test tiers (``unit/`` and ``service/``); none of them starts
anything. The running notify and the real servers it talks to are in ``service/conftest.py``.

- ``events``: builders of the events notify consumes, each about a fresh ticket;
- ``verify_pingan_webhook``: the receiver's snippet of docs/webhooks.md, run verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID, uuid4

import pytest

from pingan_common.county_time import COUNTY_TZ
from pingan_common.events import (
    AlertRaised,
    AlertRaisedData,
    CallerSummary,
    CaseOpened,
    CaseOpenedData,
    Category,
    EventEnvelope,
    RiskSignal,
    TaskAssigned,
    TaskAssignedData,
)
from pingan_common.events.dispatch import (
    Contact,
    DirectoryRosterChanged,
    DirectoryRosterData,
    DirectoryStaffChanged,
    DirectoryStaffData,
    DirectoryUnitChanged,
    DirectoryUnitData,
    RosterShift,
    TaskDeadlineWarning,
    TaskDeadlineWarningData,
    TaskEscalated,
    TaskEscalatedData,
    TaskReplied,
    TaskRepliedData,
)
from pingan_common.events.intake import (
    PoliceFeedback,
    PoliceFeedbackData,
    TicketMerged,
    TicketMergedData,
)
from pingan_common.events.riskassess import AlertAcknowledged, AlertAcknowledgedData
from pingan_common.testing.events import ticket_registered

E = TypeVar("E", bound=EventEnvelope)
DOCS = Path(__file__).resolve().parents[3] / "docs" / "webhooks.md"


@pytest.fixture(scope="session")
def verify_pingan_webhook() -> Callable[..., str]:
    """The copy-paste snippet of docs/webhooks.md, run verbatim."""
    match = re.search(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert match, "docs/webhooks.md has no python snippet"
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), str(DOCS), "exec"), namespace)
    return namespace["verify_pingan_webhook"]


def _ticket_number(ticket_id: UUID) -> str:
    return f"QS{datetime.now(UTC):%Y%m%d}{ticket_id.int % 1_000_000:06d}"


@dataclass(frozen=True)
class Events:
    """Builders of the events notify consumes, each about a fresh ticket."""

    @staticmethod
    def task_assigned(
        *,
        unit_code: str = "331199001-ZZ",
        unit_name: str = "城关街道综治中心",
        co_unit_codes: tuple[str, ...] = (),
        area_code: str = "33119900100101",
        accept_due_at: datetime = datetime(2026, 11, 23, 2, 30, tzinfo=UTC),
        due_at: datetime = datetime(2026, 11, 30, 2, 0, tzinfo=UTC),
        time: datetime | None = None,
    ) -> TaskAssigned:
        ticket_id, task_id = uuid4(), uuid4()
        data = TaskAssignedData(
            task_id=task_id,
            ticket_id=ticket_id,
            ticket_number=_ticket_number(ticket_id),
            unit_code=unit_code,
            unit_name=unit_name,
            co_unit_codes=list(co_unit_codes),
            area_code=area_code,
            urgency="normal",
            rule_id="R-TOWNSHIP",
            reason="handled at the lowest capable level",
            assigned_at=accept_due_at - timedelta(hours=1),
            accept_due_at=accept_due_at,
            due_at=due_at,
        )
        return TaskAssigned.create(
            data, subject=str(task_id), correlationid=str(ticket_id), time=time
        )

    @staticmethod
    def case_opened(*, committee_code: str = "331199001001-TWH") -> CaseOpened:
        ticket_id, case_id = uuid4(), uuid4()
        now = datetime.now(UTC)
        data = CaseOpenedData(
            case_id=case_id,
            case_number=f"TJ{now:%Y%m%d}{case_id.int % 1_000_000:06d}",
            ticket_id=ticket_id,
            ticket_number=_ticket_number(ticket_id),
            category=Category(group="dispute", code="neighbour", label="邻里纠纷"),
            committee_code=committee_code,
            committee_name="城关街道幸福社区人民调解委员会",
            area_code=committee_code.split("-")[0],
            opened_at=now,
            due_at=now + timedelta(days=30),
        )
        return CaseOpened.create(data, subject=str(case_id), correlationid=str(ticket_id))

    @staticmethod
    def alert_raised(
        *,
        level: str = "red",
        notify_roles: tuple[str, ...] = ("leader", "analyst"),
        area_code: str = "33119900100101",
    ) -> AlertRaised:
        ticket_id, alert_id = uuid4(), uuid4()
        data = AlertRaisedData(
            alert_id=alert_id,
            ticket_id=ticket_id,
            ticket_number=_ticket_number(ticket_id),
            level=level,
            signals=[RiskSignal(rule="threat_words", evidence="跳楼")],
            area_code=area_code,
            summary="threat_words: 跳楼",
            notify_roles=list(notify_roles),
            raised_at=datetime.now(UTC),
        )
        return AlertRaised.create(data, subject=str(alert_id), correlationid=str(ticket_id))

    @staticmethod
    def alert_acknowledged(raised: AlertRaised, by: str = "leader1") -> AlertAcknowledged:
        data = AlertAcknowledgedData(
            alert_id=raised.data.alert_id,
            ticket_id=raised.data.ticket_id,
            level=raised.data.level,
            area_code=raised.data.area_code,
            acknowledged_by=by,
            acknowledged_at=datetime.now(UTC),
        )
        return AlertAcknowledged.create(
            data, subject=str(raised.data.alert_id), correlationid=raised.correlationid
        )

    @staticmethod
    def ticket_registered(*, phone_masked: str | None = "138****8000", **kwargs: Any):  # type: ignore[no-untyped-def]
        event = ticket_registered(**kwargs)
        caller = CallerSummary(name_masked="王*", phone_masked=phone_masked)
        data = event.data.model_copy(update={"caller": caller})
        return event.model_copy(update={"data": data})

    @staticmethod
    def ticket_merged(*, automatic: bool = True) -> TicketMerged:
        ticket_id, master_id = uuid4(), uuid4()
        data = TicketMergedData(
            **_ticket_change(ticket_id, datetime.now(UTC)),
            master_ticket_id=master_id,
            master_ticket_number=_ticket_number(master_id),
            caller_count=2,
            reason="same place and problem",
            automatic=automatic,
        )
        return TicketMerged.create(data, subject=str(ticket_id), correlationid=str(ticket_id))

    @staticmethod
    def task_replied(ticket: Any, *, task_id: UUID | None = None) -> TaskReplied:
        task_id = task_id or uuid4()
        data = TaskRepliedData(
            task_id=task_id,
            ticket_id=ticket.data.ticket_id,
            ticket_number=ticket.data.ticket_number,
            unit_code="331199001-ZZ",
            area_code=ticket.data.area_code,
            actor="handler1",
            occurred_at=datetime.now(UTC),
            result="路灯已修复",
            on_time=True,
        )
        return TaskReplied.create(
            data, subject=str(task_id), correlationid=str(ticket.data.ticket_id)
        )

    @staticmethod
    def deadline_warning(
        assigned: TaskAssigned, *, supervisor: str | None = "331199-CC"
    ) -> TaskDeadlineWarning:
        data = TaskDeadlineWarningData(
            **_handling_deadline(assigned), supervisor_unit_code=supervisor, elapsed_fraction=0.8
        )
        return _about_task(assigned, TaskDeadlineWarning, data)

    @staticmethod
    def escalated(
        assigned: TaskAssigned, *, to: str = "331199001-ZZ", leaders: tuple[str, ...] = ()
    ) -> TaskEscalated:
        data = TaskEscalatedData(
            **_handling_deadline(assigned),
            supervisor_unit_code=to,
            escalated_to_unit_code=to,
            on_duty_leader_ids=list(leaders),
        )
        return _about_task(assigned, TaskEscalated, data)

    @staticmethod
    def unit_changed(
        unit_code: str,
        *,
        name: str = "城关街道综治中心",
        area_code: str = "331199001",
        supervisor: str | None = "331199-CC",
        phones: tuple[str, ...] = (),
        version: int = 1,
    ) -> DirectoryUnitChanged:
        data = DirectoryUnitData(
            unit_code=unit_code,
            name=name,
            kind="township",
            parent_code="331199-CC",
            supervisor_code=supervisor,
            area_code=area_code,
            contacts=[Contact(kind="phone", value=p) for p in phones],
            version=version,
            changed_at=datetime.now(UTC),
        )
        return DirectoryUnitChanged.create(data, subject=unit_code, correlationid=unit_code)

    @staticmethod
    def staff_changed(
        user_id: str,
        *,
        roles: tuple[str, ...],
        unit_code: str,
        area_code: str,
        phone: str | None = None,
        name: str = "赵建国",
        version: int = 1,
    ) -> DirectoryStaffChanged:
        data = DirectoryStaffData(
            user_id=user_id,
            name=name,
            roles=list(roles),
            unit_code=unit_code,
            area_code=area_code,
            phone=phone,
            version=version,
            changed_at=datetime.now(UTC),
        )
        return DirectoryStaffChanged.create(data, subject=user_id, correlationid=user_id)

    @staticmethod
    def roster_changed(
        unit_code: str, shifts: list[tuple[str, str]], *, day: date | None = None
    ) -> DirectoryRosterChanged:
        """Shifts ``(user_id, duty)`` covering the whole county day, now included."""
        now = datetime.now(UTC)
        day = day or now.astimezone(COUNTY_TZ).date()
        starts = datetime.combine(day, datetime.min.time(), tzinfo=COUNTY_TZ)
        data = DirectoryRosterData(
            unit_code=unit_code,
            day=day,
            shifts=[
                RosterShift(
                    user_id=user, duty=duty, starts_at=starts, ends_at=starts + timedelta(days=1)
                )
                for user, duty in shifts
            ],
            version=1,
            changed_at=now,
        )
        subject = f"{unit_code}/{day.isoformat()}"
        return DirectoryRosterChanged.create(data, subject=subject, correlationid=subject)

    @staticmethod
    def police_feedback() -> PoliceFeedback:
        ticket_id = uuid4()
        now = datetime.now(UTC)
        data = PoliceFeedbackData(
            **_ticket_change(ticket_id, now),
            incident_number="110-20261123-0042",
            resolution="handled",
            outcome="噪音已制止，双方已调解",
            handled_by=["331199001-ZZ"],
            closed_at=now,
        )
        return PoliceFeedback.create(data, subject=str(ticket_id), correlationid=str(ticket_id))


def _ticket_change(ticket_id: UUID, now: datetime) -> dict[str, Any]:
    """What intake's events about a change to a ticket all carry; the system made it."""
    return {
        "ticket_id": ticket_id,
        "ticket_number": _ticket_number(ticket_id),
        "area_code": "33119900100101",
        "actor": "system",
        "occurred_at": now,
    }


def _handling_deadline(assigned: TaskAssigned) -> dict[str, Any]:
    """What the scanner's events about the assigned task's handling deadline all carry."""
    data = assigned.data
    return {
        "task_id": data.task_id,
        "ticket_id": data.ticket_id,
        "ticket_number": data.ticket_number,
        "unit_code": data.unit_code,
        "area_code": data.area_code,
        "actor": "system",
        "occurred_at": datetime.now(UTC),
        "deadline": "handle",
        "due_at": data.due_at,
    }


def _about_task(assigned: TaskAssigned, event_class: type[E], data: Any) -> E:
    return event_class.create(
        data, subject=str(assigned.data.task_id), correlationid=assigned.correlationid
    )


@pytest.fixture
def events() -> Events:
    return Events()
