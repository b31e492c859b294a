"""The task transitions, one function per action, collected in one table.

The caller has locked the task row and checked the lifecycle rules (``pingan_common.lifecycle``);
these functions apply the action: a state change, its timeline entry and its event. Refusals
that depend on the request's content (an extension too long, an unknown unit) raise
``ActionInvalid`` (422). The functions live by what they do: ``handover`` (who has the task),
``handling`` (the unit's work and its review), ``outcome`` (callback, close, reopen, flag, cancel).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pingan_dispatch.models import Task
from pingan_dispatch.tasks.conversion import do_convert_to_case
from pingan_dispatch.tasks.handling import (
    do_decide_extension,
    do_reply,
    do_request_extension,
    do_review,
)
from pingan_dispatch.tasks.handover import do_accept, do_assign, do_reassign, do_return
from pingan_dispatch.tasks.outcome import do_callback, do_cancel, do_flag, do_reopen
from pingan_dispatch.tasks.work import Work

# Each action function takes (work, task, body) with its own body class.
APPLY: dict[str, Callable[[Work, Task, Any], Awaitable[None]]] = {
    "assign": do_assign,
    "accept": do_accept,
    "return": do_return,
    "reassign": do_reassign,
    "request-extension": do_request_extension,
    "decide-extension": do_decide_extension,
    "reply": do_reply,
    "review": do_review,
    "callback": do_callback,
    "reopen": do_reopen,
    "flag": do_flag,
    "cancel": do_cancel,
    "convert-to-case": do_convert_to_case,
}
