"""App factory: one composition root for every service.

The lifespan builds engine, producer, relay and consumers from the settings it is given; nothing
touches infrastructure at import time, so tests pass their own settings and clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from pingan_common.auth import AuthContext, JwtVerifier
from pingan_common.body_limit import BodySizeLimit, HeaderSizeLimit
from pingan_common.bus.consumer import ConsumerDeps, ConsumerRunner
from pingan_common.bus.producer import EventProducer
from pingan_common.bus.topics_admin import ensure_topics
from pingan_common.db import Clock, create_engine, session_factory, system_clock
from pingan_common.events.topics import dead_letter_topic
from pingan_common.http_middleware import install_request_middleware
from pingan_common.input_guard import UnencodableInputGuard
from pingan_common.logging import configure_logging
from pingan_common.migrations import upgrade_to_head
from pingan_common.operations import operations_router
from pingan_common.outbox import Outbox, OutboxRelay
from pingan_common.problems import install_problem_handlers
from pingan_common.runtime import Runtime
from pingan_common.service import ServiceDefinition
from pingan_common.settings import ServiceSettings
from pingan_common.throttling import ClientThrottle

log = logging.getLogger("pingan.app")


def create_service_app(
    definition: ServiceDefinition, settings: ServiceSettings, *, clock: Clock = system_clock
) -> FastAPI:
    app = FastAPIOffline(
        title=definition.title,
        description=definition.description,
        version=definition.version,
        lifespan=_lifespan(definition, settings, clock),
    )
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(HeaderSizeLimit)
    app.add_middleware(UnencodableInputGuard)
    app.add_middleware(ClientThrottle, service=definition.name, settings=settings.throttle)
    install_request_middleware(app, service=definition.name)
    app.include_router(operations_router())
    for router in definition.routers:
        app.include_router(router)
    return app


def _lifespan(
    definition: ServiceDefinition, settings: ServiceSettings, clock: Clock
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(definition.name, settings.log_level)
        runtime = await _start(definition, settings, clock)
        app.state.runtime = runtime
        app.state.auth = AuthContext(
            verifier=JwtVerifier(settings.auth),
            api_key_resolver=(
                definition.api_key_resolver(runtime) if definition.api_key_resolver else None
            ),
        )
        log.info("%s started on %s:%s", definition.name, settings.host, settings.port)
        try:
            yield
        finally:
            await _stop(definition, runtime)
            await app.state.auth.verifier.aclose()
            log.info("%s stopped", definition.name)

    return lifespan


async def _start(definition: ServiceDefinition, settings: ServiceSettings, clock: Clock) -> Runtime:
    engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
    if settings.migrate_on_start:
        await upgrade_to_head(engine, definition.migrations)
    producer = EventProducer(settings.kafka, service=definition.name)
    await _start_producer(producer)
    runtime = Runtime(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        tables=definition.tables,
        outbox=Outbox(definition.tables.outbox),
        producer=producer,
        clock=clock,
    )
    try:
        await _start_components(definition, runtime)
    except BaseException:
        await _stop(definition, runtime)
        raise
    return runtime


async def _start_components(definition: ServiceDefinition, runtime: Runtime) -> None:
    settings = runtime.settings
    if settings.kafka.create_topics:
        await ensure_topics(settings.kafka, _topics_of(definition))
    if definition.state is not None:
        runtime.state = definition.state(runtime)
    if definition.on_start is not None:
        await definition.on_start(runtime)
    for make_worker in definition.workers:
        worker = make_worker(runtime)
        if worker is not None:
            runtime.workers[worker.name] = worker
            await worker.start()
    if settings.outbox.enabled:
        runtime.relay = OutboxRelay(
            engine=runtime.engine,
            outbox=runtime.outbox,
            producer=runtime.producer,
            settings=settings.outbox,
            service=definition.name,
            clock=runtime.clock,
        )
        runtime.relay.start()
    if settings.consumers_enabled and definition.handlers:
        runner = ConsumerRunner(
            service=definition.name,
            group=definition.name,
            handlers=definition.handlers,
            deps=ConsumerDeps(
                runtime.sessions,
                definition.tables.inbox,
                runtime.outbox,
                runtime.producer,
                runtime.clock,
                runtime.state,
            ),
            settings=settings.kafka,
        )
        runtime.consumers.append(runner)
        await runner.start()


async def _start_producer(producer: EventProducer, attempts: int = 30) -> None:
    """The broker may come up a moment after us; wait for it rather than crash-loop."""
    for attempt in range(1, attempts + 1):
        try:
            await producer.start()
            return
        except Exception:
            if attempt == attempts:
                raise
            log.warning("broker not reachable yet (attempt %d); retrying", attempt)
            await producer.stop()
            await asyncio.sleep(1)


async def _stop(definition: ServiceDefinition, runtime: Runtime) -> None:
    for worker in runtime.workers.values():
        await worker.stop()
    for runner in runtime.consumers:
        await runner.stop()
    if definition.on_stop is not None:
        await definition.on_stop()
    if runtime.relay is not None:
        await runtime.relay.stop()
    await runtime.producer.stop()
    await runtime.engine.dispose()


def _topics_of(definition: ServiceDefinition) -> set[str]:
    consumed = {event_class.topic for event_class in definition.handlers}
    published = {event_class.topic for event_class in definition.publishes}
    dead_letters = {dead_letter_topic(topic, definition.name) for topic in consumed}
    return consumed | published | dead_letters
