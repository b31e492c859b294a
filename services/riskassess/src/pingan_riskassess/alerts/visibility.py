"""Which alerts a reader sees: those in their area, and an alert about a registered key person
(subject ``key_person``) only when they may see key-person data (``keypersons.access``).

Dispatchers and grid workers read alerts too; a key person's alert would tell them, by its
subject, its evidence (涉及在册社区矫正人员) and its ticket, that a caller is on the registry.
For them such an alert does not exist: left out of lists, 404 on its own route.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_

from pingan_common.auth import Principal
from pingan_common.problems import NotFound
from pingan_common.scoping import within_area
from pingan_riskassess.keypersons.access import AUTHORISED_ROLES
from pingan_riskassess.models import Alert


def sees_key_persons(principal: Principal) -> bool:
    return principal.has_role(*AUTHORISED_ROLES)


def visible_alerts(principal: Principal) -> ColumnElement[bool]:
    in_area = within_area(Alert.area_code, principal)
    if sees_key_persons(principal):
        return in_area
    return and_(in_area, Alert.subject_kind != "key_person")


def ensure_readable(principal: Principal, alert: Alert) -> None:
    """After the area check: a key person's alert is not found for other readers."""
    if alert.subject_kind == "key_person" and not sees_key_persons(principal):
        raise NotFound("alert", str(alert.id))
