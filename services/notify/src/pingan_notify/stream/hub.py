"""The live stream's hub: new inbox items to the connected clients allowed to see them.

In-process, the handler that commits an item hands it to the hub right after the commit (no
polling); other replicas hear of it through ``stream.fanout``.

A client whose queue overflows (it reads slower than items arrive) is marked; its stream then
replays from the database instead of losing items.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any
from uuid import UUID

from pingan_common.auth import Principal
from pingan_notify.metrics import STREAM_CLIENTS


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
