"""The unit of work of a lifecycle: the state change, its history row and its events commit
together in one transaction (the outbox is in the same database), or none of them does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar, cast
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal
from pingan_common.events.envelope import EventEnvelope
from pingan_common.lifecycle.rules import Lifecycle
from pingan_common.outbox import Outbox

SYSTEM = "system"


class Aggregate(Protocol):
    """What the engine needs of an aggregate's row (properties, so mapped columns match)."""

    @property
    def id(self) -> Any: ...

    @property
    def state(self) -> str: ...

    @property
    def version(self) -> int: ...

    @property
    def updated_at(self) -> Any: ...

    @updated_at.setter
    def updated_at(self, value: Any) -> None: ...


# Not bound to Aggregate: mypy cannot match mapped columns to the protocol in a base class
# list (``class TaskWork(AggregateWork[Task])``); the engine casts where it reads the row.
A = TypeVar("A")
V = TypeVar("V")


@dataclass(frozen=True)
class AggregateKind(Generic[A, V]):
    """Everything the engine needs to know about one kind of aggregate.

    ``view`` turns a row into what the rules read (``V``) at an instant; ``correlation`` names
    the originating ticket every event of the aggregate carries; ``ensure_visible`` raises a
    problem (404/403) when the principal may not see the row at all.
    """

    name: str
    model: type[A]
    # A mapped subclass of HistoryMixin; typed loosely because the mixin alone takes no kwargs.
    history_model: type[Any]
    history_key: str
    lifecycle: Lifecycle[V]
    view: Callable[[A, datetime], V]
    correlation: Callable[[A], str]
    ensure_visible: Callable[[Principal, A], None]

    def allowed_actions(self, aggregate: A, principal: Principal, now: datetime) -> list[str]:
        return self.lifecycle.allowed_actions(self.view(aggregate, now), principal)

    async def history(self, session: AsyncSession, aggregate_id: Any) -> list[Any]:
        key = getattr(self.history_model, self.history_key)
        rows = await session.scalars(
            select(self.history_model).where(key == aggregate_id).order_by(self.history_model.id)
        )
        return list(rows)


@dataclass
class AggregateWork(Generic[A]):
    """One unit of work on aggregates of one kind: the transaction, the outbox, when, who."""

    kind: AggregateKind[A, Any]
    session: AsyncSession
    outbox: Outbox
    now: datetime
    actor: str = SYSTEM
    causation: EventEnvelope | None = None

    async def publish(self, aggregate: A, event_class: type[EventEnvelope], data: Any) -> None:
        event = event_class.create(
            data,
            subject=str(cast(Aggregate, aggregate).id),
            correlationid=self.kind.correlation(aggregate),
            causation=self.causation,
            time=self.now,
        )
        await self.outbox.add(self.session, event)

    def record(
        self, aggregate: A, action: str, from_state: str | None, details: dict | None = None
    ) -> None:
        """The history row of a transition whose state change is already on ``aggregate``."""
        row = cast(Aggregate, aggregate)
        self.session.add(
            self.kind.history_model(
                **{self.kind.history_key: row.id},
                at=self.now,
                action=action,
                actor=self.actor,
                from_state=from_state,
                to_state=row.state,
                details=jsonable(details or {}),
            )
        )
        row.updated_at = self.now


def jsonable(value: Any) -> Any:
    """History details as JSON: instants as ISO 8601, ids as strings, models dumped."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value
