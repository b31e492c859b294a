"""Idempotency-Keys in the shared claims table

``idempotency_records`` (``pingan_common.idempotency``) replaces the two tables intake kept:
``idempotency_keys`` (ticket creates, scope ``ticket.create``) and ``ticket_action_keys`` (merge,
split, retract, supplement, answer; scope ``ticket.action``). Their rows are carried over with
their request hashes, which intake still computes the same way, so a retry of a request keyed
before this migration still answers the first result; the resource is the ticket, by its id as
text. The action's name is not carried over: it is part of the hashed request and nothing read it.

Revision ID: 18f4c36783f5
Revises: 7c2e9a41b0d3
Create Date: 2026-12-03 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "18f4c36783f5"
down_revision: str | Sequence[str] | None = "7c2e9a41b0d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_records",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("principal", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_idempotency_records"),
        sa.UniqueConstraint("principal", "scope", "key", name="uq_idempotency_records_key"),
    )
    op.create_index("ix_idempotency_records_created_at", "idempotency_records", ["created_at"])
    op.execute(
        "INSERT INTO idempotency_records"
        " (scope, principal, key, request_hash, resource_id, created_at)"
        " SELECT 'ticket.create', principal, key, request_hash, ticket_id::text, created_at"
        " FROM idempotency_keys ORDER BY id"
    )
    op.execute(
        "INSERT INTO idempotency_records"
        " (scope, principal, key, request_hash, resource_id, created_at)"
        " SELECT 'ticket.action', principal, key, request_hash, ticket_id::text, created_at"
        " FROM ticket_action_keys ORDER BY id"
    )
    op.drop_index("ix_ticket_action_keys_created_at", table_name="ticket_action_keys")
    op.drop_table("ticket_action_keys")
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")


def downgrade() -> None:
    """The two tables as migrations 0001 and 0002 made them, with the claims copied back (an
    action's name comes back empty)."""
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("principal", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_idempotency_keys_ticket_id_tickets"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_idempotency_keys"),
        sa.UniqueConstraint("principal", "key", name="uq_idempotency_keys_principal"),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    op.create_table(
        "ticket_action_keys",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("principal", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_ticket_action_keys_ticket_id_tickets"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_action_keys"),
        sa.UniqueConstraint("principal", "key", name="uq_ticket_action_keys_principal"),
    )
    op.create_index("ix_ticket_action_keys_created_at", "ticket_action_keys", ["created_at"])
    op.execute(
        "INSERT INTO idempotency_keys (principal, key, request_hash, ticket_id, created_at)"
        " SELECT principal, key, request_hash, resource_id::uuid, created_at"
        " FROM idempotency_records WHERE scope = 'ticket.create' ORDER BY id"
    )
    op.execute(
        "INSERT INTO ticket_action_keys"
        " (principal, key, action, request_hash, ticket_id, created_at)"
        " SELECT principal, key, '', request_hash, resource_id::uuid, created_at"
        " FROM idempotency_records WHERE scope = 'ticket.action' ORDER BY id"
    )
    op.drop_index("ix_idempotency_records_created_at", table_name="idempotency_records")
    op.drop_table("idempotency_records")
