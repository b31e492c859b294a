"""Riskassess's handlers, by source: intake's calls, mediation's 民转刑 signs, dispatch's tasks
(sensitive ones overdue; the finding of a verification task)."""

from __future__ import annotations

from pingan_common.bus.consumer import HandlerRegistry
from pingan_common.events.dispatch import (
    TaskClosed,
    TaskCreated,
    TaskEscalated,
    TaskOverdue,
    TaskReplied,
)
from pingan_common.events.intake import TicketRegistered, TicketSplit
from pingan_common.events.mediation import CaseRiskSignal
from pingan_riskassess.alerts.handlers import on_verification_closed, on_verification_replied
from pingan_riskassess.signals.handlers import (
    on_case_risk_signal,
    on_task_created,
    on_task_late,
    screen_call,
)

HANDLERS: HandlerRegistry = {
    TicketRegistered: [screen_call],
    TicketSplit: [screen_call],
    CaseRiskSignal: [on_case_risk_signal],
    TaskCreated: [on_task_created],
    TaskOverdue: [on_task_late],
    TaskEscalated: [on_task_late],
    TaskReplied: [on_verification_replied],
    TaskClosed: [on_verification_closed],
}
