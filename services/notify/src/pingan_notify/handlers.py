"""What notify does with each event it consumes (one transaction per event, inbox-deduplicated).

Each source's handlers live with their capability: the directory copy in ``recipients``, the
notices in ``notices.{tickets,tasks,cases,alerts}``; every event a subscriber may want also
goes to ``webhooks``, after the event's own handlers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pingan_common.bus.consumer import HandlerContext, HandlerRegistry
from pingan_common.events import EventEnvelope
from pingan_common.events.dispatch import (
    DirectoryRosterChanged,
    DirectoryStaffChanged,
    DirectoryUnitChanged,
    TaskAssigned,
    TaskCreated,
    TaskDeadlineWarning,
    TaskEscalated,
    TaskExtensionDecided,
    TaskFlagged,
    TaskOverdue,
    TaskReassigned,
    TaskReopened,
    TaskReplied,
)
from pingan_common.events.intake import TicketMerged, TicketRegistered
from pingan_common.events.mediation import CaseClosed, CaseOpened, CaseSessionScheduled
from pingan_common.events.riskassess import (
    AlertAcknowledged,
    AlertEscalated,
    AlertLevelRaised,
    AlertRaised,
)
from pingan_common.events.riskassess_bulletins import BulletinIssued
from pingan_notify.notices import alerts, bulletins, cases, tasks, tickets
from pingan_notify.recipients import handlers as directory
from pingan_notify.webhooks import handlers as webhooks

Handler = Callable[[Any, HandlerContext], Awaitable[None]]


def _and_webhooks(registry: dict[type[EventEnvelope], list[Handler]]) -> HandlerRegistry:
    for event_class in webhooks.SUBSCRIBABLE_EVENTS:
        registry.setdefault(event_class, []).append(webhooks.on_event)
    return registry


HANDLERS = _and_webhooks(
    {
        DirectoryUnitChanged: [directory.on_unit_changed],
        DirectoryStaffChanged: [directory.on_staff_changed],
        DirectoryRosterChanged: [directory.on_roster_changed],
        TicketRegistered: [tickets.on_ticket_registered],
        TicketMerged: [tickets.on_ticket_merged],
        TaskCreated: [tasks.on_task_created],
        TaskAssigned: [tasks.on_task_assigned],
        TaskReassigned: [tasks.on_task_reassigned],
        TaskReopened: [tasks.on_task_reopened],
        TaskExtensionDecided: [tasks.on_extension_decided],
        TaskDeadlineWarning: [tasks.on_deadline_warning],
        TaskOverdue: [tasks.on_task_overdue],
        TaskEscalated: [tasks.on_task_escalated],
        TaskFlagged: [tasks.on_task_flagged],
        TaskReplied: [tasks.on_task_replied],
        CaseOpened: [cases.on_case_opened],
        CaseSessionScheduled: [cases.on_session_scheduled],
        CaseClosed: [cases.on_case_closed],
        AlertRaised: [alerts.on_alert_raised],
        AlertLevelRaised: [alerts.on_alert_level_raised],
        AlertAcknowledged: [alerts.on_alert_acknowledged],
        AlertEscalated: [alerts.on_alert_escalated],
        BulletinIssued: [bulletins.on_bulletin_issued],
    }
)
