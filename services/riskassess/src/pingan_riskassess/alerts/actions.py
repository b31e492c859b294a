"""The alert transitions, one function per action, collected in ``APPLY``.

The caller (``pingan_common.lifecycle.perform`` for REST, a handler for the verification
task's finding) has locked the row and checked the rules; these apply the change, its history
row and its event.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from pingan_common.events.alert_text import shareable_evidence
from pingan_common.events.riskassess import (
    AlertAcknowledged,
    AlertAcknowledgedData,
    AlertClosed,
    AlertClosedData,
    AlertHandled,
    AlertHandledData,
    AlertVerified,
    AlertVerifiedData,
    RiskSignal,
    VerificationRequested,
    VerificationRequestedData,
)
from pingan_common.lifecycle import ActionInvalid
from pingan_riskassess.alerts.schemas import (
    AcknowledgeBody,
    CloseBody,
    HandleBody,
    VerificationBody,
    VerifyBody,
)
from pingan_riskassess.alerts.work import AlertWork
from pingan_riskassess.models import Alert

DEFAULT_VERIFICATION = "请现场核查预警所述情况"


async def do_acknowledge(work: AlertWork, alert: Alert, body: AcknowledgeBody) -> None:
    previous = alert.state
    alert.state = "acknowledged"
    alert.acknowledged_at = work.now
    alert.acknowledged_by = work.actor
    # An escalation moved the deadline on, but the acknowledgement was already late then.
    on_time = alert.ack_due_at is None or work.now <= alert.ack_due_at
    within = alert.escalation_count == 0 and on_time
    work.record(alert, "acknowledge", previous, {"within_limit": within, "note": body.note})
    await work.publish(
        alert,
        AlertAcknowledged,
        AlertAcknowledgedData(
            alert_id=alert.id,
            ticket_id=alert.ticket_id,
            level=alert.level,
            area_code=alert.area_code,
            acknowledged_by=work.actor,
            acknowledged_at=work.now,
            within_limit=within,
            note=body.note,
        ),
    )


async def do_request_verification(work: AlertWork, alert: Alert, body: VerificationBody) -> None:
    if body.due_at is not None and body.due_at <= work.now:
        raise ActionInvalid("the verification's due date must be in the future", "body.due_at")
    previous = alert.state
    alert.state = "verification_requested"
    alert.verification_requested_at = work.now
    # Dispatch keeps the summary on a task its dispatchers and grid workers read: by default
    # the evidence without key-person signals (the analyst may write what to check instead).
    summary = (
        body.summary
        or shareable_evidence(
            RiskSignal(rule=s["rule"], evidence=s["evidence"]) for s in alert.signals
        )
        or DEFAULT_VERIFICATION
    )
    work.record(
        alert, "request-verification", previous, {"summary": summary, "due_at": body.due_at}
    )
    await work.publish(
        alert,
        VerificationRequested,
        VerificationRequestedData(
            alert_id=alert.id,
            ticket_id=alert.ticket_id,
            ticket_number=alert.ticket_number,
            level=alert.level,
            area_code=alert.area_code,
            summary=summary[:500],
            requested_by=work.actor,
            requested_at=work.now,
            due_at=body.due_at,
        ),
    )


async def do_verify(
    work: AlertWork, alert: Alert, body: VerifyBody, task_id: UUID | None = None
) -> None:
    previous = alert.state
    alert.state = "verified"
    alert.outcome = body.outcome
    alert.notes = body.notes
    alert.verified_at = work.now
    work.record(
        alert,
        "verify",
        previous,
        {"outcome": body.outcome, "notes": body.notes, "task_id": task_id},
    )
    await work.publish(
        alert,
        AlertVerified,
        AlertVerifiedData(
            **work.fields(alert), outcome=body.outcome, notes=body.notes, task_id=task_id
        ),
    )


async def do_handle(work: AlertWork, alert: Alert, body: HandleBody) -> None:
    previous = alert.state
    alert.state = "handled"
    alert.measures = body.measures
    alert.handled_at = work.now
    work.record(alert, "handle", previous, {"measures": body.measures})
    await work.publish(
        alert, AlertHandled, AlertHandledData(**work.fields(alert), measures=body.measures)
    )


async def do_close(work: AlertWork, alert: Alert, body: CloseBody) -> None:
    previous = alert.state
    alert.state = "closed"
    alert.closed_at = work.now
    alert.close_reason = body.reason
    work.record(alert, "close", previous, {"reason": body.reason, "outcome": alert.outcome})
    await work.publish(
        alert,
        AlertClosed,
        AlertClosedData(
            **work.fields(alert),
            outcome=alert.outcome,
            reason=body.reason,
        ),
    )


APPLY: dict[str, Callable[[AlertWork, Alert, Any], Awaitable[None]]] = {
    "acknowledge": do_acknowledge,
    "request-verification": do_request_verification,
    "verify": do_verify,
    "handle": do_handle,
    "close": do_close,
}
