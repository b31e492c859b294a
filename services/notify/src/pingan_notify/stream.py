"""The live stream's fan-out: new inbox items to the connected clients allowed to see them.

In-process, the handler that commits an item hands it to the hub right after the commit (no
polling). Across replicas, the hub sends the new item ids with PostgreSQL ``NOTIFY`` on a
separate, tiny transaction (never inside the handler's: NOTIFY takes a global lock at commit);
every other replica ``LISTEN``s, loads those items and fans them out to its own clients.

A client whose queue overflows (it reads slower than items arrive) is marked; its stream then
replays from the database instead of losing items.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from pingan_common.auth import Principal
from pingan_notify.metrics import STREAM_CLIENTS

log = logging.getLogger("pingan.notify.stream")

NOTIFY_CHANNEL = "pingan_notify_inbox"
# PostgreSQL caps a NOTIFY payload at 8000 bytes; stay well under it.
_IDS_PER_NOTIFY = 400


@dataclass(frozen=True)
class StreamItem:
    """An inbox item as the stream and the inbox API show it."""

    id: int
    recipient_kind: str
    recipient: str
    area_code: str | None
    kind: str
    title: str
    body: str
    ticket_id: UUID | None
    ticket_number: str | None
    alert_id: UUID | None
    urgent: bool
    requires_ack: bool
    trigger_time: datetime
    created_at: datetime
    read_at: datetime | None = None
    acknowledged_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Any) -> StreamItem:
        return cls(**{item_field.name: getattr(row, item_field.name) for item_field in fields(cls)})

    def visible_to(self, principal: Principal) -> bool:
        return item_visible_to(principal, self.recipient_kind, self.recipient)

    def as_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "kind": self.kind,
                "title": self.title,
                "body": self.body,
                "recipient_kind": self.recipient_kind,
                "recipient": self.recipient,
                "area_code": self.area_code,
                "ticket_id": str(self.ticket_id) if self.ticket_id else None,
                "ticket_number": self.ticket_number,
                "alert_id": str(self.alert_id) if self.alert_id else None,
                "urgent": self.urgent,
                "requires_ack": self.requires_ack,
                "trigger_time": self.trigger_time.isoformat(),
                "created_at": self.created_at.isoformat(),
            },
            ensure_ascii=False,
        )


def item_visible_to(principal: Principal, recipient_kind: str, recipient: str) -> bool:
    """The inbox rule: your own items, your unit's, and your role's within your areas."""
    if recipient_kind == "user":
        return recipient == principal.subject
    if recipient_kind == "unit":
        return principal.unit_code is not None and recipient == principal.unit_code
    if recipient_kind == "role":
        role, _, area = recipient.partition("@")
        return principal.has_role(role) and any(
            area.startswith(prefix) for prefix in principal.area_prefixes
        )
    return False


@dataclass(eq=False)
class Subscriber:
    principal: Principal
    queue: asyncio.Queue[StreamItem]
    overflowed: bool = False


@dataclass
class StreamHub:
    queue_size: int = 1000
    replica_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    _subscribers: set[Subscriber] = field(default_factory=set)
    _broadcast: Callable[[list[int]], None] | None = None

    def subscribe(self, principal: Principal) -> Subscriber:
        subscriber = Subscriber(principal, asyncio.Queue(self.queue_size))
        self._subscribers.add(subscriber)
        STREAM_CLIENTS.set(len(self._subscribers))
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)
        STREAM_CLIENTS.set(len(self._subscribers))

    @property
    def client_count(self) -> int:
        return len(self._subscribers)

    def publish(self, items: Iterable[StreamItem], *, broadcast: bool = True) -> None:
        """Hand committed items to every client allowed to see them (and to other replicas)."""
        items = list(items)
        if not items:
            return
        for subscriber in list(self._subscribers):
            for item in items:
                if not item.visible_to(subscriber.principal):
                    continue
                try:
                    subscriber.queue.put_nowait(item)
                except asyncio.QueueFull:
                    subscriber.overflowed = True
        if broadcast and self._broadcast is not None:
            self._broadcast([item.id for item in items])

    def broadcast_with(self, send: Callable[[list[int]], None] | None) -> None:
        self._broadcast = send


ItemLoader = Callable[[list[int]], Awaitable[list[StreamItem]]]


class PgFanout:
    """Carries new item ids between replicas over PostgreSQL LISTEN/NOTIFY."""

    name = "notify-stream-fanout"

    def __init__(self, hub: StreamHub, dsn: str, load: ItemLoader, notify_sql: Callable) -> None:
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

    def _on_notify(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            message = json.loads(payload)
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
