"""A lifecycle as data: which action may move an aggregate from which state, and who may act.

Each aggregate (a dispatch task, a mediation case, a risk alert) declares its ``Rule`` per
action; ``Lifecycle`` answers the three questions every route and every client needs:

* ``may_act``: may this principal ever do the action to this aggregate (role, ownership)?
  No → ``ActionForbidden`` (403).
* ``refusal``: does the aggregate's state allow it now (from-states, guards)? No →
  ``TransitionRefused`` (409) naming the actions that *are* allowed.
* ``allowed_actions``: the actions the principal may take now, in the lifecycle's order, which
  every detail response carries so no client re-implements the rules.

Refusals that depend on the request's content (an extension too long, an unknown unit) are the
action's own business: it raises ``ActionInvalid`` (422).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from pingan_common.auth import Principal

V = TypeVar("V")

# Why the aggregate's state does not allow the action now, or None when it does.
Guard = Callable[[V], str | None]
# Whether the principal is the aggregate's owner (its unit, its mediator, …).
Ownership = Callable[[V, Principal], bool]


@dataclass(frozen=True)
class Rule(Generic[V]):
    """Who may do one action, from which states, where it leads, and what else must hold."""

    roles: frozenset[str]
    from_states: frozenset[str]
    to_state: str | None = None  # None: the action decides (or leaves the state as it is)
    guards: tuple[Guard[V], ...] = ()
    owner_only: bool = False  # only the aggregate's owner (``Lifecycle.owns``) may do it


class ActionForbidden(Exception):
    """The principal may never do this action to this aggregate (403)."""

    def __init__(self, action: str, why: str) -> None:
        super().__init__(why)
        self.action = action
        self.why = why


class TransitionRefused(Exception):
    """The aggregate's state does not allow the action now (409)."""

    def __init__(
        self, aggregate: str, action: str, state: str, allowed: list[str], why: str
    ) -> None:
        super().__init__(f"cannot {action} a {aggregate} that is {state}: {why}")
        self.action = action
        self.state = state
        self.allowed = allowed
        self.why = why


class ActionInvalid(Exception):
    """The request's content does not allow the action (422), e.g. an unknown unit."""

    def __init__(self, message: str, field: str = "body") -> None:
        super().__init__(message)
        self.field = field


class Lifecycle(Generic[V]):
    """The rules of one aggregate kind, over a view ``V`` of what the rules need to know."""

    def __init__(
        self,
        *,
        aggregate: str,
        rules: Mapping[str, Rule[V]],
        state_of: Callable[[V], str],
        owns: Ownership[V] | None = None,
        owner_only_reason: Callable[[V, str], str] | None = None,
        admin_role: str = "admin",
    ) -> None:
        if owns is None and any(rule.owner_only for rule in rules.values()):
            raise ValueError(f"{aggregate}: owner-only rules need an ownership check")
        self.aggregate = aggregate
        self.rules = dict(rules)
        self.actions: tuple[str, ...] = tuple(rules)
        self._state_of = state_of
        self._owns = owns
        self._owner_only_reason = owner_only_reason
        self.admin_role = admin_role

    def rule(self, action: str) -> Rule[V]:
        try:
            return self.rules[action]
        except KeyError:
            raise KeyError(f"{self.aggregate} has no action {action!r}") from None

    def may_act(self, view: V, action: str, principal: Principal) -> bool:
        """Role and ownership, not state: admins may do everything."""
        if principal.has_role(self.admin_role):
            return True
        rule = self.rule(action)
        if not principal.has_role(*rule.roles):
            return False
        if rule.owner_only:
            assert self._owns is not None
            return self._owns(view, principal)
        return True

    def refusal(self, view: V, action: str) -> str | None:
        """None when the state allows ``action`` now, else why not."""
        rule = self.rule(action)
        state = self._state_of(view)
        if state not in rule.from_states:
            return f"{action} is not possible in state {state}"
        for guard in rule.guards:
            why = guard(view)
            if why is not None:
                return why
        return None

    def allowed_actions(self, view: V, principal: Principal) -> list[str]:
        """The actions this principal may take now, in the lifecycle's order."""
        return [
            action
            for action in self.actions
            if self.may_act(view, action, principal) and self.refusal(view, action) is None
        ]

    def check(self, view: V, action: str, principal: Principal) -> None:
        """Raise ``ActionForbidden`` or ``TransitionRefused``, or return: go ahead."""
        if not self.may_act(view, action, principal):
            raise ActionForbidden(action, self.forbidden_reason(view, action))
        why = self.refusal(view, action)
        if why is not None:
            state = self._state_of(view)
            allowed = self.allowed_actions(view, principal)
            raise TransitionRefused(self.aggregate, action, state, allowed, why)

    def forbidden_reason(self, view: V, action: str) -> str:
        rule = self.rule(action)
        if rule.owner_only and self._owner_only_reason is not None:
            return self._owner_only_reason(view, action)
        roles = ", ".join(sorted(rule.roles | {self.admin_role}))
        return f"{action} requires one of the roles: {roles}"

    def states_reached(self) -> frozenset[str]:
        """Every state some rule starts from or leads to (for docs and tests)."""
        reached: set[str] = set()
        for rule in self.rules.values():
            reached |= rule.from_states
            if rule.to_state is not None:
                reached.add(rule.to_state)
        return frozenset(reached)


def states(*names: str) -> frozenset[str]:
    """``states("created", "returned")`` reads better in a rule table than a frozenset literal."""
    return frozenset(names)
