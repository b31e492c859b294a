"""Notify tells the responsible unit or the role on duty about each step that needs them."""

from __future__ import annotations

from pingan_common.bus.consumer import HandlerContext, HandlerRegistry
from pingan_common.events import AlertRaised, CaseOpened, TaskAssigned
from pingan_notify.deliveries import deliver_in_app
from pingan_notify.messages import (
    notices_for_alert_raised,
    notices_for_case_opened,
    notices_for_task_assigned,
)


async def notify_task_assigned(event: TaskAssigned, ctx: HandlerContext) -> None:
    await deliver_in_app(event, notices_for_task_assigned(event), ctx)


async def notify_case_opened(event: CaseOpened, ctx: HandlerContext) -> None:
    await deliver_in_app(event, notices_for_case_opened(event), ctx)


async def notify_alert_raised(event: AlertRaised, ctx: HandlerContext) -> None:
    await deliver_in_app(event, notices_for_alert_raised(event), ctx)


HANDLERS: HandlerRegistry = {
    TaskAssigned: [notify_task_assigned],
    CaseOpened: [notify_case_opened],
    AlertRaised: [notify_alert_raised],
}
