"""One attempt at a queued SMS: the policies first, then the provider.

Quiet hours, the rate limit per recipient and the daily budget may hold the message (a hold
burns no attempt). A citizen's number is not stored: it is fetched at send time, from intake
for a caller, from mediation for a case's party.
Near the daily budget, the county's admins get one in-app warning per county day.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_notify.deliveries.attempts import ChannelSender, Hold
from pingan_notify.deliveries.policies import Audience, BudgetState
from pingan_notify.deliveries.trigger import Recipient, Trigger
from pingan_notify.deliveries.writer import DeliveryWriter
from pingan_notify.metrics import (
    DELIVERIES,
    SMS_BUDGET_LIMIT,
    SMS_BUDGET_NEAR,
    SMS_BUDGET_USED,
    SMS_SEGMENTS,
)
from pingan_notify.models import Delivery
from pingan_notify.settings import NotifySettings
from pingan_notify.sms.aliyun import AliyunStyleSmsProvider
from pingan_notify.sms.budget_counter import SENT_STATUSES, add_sent, segments_used
from pingan_notify.sms.caller_contact import fetch_caller_contact
from pingan_notify.sms.party_contact import fetch_party_contact, parse_party_recipient
from pingan_notify.sms.providers import SmsMessage, SmsOutcome, SmsProvider
from pingan_notify.sms.receipts import apply_early_report
from pingan_notify.sms.tencent import TencentStyleSmsProvider
from pingan_notify.surveys.callback_survey import SURVEY_TEMPLATE, survey_sent
from pingan_notify.templates.catalog import RenderedMessage

SESSION_NOTICE_TEMPLATE = "session_scheduled.sms"
BUDGET_NEAR_TRIGGER = "notify.sms_budget.near_limit"
_BUDGET_NAMESPACE = uuid.UUID("6f1c1e0e-5d2b-4f7e-9a59-0b7c6c1f5a10")


def build_provider(settings: NotifySettings, client: httpx.AsyncClient) -> SmsProvider:
    if settings.sms_provider == "tencent":
        return TencentStyleSmsProvider(
            base_url=settings.sms_endpoint(),
            secret_id=settings.sms_access_key_id,
            secret_key=settings.sms_access_key_secret,
            sdk_app_id=settings.sms_sdk_app_id,
            client=client,
        )
    return AliyunStyleSmsProvider(
        base_url=settings.sms_endpoint(),
        access_key_id=settings.sms_access_key_id,
        access_key_secret=settings.sms_access_key_secret,
        client=client,
    )


class SmsSending(ChannelSender):
    @cached_property
    def provider(self) -> SmsProvider:
        return build_provider(self.state.settings, self.http)

    async def send(self, row: Any) -> None:
        await self._check_policies(row)
        phone = row.address or await self._fetch_phone(row)
        if phone is None:
            return
        result = await self.provider.send(
            SmsMessage(
                phone=phone,
                sign_name=self.state.catalog.sign_name,
                template_code=row.template_code or "",
                params=self._ordered_params(row),
                text=row.body,
            )
        )
        if result.outcome is SmsOutcome.SENT:
            SMS_SEGMENTS.inc(result.segments or row.segments or 0)
            await self._sent(row, result.provider_message_id, phone)
        else:
            error = f"{result.error_code}: {result.error_message}"
            await self.outcomes.failed(row, error, permanent=result.outcome is SmsOutcome.PERMANENT)

    async def _fetch_phone(self, row: Any) -> str | None:
        """A citizen's number from its owner at send time: a mediation party's from mediation,
        a caller's from intake (a party's notice may name a ticket too: the recipient decides).
        None once the failure is recorded."""
        party = parse_party_recipient(row.recipient)
        if party is not None:
            contact = await fetch_party_contact(
                self.http, self.state.settings, party, reason=_contact_reason(row)
            )
            if contact.phone is None:
                await self.outcomes.failed(
                    row, contact.error or "no phone", permanent=contact.permanent
                )
            return contact.phone
        if row.ticket_id is None:
            await self.outcomes.failed(row, "no phone number to send to", permanent=True)
            return None
        caller = await fetch_caller_contact(
            self.http, self.state.settings, row.ticket_id, reason=_contact_reason(row)
        )
        if caller.phone is None:
            await self.outcomes.failed(row, caller.error or "no phone")
        return caller.phone

    async def _sent(self, row: Any, provider_message_id: str | None, phone: str) -> None:
        now = self.runtime.clock()
        async with self.runtime.transaction() as session:
            await self.outcomes.sent(
                row, now=now, provider_message_id=provider_message_id, session=session
            )
            await add_sent(session, self.state.policies.budget.day_start(now), row.segments or 0)
            if provider_message_id:
                delivered = await apply_early_report(session, provider_message_id)
                if delivered:
                    DELIVERIES.labels("sms", "delivered").inc(delivered)
            if row.template_id == SURVEY_TEMPLATE:
                await survey_sent(session, row.id, self.state.phone_hash(phone), now)

    def _ordered_params(self, row: Any) -> dict[str, str]:
        """The parameters in the template's order (JSONB keeps no order; Tencent needs it)."""
        params = row.params or {}
        try:
            template = self.state.catalog.get(row.template_id, row.template_version)
        except Exception:
            return dict(params)
        return {name: params[name] for name in template.variables if name in params}

    async def _check_policies(self, row: Any) -> None:
        now = self.runtime.clock()
        policies = self.state.policies
        held = policies.quiet_hours.hold_until(
            now, channel="sms", audience=Audience(row.audience), urgent=row.urgent
        )
        if held is not None:
            raise Hold(held, "quiet hours")
        async with self.runtime.transaction() as session:
            limit = policies.rate_limits.per_channel.get("sms")
            if limit is not None and not row.urgent:
                count, oldest = (
                    await session.execute(
                        select(func.count(), func.min(Delivery.sent_at)).where(
                            Delivery.recipient == row.recipient,
                            Delivery.channel == "sms",
                            Delivery.status.in_(SENT_STATUSES),
                            Delivery.sent_at > now - limit.window,
                        )
                    )
                ).one()
                if not policies.rate_limits.decide("sms", count, urgent=row.urgent).allowed:
                    raise Hold(oldest + limit.window, "rate limit")
            used = await self._budget_used(session, now)
        await self._check_budget(row, used, now)

    async def _budget_used(self, session: AsyncSession, now: datetime) -> int:
        return await segments_used(session, self.state.policies.budget.day_start(now))

    async def _check_budget(self, row: Any, used: int, now: datetime) -> None:
        budget = self.state.policies.budget
        SMS_BUDGET_USED.set(used)
        SMS_BUDGET_LIMIT.set(budget.daily_limit)
        state = budget.state(used + (row.segments or 1))
        SMS_BUDGET_NEAR.set(1 if state is not BudgetState.OK else 0)
        if state is not BudgetState.OK:
            await self._alert_budget_near(now, used)
        if not budget.allows(used, row.segments or 1):
            tomorrow = budget.day_start(now) + timedelta(days=1)
            raise Hold(tomorrow, "daily SMS budget exhausted")

    async def _alert_budget_near(self, now: datetime, used: int) -> None:
        """Once per county day (the unique delivery key dedups across passes and replicas)."""
        budget = self.state.policies.budget
        day = budget.day_start(now).date().isoformat()
        county = self.state.settings.county_code
        trigger = Trigger(
            event_id=uuid.uuid5(_BUDGET_NAMESPACE, f"sms-budget-near/{day}"),
            event_type=BUDGET_NEAR_TRIGGER,
            time=now,
            correlation_id=f"sms-budget-{day}",
            ticket_id=None,
            ticket_number=None,
            area_code=county,
        )
        title = "短信额度即将用尽"
        body = (
            f"今日短信已用 {used} 条（计费条数），日额度 {budget.daily_limit} 条；"
            "用尽后非紧急短信将暂停发送，请评估是否调整额度。"
        )
        message = RenderedMessage(
            template_id="system.sms_budget_near",
            version=1,
            channel="in_app",
            template_code=None,
            title=title,
            body=body,
            text=body,
            params={},
            segments=None,
        )
        async with self.runtime.transaction() as session:
            writer = DeliveryWriter.for_session(self.state, self.runtime, session, now)
            await writer.in_app(trigger, [Recipient("role", f"admin@{county}")], message)


def _contact_reason(row: Any) -> str:
    return {
        "ticket_receipt.sms": "receipt_sms",
        SURVEY_TEMPLATE: "survey_sms",
        SESSION_NOTICE_TEMPLATE: "session_notice_sms",
    }.get(row.template_id or "", "citizen_sms")
