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
]
ACTIONS: tuple[Action, ...] = Action.__args__  # type: ignore[attr-defined]

OPEN_STATES: frozenset[str] = frozenset(
    {"created", "assigned", "accepted", "in_progress", "replied", "reviewed", "returned"}
)
# The handling clock (warning, overdue, escalation) runs in these states; a reply stops it.
CLOCK_STATES: tuple[str, ...] = ("assigned", "accepted", "in_progress", "returned")
HANDLING_STATES: frozenset[str] = frozenset({"accepted", "in_progress"})
WITH_UNIT_STATES: frozenset[str] = frozenset({"assigned", "accepted", "in_progress"})

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


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    from_states: frozenset[str]
    unit_bound: bool = False  # only the task's own unit may do it


RULES: dict[Action, Rule] = {
    "assign": Rule(DISPATCH_ROLES, frozenset({"created", "returned"})),
    "accept": Rule(UNIT_ROLES, frozenset({"assigned"}), unit_bound=True),
    "return": Rule(UNIT_ROLES, WITH_UNIT_STATES, unit_bound=True),
    "reassign": Rule(DISPATCH_ROLES, WITH_UNIT_STATES),
    "request-extension": Rule(UNIT_ROLES, HANDLING_STATES, unit_bound=True),
    "decide-extension": Rule(DISPATCH_ROLES, HANDLING_STATES),
    "reply": Rule(UNIT_ROLES, HANDLING_STATES, unit_bound=True),
    "review": Rule(DISPATCH_ROLES, frozenset({"replied"})),
    "callback": Rule(frozenset({"operator", "dispatcher"}), frozenset({"reviewed"})),
    "reopen": Rule(DISPATCH_ROLES, frozenset({"closed"})),
    "flag": Rule(frozenset({"leader"}), OPEN_STATES),
    "cancel": Rule(DISPATCH_ROLES, OPEN_STATES),
}


class TransitionRefused(Exception):
    def __init__(self, action: str, state: str, allowed: list[str], why: str) -> None:
        super().__init__(f"cannot {action} a task that is {state}: {why}")
        self.action = action
        self.state = state
        self.allowed = allowed
        self.why = why


class ActionForbidden(Exception):
    def __init__(self, action: str, why: str) -> None:
        super().__init__(why)
        self.action = action


def may_act(task: TaskView, action: Action, principal: Principal) -> bool:
    """Whether the principal may ever do ``action`` to this task (role and unit, not state)."""
    if principal.has_role(ADMIN):
        return True
    rule = RULES[action]
    if not principal.has_role(*rule.roles):
        return False
    if rule.unit_bound:
        return principal.unit_code is not None and principal.unit_code == task.unit_code
    return True


def state_allows(task: TaskView, action: Action) -> str | None:
    """None when the task's state allows ``action`` now, else why not."""
    rule = RULES[action]
    if task.state not in rule.from_states:
        return f"{action} is not possible in state {task.state}"
    if action == "callback" and task.kind != "ticket":
        return "a verification task has no citizen callback"
    if action == "reopen" and task.kind != "ticket":
        return "a verification task is not reopened; riskassess asks for a new one"
    if action == "request-extension" and task.extension_pending:
        return "an extension request is already waiting for a decision"
    if action == "decide-extension" and not task.extension_pending:
        return "no extension request is waiting for a decision"
    if action == "return" and task.state != "assigned" and not task.return_window_open:
        return "a signed task may be returned only within 2 working days of its assignment"
    return None


def allowed_actions(task: TaskView, principal: Principal) -> list[str]:
    """The actions this principal may take on the task now, in lifecycle order."""
    return [
        action
        for action in ACTIONS
        if may_act(task, action, principal) and state_allows(task, action) is None
    ]


def check(task: TaskView, action: Action, principal: Principal) -> None:
    """Raise ``ActionForbidden`` (403) or ``TransitionRefused`` (409), or return: go ahead."""
    if not may_act(task, action, principal):
        raise ActionForbidden(action, _forbidden_reason(task, action))
    why = state_allows(task, action)
    if why is not None:
        raise TransitionRefused(action, task.state, allowed_actions(task, principal), why)


def _forbidden_reason(task: TaskView, action: Action) -> str:
    rule = RULES[action]
    roles = ", ".join(sorted(rule.roles | {ADMIN}))
    if rule.unit_bound:
        return f"{action} is for staff of the task's unit ({task.unit_code}) only"
    return f"{action} requires one of the roles: {roles}"


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
