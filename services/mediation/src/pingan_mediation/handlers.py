"""What mediation does with each event it consumes (one transaction per event, inbox-deduplicated):
intake's dispute tickets and dispatch's converted tasks open cases; retracted and merged
tickets withdraw unstarted ones."""

from __future__ import annotations

from pingan_common.bus.consumer import HandlerRegistry
from pingan_common.events import TicketRegistered
from pingan_common.events.dispatch import TaskConvertedToCase
from pingan_common.events.intake import TicketMerged, TicketRetracted
from pingan_mediation.cases import handlers as cases

HANDLERS: HandlerRegistry = {
    TicketRegistered: [cases.open_case],
    TicketRetracted: [cases.on_ticket_retracted],
    TicketMerged: [cases.on_ticket_merged],
    TaskConvertedToCase: [cases.open_case_for_converted_task],
}
