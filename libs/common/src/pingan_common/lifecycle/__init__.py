"""The one lifecycle engine every aggregate runs on (dispatch tasks, mediation cases, alerts).

* ``rules``: the state machine as data, ``Lifecycle.check`` / ``allowed_actions``, refusals;
* ``work``: the unit of work that writes state, history row and events in one transaction;
* ``perform``: the REST side, with row lock, ``If-Match`` and problem responses;
* ``history``: the columns of every aggregate's history table.
"""

from pingan_common.lifecycle.history import HistoryMixin
from pingan_common.lifecycle.perform import IfMatch, check_rules, check_version, etag, perform
from pingan_common.lifecycle.rules import (
    ActionForbidden,
    ActionInvalid,
    Guard,
    Lifecycle,
    Rule,
    TransitionRefused,
    states,
)
from pingan_common.lifecycle.work import SYSTEM, AggregateKind, AggregateWork, jsonable

__all__ = [
    "SYSTEM",
    "ActionForbidden",
    "ActionInvalid",
    "AggregateKind",
    "AggregateWork",
    "Guard",
    "HistoryMixin",
    "IfMatch",
    "Lifecycle",
    "Rule",
    "TransitionRefused",
    "check_rules",
    "check_version",
    "etag",
    "jsonable",
    "perform",
    "states",
]
