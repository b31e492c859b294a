"""Dispatch's event handlers, one registry: what other services' events do to tasks.

Tickets open, re-route, cancel and annotate tasks (``tasks.handlers``); risk assessment asks for
verification tasks; citizens' survey answers by SMS become callbacks.
"""

from __future__ import annotations

from pingan_common.bus.consumer import HandlerRegistry
from pingan_common.events.intake import (
    TicketMerged,
    TicketReclassified,
    TicketRegistered,
    TicketRetracted,
    TicketSplit,
    TicketUpdated,
)
from pingan_common.events.notify import SurveyAnswered
from pingan_common.events.riskassess import VerificationRequested
from pingan_dispatch.tasks.handlers import (
    cancel_for_merge,
    cancel_for_retraction,
    follow_reclassification,
    note_supplement,
    open_task_for_ticket,
    open_verification_task,
    record_survey_answer,
)

HANDLERS: HandlerRegistry = {
    TicketRegistered: [open_task_for_ticket],
    TicketSplit: [open_task_for_ticket],
    TicketRetracted: [cancel_for_retraction],
    TicketMerged: [cancel_for_merge],
    TicketReclassified: [follow_reclassification],
    TicketUpdated: [note_supplement],
    VerificationRequested: [open_verification_task],
    SurveyAnswered: [record_survey_answer],
}
