"""What notify does with each event it consumes (one transaction per event, inbox-deduplicated).

Handlers only record: in-app items (sent at once and streamed after the commit) and queued SMS
and webhook deliveries (sent by the worker). They are built per app by ``build_handlers`` so
they reach that app's state (templates, policies, stream hub) without globals.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Uuid, bindparam, text
from sqlalchemy.dialects.postgresql import insert

from pingan_common.bus.consumer import HandlerContext, HandlerRegistry
from pingan_common.events import EventEnvelope
from pingan_common.events import dispatch as dispatch_events
from pingan_common.events import intake as intake_events
from pingan_common.events import mediation as mediation_events
from pingan_common.events import riskassess as riskassess_events
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
from pingan_common.events.mediation import CaseOpened
from pingan_common.events.riskassess import AlertAcknowledged, AlertRaised
from pingan_common.events.values import Disposition
from pingan_notify import recipients as directory
from pingan_notify.alerts import acknowledge_alert, notify_alert, watch_alert
from pingan_notify.deliveries import DeliveryWriter, Recipient, Trigger, render
from pingan_notify.messages import (
    case_opened_variables,
    deadline_variables,
    escalated_variables,
    flagged_variables,
    task_assigned_variables,
    ticket_number_variables,
)
from pingan_notify.models import CitizenTicket, TaskContext
from pingan_notify.policies import Audience
from pingan_notify.state import NotifyState
from pingan_notify.surveys import send_survey
from pingan_notify.webhooks import matching_subscriptions

Handler = Callable[[Any, HandlerContext], Awaitable[None]]


class Handlers:
    def __init__(self, state: NotifyState) -> None:
        self.state = state

    def writer(self, ctx: HandlerContext) -> DeliveryWriter:
        return DeliveryWriter(self.state, ctx.session, ctx.publish, ctx.clock())

    # --- directory --------------------------------------------------------------------------

    async def unit_changed(self, event: DirectoryUnitChanged, ctx: HandlerContext) -> None:
        await directory.save_unit(ctx.session, event.data)

    async def staff_changed(self, event: DirectoryStaffChanged, ctx: HandlerContext) -> None:
        await directory.save_staff(ctx.session, event.data)

    async def roster_changed(self, event: DirectoryRosterChanged, ctx: HandlerContext) -> None:
        await directory.save_roster(ctx.session, event.data)

    # --- citizens -------------------------------------------------------------------------

    async def ticket_registered(self, event: TicketRegistered, ctx: HandlerContext) -> None:
        data = event.data
        await ctx.session.execute(
            insert(CitizenTicket)
            .values(
                ticket_id=data.ticket_id,
                ticket_number=data.ticket_number,
                phone_masked=data.caller.phone_masked,
                area_code=data.area_code,
                registered_at=data.registered_at,
            )
            .on_conflict_do_nothing(index_elements=["ticket_id"])
        )
        # A consultation answered on the call needs no receipt: the caller has the answer.
        if data.disposition == Disposition.ANSWER or not data.caller.phone_masked:
            return
        await self._receipt(ctx, event, data.ticket_number, data.caller.phone_masked)

    async def ticket_merged(self, event: TicketMerged, ctx: HandlerContext) -> None:
        """A call merged at registration gets its receipt here, naming the master ticket."""
        data = event.data
        if not data.automatic:
            return  # merged later by an operator: the caller already had a receipt
        await self._receipt(ctx, event, data.master_ticket_number, None)

    async def _receipt(
        self,
        ctx: HandlerContext,
        event: EventEnvelope,
        ticket_number: str,
        phone_masked: str | None,
    ) -> None:
        writer = self.writer(ctx)
        message = render(
            self.state.catalog, "ticket_receipt.sms", ticket_number_variables(ticket_number)
        )
        recipient = Recipient(
            "phone", phone_masked or f"caller:{event.data.ticket_number}", Audience.CITIZEN
        )
        await writer.sms(Trigger.of(event), recipient, message)

    async def task_replied(self, event: TaskReplied, ctx: HandlerContext) -> None:
        data = event.data
        task = await ctx.session.get(TaskContext, data.task_id)
        if task is not None and task.kind == "verification":
            return  # a grid worker's check of an alert: no citizen to ask
        ticket = await ctx.session.get(CitizenTicket, data.ticket_id)
        if ticket is not None and not ticket.phone_masked:
            return  # no number to text (a grid report, an anonymous web form)
        recipient_id = ticket.phone_masked if ticket else f"caller:{data.ticket_number}"
        recipient = Recipient("phone", recipient_id or "", Audience.CITIZEN)
        await send_survey(self.writer(ctx), Trigger.of(event), data, recipient)

    # --- tasks ----------------------------------------------------------------------------

    async def task_created(self, event: TaskCreated, ctx: HandlerContext) -> None:
        await self._remember_task(ctx, event.data, kind=event.data.kind)

    async def task_assigned(self, event: TaskAssigned, ctx: HandlerContext) -> None:
        data = event.data
        await self._remember_unit(ctx, data, data.unit_name)
        units = [data.unit_code, *data.co_unit_codes]
        await self._assignment(ctx, event, units, data.unit_name, urgent=data.urgency == "urgent")

    async def task_reassigned(self, event: TaskReassigned, ctx: HandlerContext) -> None:
        data = event.data
        await self._remember_unit(ctx, data, data.unit_name)
        units = [code for code in [data.unit_code, *data.co_unit_codes] if code]
        await self._assignment(ctx, event, units, data.unit_name)

    async def task_reopened(self, event: TaskReopened, ctx: HandlerContext) -> None:
        data = event.data
        name = await self._unit_name(ctx, data.task_id, data.unit_code)
        await self._remember_unit(ctx, data, name)
        if data.unit_code:
            await self._assignment(ctx, event, [data.unit_code], name)

    async def extension_decided(self, event: TaskExtensionDecided, ctx: HandlerContext) -> None:
        await self._remember_task(ctx, event.data, due_at=event.data.due_at)

    async def _assignment(
        self,
        ctx: HandlerContext,
        event: EventEnvelope,
        unit_codes: list[str],
        unit_name: str,
        *,
        urgent: bool = False,
    ) -> None:
        """Tell the units a task is theirs, with its sign-in and handling deadlines."""
        data = event.data
        variables = task_assigned_variables(
            unit_name=unit_name,
            ticket_number=data.ticket_number,
            accept_due_at=data.accept_due_at,
            due_at=data.due_at,
        )
        await self._to_units(ctx, event, unit_codes, "task_assigned", variables, urgent=urgent)

    async def deadline_warning(self, event: TaskDeadlineWarning, ctx: HandlerContext) -> None:
        await self._deadline(ctx, event, "deadline_warning")

    async def overdue(self, event: TaskOverdue, ctx: HandlerContext) -> None:
        await self._deadline(ctx, event, "task_overdue")

    async def _deadline(self, ctx: HandlerContext, event: EventEnvelope, template: str) -> None:
        data = event.data
        name = await self._unit_name(ctx, data.task_id, data.unit_code)
        variables = deadline_variables(
            ticket_number=data.ticket_number, unit_name=name, due_at=data.due_at
        )
        supervisor = data.supervisor_unit_code or await directory.supervisor_of(
            ctx.session, data.unit_code
        )
        await self._to_units(
            ctx, event, [data.unit_code] if data.unit_code else [], template, variables
        )
        if supervisor:
            # The supervisor oversees; it gets the in-app notice, the unit gets the SMS too.
            await self._to_units(ctx, event, [supervisor], template, variables, sms=False)

    async def escalated(self, event: TaskEscalated, ctx: HandlerContext) -> None:
        data = event.data
        writer = self.writer(ctx)
        trigger = Trigger.of(event)
        name = await self._unit_name(ctx, data.task_id, data.unit_code)
        variables = escalated_variables(
            ticket_number=data.ticket_number,
            unit_name=name,
            escalated_to_unit_code=data.escalated_to_unit_code,
        )
        await self._to_units(ctx, event, [data.escalated_to_unit_code], "task_escalated", variables)
        leader_ids = data.on_duty_leader_ids or await directory.on_duty(
            ctx.session, [data.escalated_to_unit_code], "leader", writer.now
        )
        leaders = await directory.staff(ctx.session, leader_ids)
        in_app = render(self.state.catalog, "task_escalated.in_app", variables)
        users = [Recipient("user", p.user_id) for p in leaders]
        if not users:
            users = [Recipient("role", f"leader@{data.area_code}")]
        await writer.in_app(trigger, users, in_app, urgent=True)
        sms = render(self.state.catalog, "task_escalated.sms", variables)
        for leader in leaders:
            if directory.is_mobile(leader.phone):
                await writer.sms(
                    trigger, Recipient("user", leader.user_id, Audience.STAFF, leader.phone), sms
                )

    async def flagged(self, event: TaskFlagged, ctx: HandlerContext) -> None:
        data = event.data
        if not data.flagged or not data.unit_code:
            return
        task = await ctx.session.get(TaskContext, data.task_id)
        leader_name = "县指挥中心"
        if data.source == "leader":
            people = await directory.staff(ctx.session, [data.actor])
            leader_name = people[0].name if people else data.actor
        variables = flagged_variables(
            ticket_number=data.ticket_number,
            leader_name=leader_name,
            due_at=task.due_at if task else None,
        )
        await self._to_units(ctx, event, [data.unit_code], "task_flagged", variables)

    # --- mediation and alerts ----------------------------------------------------------

    async def case_opened(self, event: CaseOpened, ctx: HandlerContext) -> None:
        data = event.data
        variables = case_opened_variables(
            case_number=data.case_number, ticket_number=data.ticket_number
        )
        # The parties' phones are not in the event: the committee's mediators tell them.
        await self._to_units(ctx, event, [data.committee_code], "case_opened", variables)

    async def alert_raised(self, event: AlertRaised, ctx: HandlerContext) -> None:
        writer = self.writer(ctx)
        trigger = Trigger.of(event)
        await notify_alert(writer, trigger, event.data)
        await watch_alert(writer, trigger, event.data)

    async def alert_acknowledged(self, event: AlertAcknowledged, ctx: HandlerContext) -> None:
        data = event.data
        await acknowledge_alert(
            self.writer(ctx), data.alert_id, data.acknowledged_by, data.acknowledged_at
        )

    # --- webhooks -----------------------------------------------------------------------

    async def webhooks(self, event: EventEnvelope, ctx: HandlerContext) -> None:
        subscriptions = await matching_subscriptions(ctx.session, event, self.state.subscriptions)
        if not subscriptions:
            return
        writer = self.writer(ctx)
        trigger = Trigger.of(event)
        payload = event.model_dump_json()
        for subscription in subscriptions:
            await writer.webhook(trigger, subscription.id, payload)

    # --- shared -------------------------------------------------------------------------

    async def _to_units(
        self,
        ctx: HandlerContext,
        event: EventEnvelope,
        unit_codes: list[str],
        template: str,
        variables: dict[str, str],
        *,
        urgent: bool = False,
        sms: bool = True,
    ) -> None:
        """In-app to each unit's inbox, and an SMS to each unit that has a mobile contact."""
        writer = self.writer(ctx)
        trigger = Trigger.of(event)
        codes = list(dict.fromkeys(code for code in unit_codes if code))
        in_app = render(self.state.catalog, f"{template}.in_app", variables)
        await writer.in_app(trigger, [Recipient("unit", c) for c in codes], in_app, urgent=urgent)
        if not sms:
            return
        message = None
        for code in codes:
            phone = directory.unit_sms_phone(await directory.unit(ctx.session, code))
            if phone is None:
                continue
            message = message or render(self.state.catalog, f"{template}.sms", variables)
            recipient = Recipient("unit", code, Audience.STAFF, phone)
            await writer.sms(trigger, recipient, message, urgent=urgent)

    async def _unit_name(self, ctx: HandlerContext, task_id: Any, unit_code: str | None) -> str:
        task = await ctx.session.get(TaskContext, task_id)
        known = task.unit_name if task is not None and task.unit_code == unit_code else None
        return await directory.unit_name(ctx.session, unit_code, known)

    async def _remember_unit(self, ctx: HandlerContext, data: Any, unit_name: str | None) -> None:
        """After an assignment, reassignment or reopening: the task's unit and due date."""
        await self._remember_task(
            ctx, data, unit_code=data.unit_code, unit_name=unit_name, due_at=data.due_at
        )

    async def _remember_task(
        self,
        ctx: HandlerContext,
        data: Any,
        *,
        kind: str | None = None,
        unit_code: str | None = None,
        unit_name: str | None = None,
        due_at: datetime | None = None,
    ) -> None:
        """Upsert the task's context from a task event's ``data`` (ids, ticket number, area)."""
        await ctx.session.execute(
            _REMEMBER_TASK,
            {
                "task_id": data.task_id,
                "ticket_id": data.ticket_id,
                "ticket_number": data.ticket_number,
                "kind": kind or "ticket",
                "kind_known": kind is not None,
                "area_code": data.area_code,
                "unit_code": unit_code,
                "unit_name": unit_name,
                "due_at": due_at,
                "updated_at": ctx.clock(),
            },
        )


