"""The outbox and inbox tables, defined on each service's own MetaData."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table

    @classmethod
    def define(cls, metadata: MetaData) -> MessagingTables:
        return cls(outbox=_outbox_table(metadata), inbox=_inbox_table(metadata))


def _outbox_table(metadata: MetaData) -> Table:
    table = Table(
        "outbox",
        metadata,
        # The identity gives the publication order; ordering by it keeps each aggregate in order.
        Column("id", BigInteger, Identity(always=True), primary_key=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("event_type", String(200), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("message_key", String(200), nullable=False),
        Column("payload", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
        Column("sent_at", DateTime(timezone=True), nullable=True),
    )
    Index("ix_outbox_unsent", table.c.id, postgresql_where=table.c.sent_at.is_(None))
    Index("ix_outbox_created_at", table.c.created_at)
    return table


def _inbox_table(metadata: MetaData) -> Table:
    table = Table(
        "inbox",
        metadata,
        Column("consumer_group", String(100), nullable=False),
        Column("event_id", Uuid, nullable=False),
        Column("event_type", Text, nullable=False),
        Column(
            "received_at", DateTime(timezone=True), nullable=False, server_default=text("now()")
        ),
        PrimaryKeyConstraint("consumer_group", "event_id", name="pk_inbox"),
    )
    Index("ix_inbox_received_at", table.c.received_at)
    return table
