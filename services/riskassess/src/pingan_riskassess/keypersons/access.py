"""Who may see key-person data, and the audit of every read.

Authorised roles: ``analyst`` (研判人员), ``leader`` (值班领导) and ``admin``, each only within
their area scope. Operators, dispatchers, handlers, grid workers and mediators see no
key-person data on any route: alerts about a key person name only the registry reference
(``KP-…``), and the registry routes answer them 403.

Grid workers (网格员) visit (走访) the persons registered in their own grid: for those, and
only those, they get the visit view (``VISITING_ROLES``; name, address, due date, nothing
more) and record visits; the registry routes still answer them 403.

Every read (list, detail, visits) and every write writes a ``key_person_audit`` row in the same
transaction as the answer: who, with which roles, what, which persons, on which route.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal, require
from pingan_riskassess.models import KeyPersonAudit

AUTHORISED_ROLES = ("analyst", "leader", "admin")

Authorised = Annotated[Principal, Depends(require(*AUTHORISED_ROLES))]
VISITING_ROLES = ("grid_worker", *AUTHORISED_ROLES)
Visitor = Annotated[Principal, Depends(require(*VISITING_ROLES))]


def audit(
    session: AsyncSession,
    principal: Principal,
    action: str,
    person_ids: Sequence[UUID],
    request: Request,
    now: datetime,
) -> None:
    session.add(
        KeyPersonAudit(
            at=now,
            actor=principal.subject,
            roles=sorted(principal.roles),
            action=action,
            person_ids=list(person_ids),
            route=f"{request.method} {request.url.path}"[:200],
        )
    )
