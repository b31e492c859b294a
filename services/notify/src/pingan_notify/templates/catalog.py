"""Versioned Chinese message templates per (event type, channel), rendered strictly.

The catalog lives in ``data/templates.json``. Each template has an id such as
``ticket_receipt.sms``, a version, the event type it serves, its channel (``sms`` or ``in_app``;
a webhook's body is the event itself and needs no template), the provider's ``template_code``
for SMS (a changed SMS text is a new provider approval, hence a new code and a new version), its
variables in order (Tencent-style providers take parameters by position) with a maximum length
each, and a ``{variable}`` title (in-app only) and body.

Rendering is strict both ways: a missing variable raises ``MissingTemplateVariable`` and an
unexpected one raises ``UnexpectedTemplateVariable`` (a caller passing a misspelt name would
otherwise send a text with a hole in it). Values are converted with ``str`` and cut to the
variable's maximum length with a trailing "…", because providers refuse longer parameters
(Aliyun: 35 characters) and a long unit name must not block a notification.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from pingan_notify.sms.segments import count_segments

CHANNELS = ("sms", "in_app")
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
ELLIPSIS = "…"


class TemplateError(ValueError):
    """A template cannot be found or rendered with the given variables."""


class UnknownTemplate(TemplateError):
    pass


class MissingTemplateVariable(TemplateError):
    def __init__(self, template_id: str, name: str) -> None:
        super().__init__(f"template {template_id} needs the variable {name!r}")
        self.template_id = template_id
        self.name = name


class UnexpectedTemplateVariable(TemplateError):
    def __init__(self, template_id: str, names: list[str]) -> None:
        super().__init__(f"template {template_id} has no variable(s) {', '.join(names)}")
        self.template_id = template_id
        self.names = names


@dataclass(frozen=True)
class Template:
    id: str
    version: int
    event_type: str
    channel: str
    template_code: str | None
    variables: dict[str, int]  # name -> maximum length, in the provider's parameter order
    body: str
    title: str | None = None

    def placeholders(self) -> set[str]:
        return set(_PLACEHOLDER.findall(self.body + (self.title or "")))


@dataclass(frozen=True)
class RenderedMessage:
    template_id: str
    version: int
    channel: str
    template_code: str | None
    title: str | None
    body: str
    text: str  # what the recipient reads: for SMS, 【签名】 + body
    params: dict[str, str]  # the values as sent to an SMS provider, in the template's order
    segments: int | None  # SMS parts billed; None for in-app


@dataclass(frozen=True)
class TemplateCatalog:
    sign_name: str
    templates: tuple[Template, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TemplateCatalog:
        default_max = int(data.get("default_max_length", 35))
        templates = tuple(_template(raw, default_max) for raw in data["templates"])
        catalog = cls(sign_name=data["sign_name"], templates=templates)
        catalog.check()
        return catalog

    def check(self) -> None:
        """Refuse a catalog whose templates would fail at send time."""
        seen: set[tuple[str, int]] = set()
        for t in self.templates:
            if (t.id, t.version) in seen:
                raise TemplateError(f"template {t.id} v{t.version} is defined twice")
            seen.add((t.id, t.version))
            if t.channel not in CHANNELS:
                raise TemplateError(f"template {t.id}: unknown channel {t.channel!r}")
            if t.channel == "sms" and not t.template_code:
                raise TemplateError(f"SMS template {t.id} has no provider template_code")
            if t.channel == "in_app" and not t.title:
                raise TemplateError(f"in-app template {t.id} has no title")
            if t.placeholders() != set(t.variables):
                raise TemplateError(f"template {t.id}: placeholders differ from its variables")

    def get(self, template_id: str, version: int | None = None) -> Template:
        """The given version of a template, or its latest."""
        versions = [t for t in self.templates if t.id == template_id]
        if version is not None:
            versions = [t for t in versions if t.version == version]
        if not versions:
            wanted = template_id if version is None else f"{template_id} v{version}"
            raise UnknownTemplate(f"no template {wanted}")
        return max(versions, key=lambda t: t.version)

    def for_event(self, event_type: str, channel: str) -> Template:
        """The latest template for an event type on a channel."""
        matching = [
            t for t in self.templates if t.event_type == event_type and t.channel == channel
        ]
        if not matching:
            raise UnknownTemplate(f"no {channel} template for {event_type}")
        return max(matching, key=lambda t: t.version)

    def by_template_code(self) -> dict[str, Template]:
        """SMS templates by provider code (what an SMS gateway knows them by)."""
        return {t.template_code: t for t in self.templates if t.template_code}

    def render(
        self, template: Template, variables: Mapping[str, object], *, sign_name: str | None = None
    ) -> RenderedMessage:
        params = bind_variables(template, variables)
        body = fill(template.body, params)
        title = fill(template.title, params) if template.title else None
        if template.channel == "sms":
            text = f"【{sign_name or self.sign_name}】{body}"
            segments: int | None = count_segments(text)
        else:
            text, segments = body, None
        return RenderedMessage(
            template_id=template.id,
            version=template.version,
            channel=template.channel,
            template_code=template.template_code,
            title=title,
            body=body,
            text=text,
            params=params,
            segments=segments,
        )

    def preview(
        self,
        template_id: str,
        variables: Mapping[str, object],
        *,
        version: int | None = None,
        sign_name: str | None = None,
    ) -> RenderedMessage:
        return self.render(self.get(template_id, version), variables, sign_name=sign_name)


def bind_variables(template: Template, variables: Mapping[str, object]) -> dict[str, str]:
    """The template's variables as strings, in its order, each within its maximum length."""
    unexpected = sorted(set(variables) - set(template.variables))
    if unexpected:
        raise UnexpectedTemplateVariable(template.id, unexpected)
    params = {}
    for name, max_length in template.variables.items():
        if name not in variables or variables[name] is None:
            raise MissingTemplateVariable(template.id, name)
        params[name] = _limit(str(variables[name]), max_length)
    return params


def fill(text: str, params: Mapping[str, str]) -> str:
    # One pass with a callback: a value that itself contains "{x}" is never expanded again.
    return _PLACEHOLDER.sub(lambda m: params[m.group(1)], text)


def _limit(value: str, max_length: int) -> str:
    if len(value) <= max_length:
        return value
    return value[: max_length - 1] + ELLIPSIS


def _template(raw: Mapping[str, Any], default_max: int) -> Template:
    variables = raw["variables"]
    if isinstance(variables, list):
        variables = dict.fromkeys(variables, default_max)
    return Template(
        id=raw["id"],
        version=int(raw["version"]),
        event_type=raw["event_type"],
        channel=raw["channel"],
        template_code=raw.get("template_code"),
        variables={name: int(n) for name, n in variables.items()},
        body=raw["body"],
        title=raw.get("title"),
    )


@cache
def default_catalog() -> TemplateCatalog:
    raw = resources.files("pingan_notify").joinpath("data/templates.json").read_text("utf-8")
    return TemplateCatalog.from_json(json.loads(raw))


def preview(
    template_id: str, variables: Mapping[str, object], *, version: int | None = None
) -> RenderedMessage:
    """Render a template of the shipped catalog (what ``POST /v1/templates/…/preview`` shows)."""
    return default_catalog().preview(template_id, variables, version=version)


def render(
    catalog: TemplateCatalog, template_id: str, variables: Mapping[str, str]
) -> RenderedMessage:
    """Render the latest version, passing only the variables that template declares."""
    template = catalog.get(template_id)
    return catalog.render(template, {k: v for k, v in variables.items() if k in template.variables})