# Later events carry no unit name, due date or task kind: keep what the earlier ones said.
# (Plain SQL: SQLAlchemy compiles PostgreSQL's ON CONFLICT afresh on every call.)
_REMEMBER_TASK = text(
    """
    INSERT INTO task_contexts
        (task_id, ticket_id, ticket_number, kind, unit_code, unit_name, area_code, due_at,
         updated_at)
    VALUES
        (:task_id, :ticket_id, :ticket_number, :kind, :unit_code, :unit_name, :area_code,
         :due_at, :updated_at)
    ON CONFLICT (task_id) DO UPDATE SET
        unit_code = COALESCE(EXCLUDED.unit_code, task_contexts.unit_code),
        unit_name = COALESCE(EXCLUDED.unit_name, task_contexts.unit_name),
        due_at = COALESCE(EXCLUDED.due_at, task_contexts.due_at),
        kind = CASE WHEN :kind_known THEN EXCLUDED.kind ELSE task_contexts.kind END,
        updated_at = EXCLUDED.updated_at
    """
).bindparams(
    bindparam("task_id", type_=Uuid()),
    bindparam("ticket_id", type_=Uuid()),
    bindparam("due_at", type_=DateTime(timezone=True)),
    bindparam("updated_at", type_=DateTime(timezone=True)),
    bindparam("kind_known", type_=Boolean()),
)


