"""The API clients of the demo county: its third-party systems (refdata) and the platform's own
service clients (``data/service_clients.json``, e.g. notify reading callers' contacts)."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert

from pingan_common.refdata import load_county
from pingan_common.runtime import Runtime
from pingan_intake.models import ApiClient


def api_client_rows() -> list[dict[str, Any]]:
    rows = [
        {
            "client_id": client.client_id,
            "name": client.name,
            "key_sha256": client.key_sha256,
            "channels": list(client.channels),
            "area_codes": list(client.area_codes),
            "scopes": [],
        }
        for client in load_county().api_clients
    ]
    text = files("pingan_intake").joinpath("data", "service_clients.json").read_text("utf-8")
    for client in json.loads(text)["service_clients"]:
        rows.append({key: client[key] for key in rows[0]})
    return rows


async def load_api_clients(runtime: Runtime) -> None:
    """Idempotent: re-running updates the demo clients in place."""
    table = cast(Table, ApiClient.__table__)  # typed as any FromClause
    async with runtime.transaction() as session:
        for values in api_client_rows():
            values = {**values, "active": True}
            await session.execute(
                insert(table)
                .values(**values)
                .on_conflict_do_update(index_elements=["client_id"], set_=values)
            )
