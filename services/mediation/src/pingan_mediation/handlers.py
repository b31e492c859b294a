"""What mediation does with each event it consumes (one transaction per event, inbox-deduplicated):
intake's dispute tickets and dispatch's converted tasks open cases; retracted and merged
tickets withdraw unstarted ones; the citizen's survey answer about a case is kept on it."""

from __future__ import annotations

from pingan_common.bus.consumer import HandlerRegistry
from pingan_common.events import TicketRegistered
from pingan_common.events.dispatch import TaskConvertedToCase
from pingan_common.events.intake import TicketMerged, TicketRetracted
from pingan_common.events.notify import SurveyAnswered
from pingan_mediation.cases import handlers as cases
from pingan_mediation.cases import satisfaction

HANDLERS: HandlerRegistry = {
    TicketRegistered: [cases.open_case],
    TicketRetracted: [cases.on_ticket_retracted],
    TicketMerged: [cases.on_ticket_merged],
    TaskConvertedToCase: [cases.open_case_for_converted_task],
    SurveyAnswered: [satisfaction.record_survey_answer],
}
