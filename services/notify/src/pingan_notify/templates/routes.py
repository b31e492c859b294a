"""The message templates under /v1/templates: list them, preview one with variables."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from fastapi import APIRouter, Depends

from pingan_common.auth import Principal, Role, require
from pingan_common.problems import NotFound, UnprocessableEntity, problem_responses
from pingan_notify.state import NotifyStateDep
from pingan_notify.templates.catalog import (
    MissingTemplateVariable,
    UnexpectedTemplateVariable,
    UnknownTemplate,
)
from pingan_notify.templates.schemas import PreviewRead, PreviewRequest, TemplateRead

router = APIRouter(prefix="/v1/templates", tags=["templates"])

Staff = Annotated[Principal, Depends(require(*Role))]


@router.get("", response_model=list[TemplateRead], responses=problem_responses(401, 403))
async def list_templates(_: Staff, state: NotifyStateDep) -> list[TemplateRead]:
    return [
        TemplateRead(
            id=t.id,
            version=t.version,
            event_type=t.event_type,
            channel=t.channel,
            template_code=t.template_code,
            variables=t.variables,
            title=t.title,
            body=t.body,
        )
        for t in sorted(state.catalog.templates, key=lambda t: (t.id, t.version))
    ]


@router.post(
    "/{template_id}/preview",
    response_model=PreviewRead,
    responses=problem_responses(401, 403, 404, 422),
    summary="Render a template with variables, strictly: a missing or unknown variable is a 422",
)
async def preview_template(
    template_id: str, body: PreviewRequest, _: Staff, state: NotifyStateDep
) -> PreviewRead:
    try:
        rendered = state.catalog.preview(template_id, body.variables, version=body.version)
    except UnknownTemplate as error:
        raise NotFound(
            "template", f"{template_id}" + (f" v{body.version}" if body.version else "")
        ) from error
    except MissingTemplateVariable as error:
        raise _bad_variables(error, [error.name], "missing template variable", "missing") from error
    except UnexpectedTemplateVariable as error:
        raise _bad_variables(
            error, error.names, "not a variable of this template", "extra_forbidden"
        ) from error
    return PreviewRead.model_validate(rendered, from_attributes=True)


def _bad_variables(
    error: Exception, names: Iterable[str], message: str, type_: str
) -> UnprocessableEntity:
    errors = [{"field": f"variables.{name}", "message": message, "type": type_} for name in names]
    return UnprocessableEntity(str(error), errors=errors)
