"""Event envelope, payload models and topic names shared by every service."""

from pingan_common.events.catalog import (
    EVENT_CLASSES,
    EVENTS_BY_TYPE,
    AnyEvent,
    UnknownEventType,
    parse_event,
)
from pingan_common.events.dispatch import (
    TaskAssigned,
    TaskAssignedData,
    TaskCreated,
    TaskCreatedData,
)
from pingan_common.events.envelope import EventEnvelope, new_event_id, utcnow
from pingan_common.events.intake import TicketRegistered, TicketRegisteredData
from pingan_common.events.mediation import CaseOpened, CaseOpenedData
from pingan_common.events.notify import DeliverySent, DeliverySentData
from pingan_common.events.riskassess import AlertRaised, AlertRaisedData, RiskSignal
from pingan_common.events.values import (
    Attachment,
    CallbackVerdict,
    CallerSummary,
    Category,
    CategoryGroup,
    Channel,
    Disposition,
    Location,
    RiskLevel,
    Urgency,
)

__all__ = [
    "EVENTS_BY_TYPE",
    "EVENT_CLASSES",
    "AlertRaised",
    "AlertRaisedData",
    "AnyEvent",
    "Attachment",
    "CallbackVerdict",
    "CallerSummary",
    "CaseOpened",
    "CaseOpenedData",
    "Category",
    "CategoryGroup",
    "Channel",
    "DeliverySent",
    "DeliverySentData",
    "Disposition",
    "EventEnvelope",
    "Location",
    "RiskLevel",
    "RiskSignal",
    "TaskAssigned",
    "TaskAssignedData",
    "TaskCreated",
    "TaskCreatedData",
    "TicketRegistered",
    "TicketRegisteredData",
    "UnknownEventType",
    "Urgency",
    "new_event_id",
    "parse_event",
    "utcnow",
]
