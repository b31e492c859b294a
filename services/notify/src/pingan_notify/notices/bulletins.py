"""Warning bulletins (预警通报) from riskassess: an in-app item in the inbox of every unit the
bulletin names, and one for every grid worker working inside the areas it names (a township, a
village or a grid: prefix match on their area, from the directory copy). Red and orange
bulletins are urgent.

The text is the issuer's own (title and body as written after the 会商研判), not a template:
the delivery is marked with the pseudo-template ``warning_bulletin`` so it is told apart.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events.riskassess_bulletins import BulletinIssued
from pingan_notify.deliveries.trigger import Recipient, Trigger
from pingan_notify.deliveries.writer import DeliveryWriter
from pingan_notify.models import DirectoryStaff
from pingan_notify.notices.messages import LEVEL_LABELS, URGENT_ALERT_LEVELS
from pingan_notify.templates.catalog import RenderedMessage

BULLETIN_TEMPLATE = "warning_bulletin"


def bulletin_message(event: BulletinIssued) -> RenderedMessage:
    data = event.data
    level = LEVEL_LABELS.get(data.level.value, data.level.value)
    title = f"【{level}预警通报】{data.title}"
    body = f"{data.bulletin_number}　{data.body}"
    return RenderedMessage(
        template_id=BULLETIN_TEMPLATE,
        version=1,
        channel="in_app",
        template_code=None,
        title=title,
        body=body,
        text=body,
        params={},
        segments=None,
    )


async def grid_workers_in(ctx: HandlerContext, area_codes: list[str]) -> list[str]:
    """User ids of the active grid workers whose own area lies inside one of these areas."""
    if not area_codes:
        return []
    rows = await ctx.session.scalars(
        select(DirectoryStaff)
        .where(
            DirectoryStaff.active,
            or_(*(DirectoryStaff.area_code.startswith(code) for code in area_codes)),
        )
        .order_by(DirectoryStaff.user_id)
    )
    return [row.user_id for row in rows if "grid_worker" in (row.roles or [])]


async def on_bulletin_issued(event: BulletinIssued, ctx: HandlerContext) -> None:
    data = event.data
    recipients = [Recipient("unit", code) for code in dict.fromkeys(data.unit_codes)] + [
        Recipient("user", user_id) for user_id in await grid_workers_in(ctx, data.area_codes)
    ]
    writer = DeliveryWriter.for_handler(ctx)
    await writer.in_app(
        Trigger.of(event),
        recipients,
        bulletin_message(event),
        urgent=data.level.value in URGENT_ALERT_LEVELS,
    )
