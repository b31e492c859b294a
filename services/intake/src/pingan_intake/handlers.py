"""Every event intake consumes, and what it does with it. All of them keep a ticket's timeline
and status current (``timeline/``, one module per source); the last task closing closes the
ticket (``timeline/tasks.py``)."""

from __future__ import annotations

from pingan_common.bus.consumer import HandlerRegistry
from pingan_common.events import DeliverySent
from pingan_common.events.dispatch import (
    TaskAccepted,
    TaskAssigned,
    TaskCallbackRecorded,
    TaskCancelled,
    TaskClosed,
    TaskCreated,
    TaskDeadlineWarning,
    TaskEscalated,
    TaskExtensionDecided,
    TaskExtensionRequested,
    TaskFlagged,
    TaskOverdue,
    TaskReassigned,
    TaskReopened,
    TaskReplied,
    TaskReturned,
    TaskReviewed,
    TaskReviewRejected,
)
from pingan_intake.timeline import alerts, cases, deliveries, tasks

HANDLERS: HandlerRegistry = {
    # dispatch
    TaskCreated: [tasks.record_task_created],
    TaskAssigned: [tasks.record_task_assigned],
    TaskAccepted: [tasks.record_task_accepted],
    TaskReturned: [tasks.record_task_returned],
    TaskReassigned: [tasks.record_task_reassigned],
    TaskExtensionRequested: [tasks.record_extension_requested],
    TaskExtensionDecided: [tasks.record_extension_decided],
    TaskReplied: [tasks.record_task_replied],
    TaskReviewed: [tasks.record_task_reviewed],
    TaskReviewRejected: [tasks.record_review_rejected],
    TaskCallbackRecorded: [tasks.record_callback],
    TaskReopened: [tasks.record_task_reopened],
    TaskClosed: [tasks.record_task_closed],
    TaskCancelled: [tasks.record_task_cancelled],
    TaskDeadlineWarning: [tasks.record_deadline_warning],
    TaskOverdue: [tasks.record_overdue],
    TaskEscalated: [tasks.record_escalated],
    TaskFlagged: [tasks.record_flagged],
    # mediation, risk assessment, notify
    **cases.HANDLERS,  # every case event: timeline entries, the ticket closed with the case
    **alerts.HANDLERS,  # every step of an alert's lifecycle, for alerts that have a ticket
    DeliverySent: [deliveries.record_delivery_sent],
}
