"""The task state machine, pure: which action may move a task from which state, and who may act.

States::

    created ──assign──▶ assigned ──accept──▶ accepted ──reply──▶ replied ──review(ok)──▶ reviewed
       │                 ▲   │                  │  ▲                 │                      │
       │                 │   └──return──▶ returned (dispatcher's queue) ◀─return─┘          │
       │                 └──────assign─────────┘  └─ in_progress ◀─review(reject)─┘      callback
       │                                                                                      │
       └── cancel (any open state) ──▶ cancelled          closed ◀── satisfied / basically ──┘
                                                            │  unsatisfied → reopened (assigned)
                                                            └── reopen ──▶ assigned

* ``created``: opened but not routed (no unit could be chosen); the dispatcher assigns it.
* ``returned``: a unit sent it back (退单); it waits in the dispatchers' queue with no unit,
  and the handling clock keeps running (it started at the first assignment).
* ``accepted`` is the first handling state after sign-in (签收); ``in_progress`` is handling
  again after the dispatcher sent a reply back (审核退回). Both allow the same actions.
* A verification task (核查) closes when its reply is accepted: it has no citizen callback.
* ``request-extension`` / ``decide-extension`` and ``flag`` leave the state unchanged.
* ``to_mediation`` (转调解) is final: the unit converted the task into a mediation case
  (``convert-to-case``); the task counts against no unit, and its ticket closes with the case.

Who may act: dispatchers steer (assign, reassign, decide-extension, review, reopen, cancel),
the handling unit works (accept, return, request-extension, reply — a handler or grid worker
whose unit is the task's unit), operators record callbacks, leaders flag (挂牌督办); admins may
do everything. A refusal is either *forbidden* (the caller may never do this to this task: 403)
or *not now* (the task's state does not allow it: 409 with the actions that are allowed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pingan_common.auth import Principal
from pingan_common.lifecycle import ActionForbidden as ActionForbidden
from pingan_common.lifecycle import Guard, Lifecycle, Rule, states
from pingan_common.lifecycle import TransitionRefused as TransitionRefused

State = Literal[
    "created",
    "assigned",
    "accepted",
    "in_progress",
    "replied",
    "reviewed",
    "returned",
    "closed",
    "cancelled",
    "to_mediation",
]
Action = Literal[
    "assign",
    "accept",
    "return",
    "reassign",
    "request-extension",
    "decide-extension",
    "reply",
    "review",
    "callback",
    "reopen",
    "flag",
    "cancel",
    "convert-to-case",
]

OPEN_STATES = states(
    "created", "assigned", "accepted", "in_progress", "replied", "reviewed", "returned"
)
# The handling clock (warning, overdue, escalation) runs in these states; a reply stops it.
CLOCK_STATES: tuple[str, ...] = ("assigned", "accepted", "in_progress", "returned")
HANDLING_STATES = states("accepted", "in_progress")
WITH_UNIT_STATES = states("assigned", "accepted", "in_progress")

# Returned or reassigned this many times in total → the county takes it (兜底) and flags it.
BOUNCE_LIMIT = 3

UNIT_ROLES = frozenset({"handler", "grid_worker"})
DISPATCH_ROLES = frozenset({"dispatcher"})
ADMIN = "admin"


@dataclass(frozen=True)
class TaskView:
    """What the rules need to know of a task."""

    state: str
    kind: str
    unit_code: str | None
    extension_pending: bool = False
    return_window_open: bool = True


def _ticket_only(reason: str) -> Guard[TaskView]:
    def guard(task: TaskView) -> str | None:
        return reason if task.kind != "ticket" else None

    return guard


def _no_extension_pending(task: TaskView) -> str | None:
    if task.extension_pending:
        return "an extension request is already waiting for a decision"
    return None


def _extension_pending(task: TaskView) -> str | None:
    return None if task.extension_pending else "no extension request is waiting for a decision"


def _within_return_window(task: TaskView) -> str | None:
    if task.state != "assigned" and not task.return_window_open:
        return "a signed task may be returned only within 2 working days of its assignment"
    return None


def _is_task_unit(task: TaskView, principal: Principal) -> bool:
    return principal.unit_code is not None and principal.unit_code == task.unit_code


def _unit_only_reason(task: TaskView, action: str) -> str:
    return f"{action} is for staff of the task's unit ({task.unit_code}) only"


def _unit(from_states: frozenset[str], *guards: Guard[TaskView]) -> Rule[TaskView]:
    return Rule(UNIT_ROLES, from_states, guards=guards, owner_only=True)


def _dispatcher(from_states: frozenset[str], *guards: Guard[TaskView]) -> Rule[TaskView]:
    return Rule(DISPATCH_ROLES, from_states, guards=guards)


# In this order ``allowed_actions`` lists them.
RULES: dict[str, Rule[TaskView]] = {
    "assign": _dispatcher(states("created", "returned")),
    "accept": _unit(states("assigned")),
    "return": _unit(WITH_UNIT_STATES, _within_return_window),
    "reassign": _dispatcher(WITH_UNIT_STATES),
    "request-extension": _unit(HANDLING_STATES, _no_extension_pending),
    "decide-extension": _dispatcher(HANDLING_STATES, _extension_pending),
    "reply": _unit(HANDLING_STATES),
    "review": _dispatcher(states("replied")),
    "callback": Rule(
        frozenset({"operator", "dispatcher"}),
        states("reviewed"),
        guards=(_ticket_only("a verification task has no citizen callback"),),
    ),
    "reopen": _dispatcher(
        states("closed"),
        _ticket_only("a verification task is not reopened; riskassess asks for a new one"),
    ),
    "flag": Rule(frozenset({"leader"}), OPEN_STATES),
    "cancel": _dispatcher(OPEN_STATES),
    # 转调解: the unit holding the task finds it is a dispute; mediation takes it from here.
    "convert-to-case": _unit(
        WITH_UNIT_STATES,
        _ticket_only("a verification task is not a dispute to mediate"),
    ),
}

TASK_LIFECYCLE = Lifecycle[TaskView](
    aggregate="task",
    rules=RULES,
    state_of=lambda task: task.state,
    owns=_is_task_unit,
    owner_only_reason=_unit_only_reason,
    admin_role=ADMIN,
)

may_act = TASK_LIFECYCLE.may_act
allowed_actions = TASK_LIFECYCLE.allowed_actions
check = TASK_LIFECYCLE.check


# --- where each action leads ------------------------------------------------------------------


def after_review(kind: str, accepted: bool) -> State:
    if not accepted:
        return "in_progress"
    return "closed" if kind == "verification" else "reviewed"


def closes_on_callback(verdict: str) -> bool:
    """满意 and 基本满意 close the task; 不满意 reopens it (重办)."""
    return verdict in ("satisfied", "basically_satisfied")


def bounce_limit_reached(return_count: int, reassign_count: int) -> bool:
    return return_count + reassign_count >= BOUNCE_LIMIT
