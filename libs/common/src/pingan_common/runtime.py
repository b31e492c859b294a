"""What a running service holds: built in the lifespan from settings, never at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from pingan_common.bus.consumer import ConsumerRunner
from pingan_common.bus.producer import EventProducer
from pingan_common.db import Clock, SessionFactory
from pingan_common.events.envelope import EventEnvelope
from pingan_common.messaging_tables import MessagingTables
from pingan_common.outbox import Outbox, OutboxRelay
from pingan_common.settings import ServiceSettings
from pingan_common.workers import BackgroundWorker


@dataclass
class Runtime:
    settings: ServiceSettings
    engine: AsyncEngine
    sessions: SessionFactory
    tables: MessagingTables
    outbox: Outbox
    producer: EventProducer
    clock: Clock
    relay: OutboxRelay | None = None
    consumers: list[ConsumerRunner] = field(default_factory=list)
    workers: dict[str, BackgroundWorker] = field(default_factory=dict)
    # The service's own typed state object (``ServiceDefinition.state``), built at start-up.
    state: Any = None

    @asynccontextmanager
    async def transaction(self, *, one_snapshot: bool = False) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits on success, rolls back on any exception.

        ``one_snapshot``: every statement sees the same snapshot (REPEATABLE READ). Under the
        default READ COMMITTED, a read of a ticket and then of its timeline could straddle a
        consumer's commit and show a new timeline entry beside the old status.
        """
        async with self.sessions.begin() as session:
            if one_snapshot:
                await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
            yield session

    async def publish(self, session: AsyncSession, event: EventEnvelope) -> None:
        await self.outbox.add(session, event)

    def now(self) -> datetime:
        return self.clock()


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
