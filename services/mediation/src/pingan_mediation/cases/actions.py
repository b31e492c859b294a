"""The case transitions, one function per action, collected in one table.

The caller (``pingan_common.lifecycle.perform``) has locked the case row and checked the rules;
these functions apply the action: the state change, its history row and its events. They live
by what they do: ``progress`` (who holds the case, where), ``sessions`` (the mediation itself),
``outcome`` (agreement, follow-ups, referral, closing).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pingan_mediation.cases.outcome import (
    do_close,
    do_record_agreement,
    do_record_followup,
    do_refer,
)
from pingan_mediation.cases.progress import (
    do_accept,
    do_add_party,
    do_assign,
    do_decline,
    do_escalate,
    do_extend,
    do_take_lead,
    do_withdraw,
)
from pingan_mediation.cases.sessions import (
    do_record_failure,
    do_record_session,
    do_schedule_session,
)
from pingan_mediation.cases.work import Work
from pingan_mediation.models import Case

APPLY: dict[str, Callable[[Work, Case, Any], Awaitable[None]]] = {
    "accept": do_accept,
    "decline": do_decline,
    "assign": do_assign,
    "take-lead": do_take_lead,
    "add-party": do_add_party,
    "schedule-session": do_schedule_session,
    "record-session": do_record_session,
    "record-agreement": do_record_agreement,
    "record-failure": do_record_failure,
    "escalate": do_escalate,
    "extend": do_extend,
    "refer": do_refer,
    "record-followup": do_record_followup,
    "close": do_close,
    "withdraw": do_withdraw,
}
