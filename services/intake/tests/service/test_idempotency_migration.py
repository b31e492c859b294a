"""Migration 0003 carries the Idempotency-Keys of ticket creates and actions into the shared
claims table, so a retry keyed before the migration still answers the first ticket."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from pingan_common.auth import Principal
from pingan_common.db import create_engine, session_factory
from pingan_common.idempotency import claim
from pingan_common.ids import new_id
from pingan_common.migrations import alembic_config
from pingan_common.testing.infra import fresh_database
from pingan_intake.models import idempotency_records
from pingan_intake.registration.idempotency import create_request
from pingan_intake.registration.schemas import TicketCreate

BEFORE = "7c2e9a41b0d3"  # 0002, the last revision with the two tables
AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
OPERATOR = Principal("operator1", "王芳", roles={"operator"}, area_code="331199")
BODY = TicketCreate.model_validate(
    {
        "channel": "hotline_12345",
        "description": "人民路的路灯坏了，晚上很黑",
        "caller": {"name": "王女士", "phone": "13800138000"},
        "location": {"lon": 119.75, "lat": 28.15},
    }
)
TICKET = text(
    "INSERT INTO tickets (id, ticket_number, channel, status, description, area_code,"
    " location_resolved, category_group, category_label, urgency, disposition, dispositions,"
    " attachments, reported_at, registered_at, registered_by, updated_at)"
    " VALUES (:id, 'QS20261201000001', 'hotline_12345', 'registered', '路灯坏了', '331199',"
    " false, 'city_service', '路灯', 'normal', 'dispatch', '{dispatch}', '[]', :at, :at,"
    " 'operator1', :at)"
)


def _migrate(connection: Connection, revision: str, *, down: bool = False) -> None:
    config = alembic_config("pingan_intake:migrations")
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)


async def test_keys_of_creates_and_actions_move_to_the_claims_table_and_still_match(postgres):
    engine = create_engine(await fresh_database(postgres, "intake_idempotency_0003"), pool_size=1)
    ticket_id = new_id()
    create_hash = hashlib.sha256(BODY.model_dump_json().encode()).hexdigest()
    action_hash = hashlib.sha256(f"merge:{ticket_id}:{{}}".encode()).hexdigest()
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_migrate, BEFORE)
            await conn.execute(TICKET, {"id": ticket_id, "at": AT})
            await conn.execute(
                text(
                    "INSERT INTO idempotency_keys (principal, key, request_hash, ticket_id,"
                    " created_at) VALUES ('operator1', 'create-1', :hash, :ticket, :at)"
                ),
                {"hash": create_hash, "ticket": ticket_id, "at": AT},
            )
            await conn.execute(
                text(
                    "INSERT INTO ticket_action_keys (principal, key, action, request_hash,"
                    " ticket_id, created_at) VALUES ('operator1', 'merge-1', 'merge', :hash,"
                    " :ticket, :at)"
                ),
                {"hash": action_hash, "ticket": ticket_id, "at": AT},
            )
            await conn.run_sync(_migrate, "head")

            claims = (
                await conn.execute(
                    text(
                        "SELECT scope, principal, key, request_hash, resource_id, created_at"
                        " FROM idempotency_records ORDER BY scope"
                    )
                )
            ).all()
            assert [tuple(row) for row in claims] == [
                ("ticket.action", "operator1", "merge-1", action_hash, str(ticket_id), AT),
                ("ticket.create", "operator1", "create-1", create_hash, str(ticket_id), AT),
            ]
            old_tables = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_tables"
                    " WHERE tablename IN ('idempotency_keys', 'ticket_action_keys')"
                )
            )
            assert old_tables == 0

        async with session_factory(engine).begin() as session:
            retry = create_request("create-1", OPERATOR, BODY)
            assert retry is not None
            earlier = await claim(session, idempotency_records, retry, resource_id=new_id(), now=AT)
            assert earlier == str(ticket_id)

        async with engine.begin() as conn:
            await conn.run_sync(_migrate, BEFORE, down=True)
            back = await conn.scalar(
                text("SELECT ticket_id FROM idempotency_keys WHERE key = 'create-1'")
            )
            assert back == ticket_id
            assert await conn.scalar(text("SELECT count(*) FROM ticket_action_keys")) == 1
    finally:
        await engine.dispose()
