"""Reading alerts from riskassess with the user's own token."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from pingan_console.alerts.labels import OPEN_STATES
from pingan_console.shell.context import Console

PAGE_LIMIT = 200


async def open_alerts(console: Console, token: str) -> tuple[list[dict[str, Any]], bool]:
    """Every open alert the user may read (one list call per open state, side by side), and
    whether the lists were complete (False if a state had more than one page)."""
    pages = await asyncio.gather(
        *(
            console.upstream.get("riskassess", "/v1/alerts", token, state=state, limit=PAGE_LIMIT)
            for state in OPEN_STATES
        )
    )
    alerts = [item for page in pages for item in page["items"]]
    return alerts, all(page.get("next_cursor") is None for page in pages)


async def alert_detail(console: Console, token: str, alert_id: str) -> dict[str, Any]:
    detail: dict[str, Any] = await console.upstream.get(
        "riskassess", f"/v1/alerts/{alert_id}", token
    )
    return detail


SYSTEM_ACTORS = {"": "系统", "system": "系统", "riskassess": "研判服务", "scanner": "系统"}


def staff_namer(console: Console) -> Callable[[str], str]:
    """A staff member's name from the reference data; the services' own actors in Chinese."""

    def name(username: str) -> str:
        if username in SYSTEM_ACTORS:
            return SYSTEM_ACTORS[username]
        member = console.county.user(username)
        return member.display_name if member else username

    return name
