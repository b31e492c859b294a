"""pytest plugin: the handler tier — a service's event handlers on a real PostgreSQL database,
without the broker, inside a transaction that is rolled back at the end.

Registered from the root ``conftest.py``. A service's ``tests/service/conftest.py`` opens it for
its own ``ServiceDefinition``:

    @pytest.fixture
    async def handlers(handler_tier):
        async with handler_tier(DEFINITION) as world:
            yield world

    async def test_a_dispute_opens_a_case(handlers, make_ticket):
        assert await handlers.deliver(make_ticket(dispositions=("mediation",))) == "applied"
        (opened,) = await handlers.published(CaseOpened)

What a test gets (``HandlerWorld``):

- ``session``: an ``AsyncSession`` on the service's own database, migrated once per test session
  to the head of the service's alembic history (``ServiceDefinition.migrations``);
- ``context``: the ``HandlerContext`` a handler is called with — that session, the service's
  ``Outbox``, a clock, the consumer group (the service's name, as in the running app) and the
  service's typed state;
- ``deliver(event)``: what the consumer runner does with one event, minus Kafka: claim it in the
  inbox, then call every handler the definition registers for its class, in order, in a
  savepoint (a handler that raises leaves nothing behind, as the runner's rollback would);
- ``published()``, ``scalar()``: what the transaction has written so far.

Everything a test writes is rolled back when it ends (``commit()`` inside only releases a
savepoint), so tests don't see each other's rows. Sequences are not transactional in
PostgreSQL: numbers drawn from them (a case number) are not given back.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from pingan_common.bus.consumer import HandlerContext
from pingan_common.bus.producer import EventProducer
from pingan_common.db import Clock, create_engine, session_factory, system_clock
from pingan_common.events.catalog import EVENT_ADAPTER
from pingan_common.events.envelope import EventEnvelope
from pingan_common.inbox import claim_event
from pingan_common.migrations import upgrade_to_head
from pingan_common.outbox import Outbox
from pingan_common.runtime import Runtime
from pingan_common.service import ServiceDefinition
from pingan_common.settings import ServiceSettings
from pingan_common.testing.infra import PostgresServer, fresh_database

EventT = TypeVar("EventT", bound=EventEnvelope)


@dataclass
class HandlerWorld:
    """One test's view of a service's database, with a handler context on the open transaction."""

    definition: ServiceDefinition
    session: AsyncSession
    context: HandlerContext

    async def deliver(self, event: EventEnvelope) -> str:
        """Apply ``event`` as the service's consumer would: ``"applied"``, ``"duplicate"`` (its
        id is already in the inbox) or ``"ignored"`` (no handler for its class)."""
        handlers = self.definition.handlers.get(type(event))
        if not handlers:
            return "ignored"
        async with self.session.begin_nested():
            if not await claim_event(self.session, self.definition.tables.inbox, self.group, event):
                return "duplicate"
            for handler in handlers:
                await handler(event, self.context)
        return "applied"

    @property
    def group(self) -> str:
        return self.context.group

    @overload
    async def published(self) -> list[EventEnvelope]: ...
    @overload
    async def published(self, event_class: type[EventT]) -> list[EventT]: ...

    async def published(self, event_class: type[EventEnvelope] | None = None) -> list[Any]:
        """The events written to the outbox in this transaction, in order (of one class)."""
        table = self.definition.tables.outbox
        statement = select(table.c.payload).order_by(table.c.id)
        if event_class is not None:
            statement = statement.where(table.c.event_type == event_class.event_type())
        payloads = (await self.session.scalars(statement)).all()
        return [EVENT_ADAPTER.validate_python(payload) for payload in payloads]

    async def scalar(self, sql: str, **params: Any) -> Any:
        return await self.session.scalar(text(sql), params)


HandlerTier = Callable[..., AbstractAsyncContextManager[HandlerWorld]]


@dataclass
class _MigratedDatabases:
    """One database per service for the whole test session, migrated once, dropped at the end."""

    postgres: PostgresServer
    prefix: str = field(default_factory=lambda: f"h{uuid.uuid4().hex[:6]}")
    engines: dict[str, AsyncEngine] = field(default_factory=dict)

    def name(self, definition: ServiceDefinition) -> str:
        return f"{self.prefix}_{definition.name}"

    async def engine(self, definition: ServiceDefinition) -> AsyncEngine:
        engine = self.engines.get(definition.name)
        if engine is None:
            url = await fresh_database(self.postgres, self.name(definition))
            engine = create_engine(url, pool_size=2)
            await upgrade_to_head(engine, definition.migrations)
            self.engines[definition.name] = engine
        return engine

    async def close(self) -> None:
        for service, engine in self.engines.items():
            await engine.dispose()
            await self.postgres.drop_database(f"{self.prefix}_{service}")
        self.engines.clear()


@pytest.fixture(scope="session")
async def handler_databases(postgres: PostgresServer) -> AsyncIterator[_MigratedDatabases]:
    databases = _MigratedDatabases(postgres)
    try:
        yield databases
    finally:
        await databases.close()


@pytest.fixture
def handler_tier(handler_databases: _MigratedDatabases) -> HandlerTier:
    """Open a ``HandlerWorld`` for a service: ``async with handler_tier(DEFINITION) as world``.

    ``clock``: the handlers' clock. ``state``: ``HandlerContext.state`` as given; or
    ``settings``: build it with the definition's own state factory from these settings (on a
    runtime whose producer is never started). Several worlds may be open in one test; each has
    its own transaction.
    """

    @asynccontextmanager
    async def open_world(
        definition: ServiceDefinition,
        *,
        clock: Clock = system_clock,
        state: Any = None,
        settings: ServiceSettings | None = None,
    ) -> AsyncIterator[HandlerWorld]:
        engine = await handler_databases.engine(definition)
        outbox = Outbox(definition.tables.outbox)
        if settings is not None and definition.state is not None:
            state = definition.state(_idle_runtime(definition, settings, engine, outbox, clock))
        async with engine.connect() as connection:
            transaction = await connection.begin()
            session = AsyncSession(
                bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
            )
            context = HandlerContext(session, outbox, clock, definition.name, state)
            try:
                yield HandlerWorld(definition, session, context)
            finally:
                await session.close()
                await transaction.rollback()

    return open_world


def _idle_runtime(
    definition: ServiceDefinition,
    settings: ServiceSettings,
    engine: AsyncEngine,
    outbox: Outbox,
    clock: Clock,
) -> Runtime:
    """A runtime for a state factory to read settings from; nothing in it is started."""
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        tables=definition.tables,
        outbox=outbox,
        producer=EventProducer(settings.kafka, service=definition.name),
        clock=clock,
    )
