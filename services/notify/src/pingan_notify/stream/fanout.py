"""The live stream across replicas, over PostgreSQL LISTEN/NOTIFY.

The hub sends the ids of new inbox items with ``NOTIFY`` on a separate, tiny transaction (never
inside the handler's: NOTIFY takes a global lock at commit); every other replica ``LISTEN``s,
loads those items and hands them to its own hub.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from pingan_common.runtime import Runtime
from pingan_notify.inbox.queries import items_by_id
from pingan_notify.stream.hub import StreamHub, StreamItem

log = logging.getLogger("pingan.notify.stream")

NOTIFY_CHANNEL = "pingan_notify_inbox"
# PostgreSQL caps a NOTIFY payload at 8000 bytes; stay well under it.
_IDS_PER_NOTIFY = 400

ItemLoader = Callable[[list[int]], Awaitable[list[StreamItem]]]
NotifySql = Callable[[str, str], Awaitable[None]]


class PgFanout:
    """Carries new item ids between replicas over PostgreSQL LISTEN/NOTIFY."""

    name = "notify-stream-fanout"

    def __init__(self, hub: StreamHub, dsn: str, load: ItemLoader, notify_sql: NotifySql) -> None:
        self._hub = hub
        self._dsn = dsn
        self._load = load
        self._notify_sql = notify_sql
        self._connection: asyncpg.Connection | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self._outgoing: list[int] = []
        self._sender: asyncio.Task[None] | None = None
        self._stopping = False

    @classmethod
    def for_runtime(cls, hub: StreamHub, runtime: Runtime) -> PgFanout:
        """Listening on a connection of its own, loading and notifying through the engine."""

        async def load(ids: list[int]) -> list[StreamItem]:
            async with runtime.transaction() as session:
                return await items_by_id(session, ids)

        async def notify(channel: str, payload: str) -> None:
            async with runtime.engine.connect() as connection:
                await connection.execute(
                    text("SELECT pg_notify(:channel, :payload)"),
                    {"channel": channel, "payload": payload},
                )
                await connection.commit()

        return cls(hub, _asyncpg_dsn(runtime.settings.database_url), load, notify)

    async def start(self) -> None:
        await self._connect()
        self._hub.broadcast_with(self._send_soon)
        self._supervisor = asyncio.create_task(self._keep_connected(), name="notify-fanout")

    async def stop(self) -> None:
        self._stopping = True
        self._hub.broadcast_with(None)
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        for task in list(self._pending):
            with contextlib.suppress(Exception):
                await task
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()

    async def _connect(self) -> None:
        self._connection = await asyncpg.connect(self._dsn)
        await self._connection.add_listener(NOTIFY_CHANNEL, self._on_notify)

    async def _keep_connected(self) -> None:
        while not self._stopping:
            await asyncio.sleep(2)
            if self._connection is None or self._connection.is_closed():
                try:
                    await self._connect()
                    log.info("stream fan-out listener reconnected")
                except Exception:
                    log.warning("stream fan-out listener cannot reconnect yet", exc_info=True)

    def _send_soon(self, ids: list[int]) -> None:
        """Queue ids for one sender: under load, the ids of many commits share one NOTIFY."""
        self._outgoing.extend(ids)
        if self._sender is None or self._sender.done():
            self._sender = asyncio.get_running_loop().create_task(self._send_all())
            self._track(self._sender)

    async def _send_all(self) -> None:
        while self._outgoing:
            ids, self._outgoing = self._outgoing, []
            try:
                for i in range(0, len(ids), _IDS_PER_NOTIFY):
                    payload = {"origin": self._hub.replica_id, "ids": ids[i : i + _IDS_PER_NOTIFY]}
                    await self._notify_sql(NOTIFY_CHANNEL, json.dumps(payload))
            except Exception:
                log.warning("could not tell other replicas about new inbox items", exc_info=True)

    def _on_notify(self, _connection: Any, _pid: int, _channel: str, payload: object) -> None:
        try:
            message = json.loads(str(payload))
        except ValueError:
            return
        if message.get("origin") == self._hub.replica_id:
            return
        self._track(asyncio.get_running_loop().create_task(self._deliver(message.get("ids", []))))

    async def _deliver(self, ids: list[int]) -> None:
        try:
            self._hub.publish(await self._load(ids), broadcast=False)
        except Exception:
            log.warning("could not load inbox items notified by another replica", exc_info=True)

    def _track(self, task: asyncio.Task[None]) -> None:
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)


def _asyncpg_dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
