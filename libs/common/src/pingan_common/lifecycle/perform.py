"""One lifecycle action over REST: lock the row, check the version and the rules, apply, answer.

Every refusal becomes a problem response the same way for every aggregate: 404 unknown (or
invisible), 403 the role or ownership forbids it, 412 the caller's ``If-Match`` version is stale,
409 the state does not allow it now (with the actions that are allowed), 422 the request's
content does not allow it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar, cast

from fastapi import Header
from sqlalchemy.ext.asyncio import AsyncSession

from pingan_common.auth import Principal
from pingan_common.lifecycle.rules import ActionForbidden, ActionInvalid, TransitionRefused
from pingan_common.lifecycle.work import A, Aggregate, AggregateKind, AggregateWork
from pingan_common.problems import (
    Conflict,
    Forbidden,
    NotFound,
    ProblemError,
    UnprocessableEntity,
)
from pingan_common.runtime import Runtime

R = TypeVar("R")
W = TypeVar("W", bound=AggregateWork[Any])

IfMatch = Annotated[
    str | None,
    Header(
        description="The version (from GET or its ETag); the action fails with 412 if it changed"
    ),
]

Respond = Callable[[AsyncSession, A, Principal, datetime], Awaitable[R]]


async def perform(
    runtime: Runtime,
    kind: AggregateKind[A, Any],
    aggregate_id: Any,
    action: str,
    principal: Principal,
    *,
    apply: Callable[[W, A], Awaitable[None]],
    respond: Respond[A, R],
    work: Callable[..., W],
    if_match: str | None = None,
) -> R:
    """Lock, check, apply and answer in one transaction, or change nothing.

    ``respond`` reads back in the same transaction: a unit that handed the task on may no
    longer see it, but still gets the result of what it did.
    """
    now = runtime.now()
    async with runtime.transaction() as session:
        aggregate = await session.get(kind.model, aggregate_id, with_for_update=True)
        if aggregate is None:
            raise NotFound(kind.name, str(aggregate_id))
        kind.ensure_visible(principal, aggregate)
        check_version(kind.name, cast(Aggregate, aggregate).version, if_match)
        check_rules(kind, aggregate, action, principal, now)
        unit_of_work = work(kind, session, runtime.outbox, now, actor=principal.subject)
        try:
            await apply(unit_of_work, aggregate)
        except ActionInvalid as invalid:
            raise UnprocessableEntity(
                str(invalid),
                errors=[{"field": invalid.field, "message": str(invalid), "type": "value_error"}],
            ) from invalid
        await session.flush()
        return await respond(session, aggregate, principal, now)


def check_rules(
    kind: AggregateKind[A, Any], aggregate: A, action: str, principal: Principal, now: datetime
) -> None:
    """The lifecycle's refusals as problems: 403 forbidden, 409 not in this state."""
    try:
        kind.lifecycle.check(kind.view(aggregate, now), action, principal)
    except ActionForbidden as forbidden:
        raise Forbidden(str(forbidden)) from forbidden
    except TransitionRefused as refused:
        raise Conflict(
            refused.why,
            type_="invalid-transition",
            state=refused.state,
            action=action,
            allowed_actions=refused.allowed,
        ) from refused


def etag(version: int) -> str:
    """The weak entity tag of a row version, as GET answers it and If-Match sends it back."""
    return f'W/"{version}"'


def check_version(name: str, version: int, if_match: str | None) -> None:
    """412 when the caller acted on an older version than the row has now."""
    if if_match is None:
        return
    expected = if_match.removeprefix("W/").strip('"')
    if expected != str(version):
        raise ProblemError(
            412,
            "Precondition Failed",
            f"the {name} changed: it is at version {version}, not {expected}",
            type_="version-mismatch",
            version=version,
        )
