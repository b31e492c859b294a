"""Problems in the OpenAPI document: the ``Problem`` schema, ``problem_responses`` for routes,
and the hook that makes every error response of an app say ``application/problem+json``.
"""

import json
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

from pingan_common.problems.errors import (
    PROBLEM_MEDIA_TYPE,
    PROBLEM_TYPE_PREFIX,
    VALIDATION_ERROR,
    status_phrase,
)


class ProblemFieldError(BaseModel):
    field: str
    message: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem; extension members may follow the standard ones."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": PROBLEM_TYPE_PREFIX + VALIDATION_ERROR,
                    "title": "Validation failed",
                    "status": 422,
                    "detail": "request validation failed for: body.caller.phone",
                    "instance": "/v1/tickets",
                    "request_id": "0193f1c2-7a4e-7c1d-9a51-3e2b8f0d4a11",
                    "errors": [
                        {
                            "field": "body.caller.phone",
                            "message": "String should match pattern '^\\+?[0-9-]{3,20}$'",
                            "type": "string_pattern_mismatch",
                        }
                    ],
                }
            ]
        },
    )

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str
    request_id: str | None = None
    errors: list[ProblemFieldError] | None = None


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries so /docs shows the problem schema for these statuses."""
    return {status: _documented_problem(status) for status in statuses}


def _documented_problem(status: int) -> dict[str, Any]:
    example = {
        "type": "about:blank",
        "title": status_phrase(status),
        "status": status,
        "detail": status_phrase(status),
        "instance": "/v1/…",
    }
    return {
        # "model" registers the schema in components; the hook moves it to problem+json.
        "model": Problem,
        "description": status_phrase(status),
        "content": {
            PROBLEM_MEDIA_TYPE: {
                "schema": {"$ref": "#/components/schemas/Problem"},
                "example": example,
            }
        },
    }


# --- every error response of an app's document points at Problem --------------------------

_COMPONENT_REF = "#/components/schemas/"
_PROBLEM_REF = {"$ref": _COMPONENT_REF + "Problem"}
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def document_problems_in_openapi(app: FastAPI) -> None:
    build_schema = app.openapi

    def openapi() -> dict[str, Any]:
        already_built = app.openapi_schema is not None
        schema = build_schema()
        if not already_built:
            _use_problem_schema(schema)
        return schema

    # FastAPI's documented way to extend the schema is to replace the method
    app.openapi = openapi  # type: ignore[method-assign]


def _use_problem_schema(schema: dict[str, Any]) -> None:
    """Error responses say problem+json and point at Problem, FastAPI's default 422 included."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    _add_problem_components(components)
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict):
                for status, response in operation.get("responses", {}).items():
                    if _is_error_status(status):
                        _retarget_error_content(response)
    _drop_unreferenced(schema, components, _FASTAPI_VALIDATION_SCHEMAS)


def _add_problem_components(components: dict[str, Any]) -> None:
    problem_schema = Problem.model_json_schema(ref_template=_COMPONENT_REF + "{model}")
    for name, definition in problem_schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault("Problem", problem_schema)


def _is_error_status(status: str) -> bool:
    return status == "default" or status[:1] in {"4", "5"}


def _retarget_error_content(response: dict[str, Any]) -> None:
    content = response.get("content", {})
    json_content = content.get("application/json")
    if json_content is None or not _is_problem_like(json_content.get("schema", {})):
        return
    del content["application/json"]
    problem_content = content.setdefault(PROBLEM_MEDIA_TYPE, {})
    problem_content["schema"] = dict(_PROBLEM_REF)


def _is_problem_like(schema: dict[str, Any]) -> bool:
    ref = schema.get("$ref", "")
    return ref.removeprefix(_COMPONENT_REF) in {"Problem", "HTTPValidationError"}


def _drop_unreferenced(
    schema: dict[str, Any], components: dict[str, Any], names: tuple[str, ...]
) -> None:
    """Remove components nothing points at any more; ``names`` in dependency order."""
    for name in names:
        if name in components and f'"{_COMPONENT_REF}{name}"' not in json.dumps(schema):
            del components[name]
