"""What notify's service tests run notify with (PYTEST_DONT_REWRITE).

- ``notify_service(...)``: a running notify with a fast worker and the real local gateways, the
  test module's settings and clock; the harness produces its input events and tails its output.
- ``Contacts``: intake's caller-contact endpoint as notify calls it, with numbers the test
  registers and failures on command (served for real, like the SMS gateway simulator).
- ``Clock``: a service clock a test can set and move.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request, Response

import pingan_notify.bootstrap as notify_bootstrap
from pingan_common.db import system_clock
from pingan_common.events.topics import DISPATCH_TASKS, NOTIFY_DELIVERIES, dead_letter_topic
from pingan_common.testing.harness import ServiceHarness, service_harness
from pingan_common.testing.services import TestStack
from pingan_common.testing.sms_gateway import SMS_CALLBACK_TOKEN, SmsGateway
from pingan_notify.settings import NotifySettings


@asynccontextmanager
async def notify_service(
    stack: TestStack,
    gateway: SmsGateway,
    contacts: Contacts,
    *,
    clock: Clock | None = None,
    **overrides: Any,
) -> AsyncIterator[ServiceHarness]:
    """A running notify with a fast worker and the real local gateways; ``overrides`` are the
    test module's settings, ``clock`` a service clock the test can move."""
    settings = await stack.settings(
        NotifySettings,
        "notify",
        sms_base_url=gateway.base_url,
        intake_base_url=contacts.url,
        riskassess_base_url=contacts.url,
        worker_poll_interval_ms=50,
        # short: tests move the clock and wait for rows that fall due by time
        worker_idle_poll_interval_ms=50,
        **(
            {
                "sms_callback_token": SMS_CALLBACK_TOKEN,
                # the tests' webhook receivers listen on loopback
                "webhook_allow_private_targets": True,
            }
            | overrides
        ),
    )
    async with service_harness(
        stack,
        notify_bootstrap,
        settings,
        published=NOTIFY_DELIVERIES,
        dead_letters=dead_letter_topic(DISPATCH_TASKS, "notify"),
        default_role="dispatcher",
        clock=clock or system_clock,
    ) as harness:
        yield harness


@dataclass
class Contacts:
    """The other services' endpoints notify calls: ``GET /v1/tickets/{id}/caller-contact`` as
    intake answers it, and ``POST /v1/alerts/{id}/acknowledge`` as riskassess does (with
    ``ack_status``, 200 unless a test sets it; each call's bearer token recorded)."""

    url: str = ""
    phones: dict[str, str] = field(default_factory=dict)
    calls: list[dict[str, str]] = field(default_factory=list)
    fail_next: int = 0
    ack_status: int = 200
    acknowledgements: list[dict[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/v1/tickets/{ticket_id}/caller-contact")
        async def contact(ticket_id: str, request: Request) -> Response:
            with self._lock:
                self.calls.append(
                    {
                        "ticket_id": ticket_id,
                        "reason": request.query_params.get("reason", ""),
                        "api_key": request.headers.get("x-api-key", ""),
                    }
                )
                if self.fail_next > 0:
                    self.fail_next -= 1
                    return Response(status_code=503)
                phone = self.phones.get(ticket_id)
            if phone is None:
                return Response(status_code=404)
            return Response(
                content=f'{{"phone": "{phone}", "name": "王女士"}}', media_type="application/json"
            )

        @app.post("/v1/alerts/{alert_id}/acknowledge")
        async def acknowledge(alert_id: str, request: Request) -> Response:
            with self._lock:
                self.acknowledgements.append(
                    {
                        "alert_id": alert_id,
                        "authorization": request.headers.get("authorization", ""),
                    }
                )
                status = self.ack_status
            return Response(
                content='{"detail": "refused by riskassess"}',
                status_code=status,
                media_type="application/problem+json",
            )

        return app

    def register(self, ticket_id: Any, phone: str) -> None:
        with self._lock:
            self.phones[str(ticket_id)] = phone


@dataclass
class Clock:
    """The service's clock: real time, or a time the test set (which then stands still)."""

    fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed if self.fixed is not None else datetime.now(UTC)

    def set(self, moment: datetime) -> None:
        self.fixed = moment

    def advance(self, delta: timedelta) -> None:
        self.fixed = self() + delta

    def real(self) -> None:
        self.fixed = None