def _webhook_sources() -> list[type[EventEnvelope]]:
    """Every event a subscriber may want: all but the directory (internal reference data)."""
    directory_events = {DirectoryUnitChanged, DirectoryStaffChanged, DirectoryRosterChanged}
    events = [
        *intake_events.EVENTS,
        *dispatch_events.EVENTS,
        *mediation_events.EVENTS,
        *riskassess_events.EVENTS,
    ]
    return [e for e in events if e not in directory_events]


def build_handlers(state: NotifyState) -> HandlerRegistry:
    h = Handlers(state)
    specific: dict[type[EventEnvelope], list[Handler]] = {
        DirectoryUnitChanged: [h.unit_changed],
        DirectoryStaffChanged: [h.staff_changed],
        DirectoryRosterChanged: [h.roster_changed],
        TicketRegistered: [h.ticket_registered],
        TicketMerged: [h.ticket_merged],
        TaskCreated: [h.task_created],
        TaskAssigned: [h.task_assigned],
        TaskReassigned: [h.task_reassigned],
        TaskReopened: [h.task_reopened],
        TaskExtensionDecided: [h.extension_decided],
        TaskDeadlineWarning: [h.deadline_warning],
        TaskOverdue: [h.overdue],
        TaskEscalated: [h.escalated],
        TaskFlagged: [h.flagged],
        TaskReplied: [h.task_replied],
        CaseOpened: [h.case_opened],
        AlertRaised: [h.alert_raised],
        AlertAcknowledged: [h.alert_acknowledged],
    }
    for event_class in _webhook_sources():
        specific.setdefault(event_class, []).append(h.webhooks)
    return specific
