"""merges, repeats and amendments

Master ticket and caller count (并单), repeat-call links (重复来电), the merge history, the
amendments (补充, 撤单, direct answers) and the Idempotency-Keys of ticket actions.

Revision ID: 7c2e9a41b0d3
Revises: 5df8fe1abd0a
Create Date: 2026-11-24 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "7c2e9a41b0d3"
down_revision: str | Sequence[str] | None = "5df8fe1abd0a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("master_ticket_id", sa.Uuid(), nullable=True))
    op.add_column(
        "tickets", sa.Column("caller_count", sa.Integer(), server_default="1", nullable=False)
    )
    op.add_column("tickets", sa.Column("repeat_of_ticket_id", sa.Uuid(), nullable=True))
    op.add_column(
        "tickets", sa.Column("repeat_count", sa.Integer(), server_default="1", nullable=False)
    )
    op.add_column("tickets", sa.Column("repeat_flag", sa.String(length=16), nullable=True))
    op.create_foreign_key(
        op.f("fk_tickets_master_ticket_id_tickets"),
        "tickets",
        "tickets",
        ["master_ticket_id"],
        ["id"],
    )
    op.create_foreign_key(
        op.f("fk_tickets_repeat_of_ticket_id_tickets"),
        "tickets",
        "tickets",
        ["repeat_of_ticket_id"],
        ["id"],
    )
    op.create_index(op.f("ix_tickets_master_ticket_id"), "tickets", ["master_ticket_id"])
    op.create_index(
        "ix_tickets_duplicate_lookup",
        "tickets",
        ["category_code", "township_code", "registered_at"],
    )
    op.create_index(
        "ix_tickets_caller_phone_registered_at", "tickets", ["caller_phone", "registered_at"]
    )

    op.create_table(
        "ticket_merges",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("master_ticket_id", sa.Uuid(), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("merged_by", sa.String(length=100), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("split_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("split_by", sa.String(length=100), nullable=True),
        sa.Column("split_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_merges_ticket_id_tickets")
        ),
        sa.ForeignKeyConstraint(
            ["master_ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_merges_master_ticket_id_tickets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_merges")),
    )
    op.create_index(op.f("ix_ticket_merges_ticket_id"), "ticket_merges", ["ticket_id"])
    op.create_index(
        op.f("ix_ticket_merges_master_ticket_id"), "ticket_merges", ["master_ticket_id"]
    )

    op.create_table(
        "ticket_amendments",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attachments", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("knowledge_entry_id", sa.String(length=32), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_amendments_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_amendments")),
    )
    op.create_index(op.f("ix_ticket_amendments_ticket_id"), "ticket_amendments", ["ticket_id"])

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
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_action_keys_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_action_keys")),
        sa.UniqueConstraint("principal", "key", name=op.f("uq_ticket_action_keys_principal")),
    )
    op.create_index(op.f("ix_ticket_action_keys_created_at"), "ticket_action_keys", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_ticket_action_keys_created_at"), table_name="ticket_action_keys")
    op.drop_table("ticket_action_keys")
    op.drop_index(op.f("ix_ticket_amendments_ticket_id"), table_name="ticket_amendments")
    op.drop_table("ticket_amendments")
    op.drop_index(op.f("ix_ticket_merges_master_ticket_id"), table_name="ticket_merges")
    op.drop_index(op.f("ix_ticket_merges_ticket_id"), table_name="ticket_merges")
    op.drop_table("ticket_merges")
    op.drop_index("ix_tickets_caller_phone_registered_at", table_name="tickets")
    op.drop_index("ix_tickets_duplicate_lookup", table_name="tickets")
    op.drop_index(op.f("ix_tickets_master_ticket_id"), table_name="tickets")
    op.drop_constraint(
        op.f("fk_tickets_repeat_of_ticket_id_tickets"), "tickets", type_="foreignkey"
    )
    op.drop_constraint(op.f("fk_tickets_master_ticket_id_tickets"), "tickets", type_="foreignkey")
    for column in (
        "repeat_flag",
        "repeat_count",
        "repeat_of_ticket_id",
        "caller_count",
        "master_ticket_id",
    ):
        op.drop_column("tickets", column)
