"""One POST route per lifecycle action, built the same way for every aggregate.

Each route is ``POST <path>/<action>`` with the aggregate's id in the path, the action's own
body class (optional when none of its fields is required), the caller, the runtime and an
optional ``If-Match``; it hands them to the service's ``perform``. FastAPI reads a route's
parameters from its signature, so the signature is built per action (``__signature__``) rather
than written out once per action and service.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body
from pydantic import BaseModel

from pingan_common.auth import Principal
from pingan_common.lifecycle.perform import IfMatch
from pingan_common.problems import problem_responses
from pingan_common.runtime import Runtime, RuntimeDep

# (action, its body class, the route's summary)
ActionRoute = tuple[str, type[BaseModel], str]
# perform(runtime, aggregate id, action, principal, body, if_match) → the detail response
PerformAction = Callable[[Runtime, UUID, str, Principal, Any, str | None], Awaitable[Any]]

ACTION_ERRORS = problem_responses(401, 403, 404, 409, 412, 422)


def add_action_routes(
    router: APIRouter,
    *,
    path: str,
    id_name: str,
    actions: Sequence[ActionRoute],
    caller: Any,
    detail: type[BaseModel],
    perform: PerformAction,
    name_prefix: str,
) -> None:
    """``path`` names the aggregate, e.g. ``/tasks/{task_id}`` with ``id_name="task_id"``;
    ``caller`` is the ``Annotated[Principal, Depends(...)]`` of who may act at all."""
    for action, body_class, summary in actions:
        router.add_api_route(
            f"{path}/{action}",
            action_endpoint(
                action,
                body_class,
                id_name=id_name,
                caller=caller,
                detail=detail,
                perform=perform,
                name=f"{name_prefix}_{action.replace('-', '_')}",
            ),
            methods=["POST"],
            response_model=detail,
            responses=ACTION_ERRORS,
            summary=summary,
        )


def action_endpoint(
    action: str,
    body_class: type[BaseModel],
    *,
    id_name: str,
    caller: Any,
    detail: type[BaseModel],
    perform: PerformAction,
    name: str,
) -> Callable[..., Awaitable[Any]]:
    optional = not any(field.is_required() for field in body_class.model_fields.values())

    async def endpoint(**arguments: Any) -> Any:
        body = arguments["body"]
        if body is None:
            body = body_class()  # an action whose body may be left out entirely (accept)
        return await perform(
            arguments["runtime"],
            arguments[id_name],
            action,
            arguments["principal"],
            body,
            arguments["if_match"],
        )

    keyword = inspect.Parameter.KEYWORD_ONLY
    body = (
        inspect.Parameter(
            "body", keyword, annotation=Annotated[body_class | None, Body()], default=None
        )
        if optional
        else inspect.Parameter("body", keyword, annotation=body_class)
    )
    parameters = [
        inspect.Parameter(id_name, keyword, annotation=UUID),
        body,
        inspect.Parameter("principal", keyword, annotation=caller),
        inspect.Parameter("runtime", keyword, annotation=RuntimeDep),
        inspect.Parameter("if_match", keyword, annotation=IfMatch, default=None),
    ]
    endpoint.__signature__ = inspect.Signature(parameters, return_annotation=detail)  # type: ignore[attr-defined]  # read by FastAPI
    endpoint.__name__ = name
    return endpoint
