"""Reading a generated JSON Schema: its local ``$ref``s (the only kind Pydantic writes here)."""

from __future__ import annotations

from typing import Any


def resolve(schema: Any, root: dict) -> dict:
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        target = root
        for part in schema["$ref"].lstrip("#").split("/")[1:]:
            target = target[part.replace("~1", "/").replace("~0", "~")]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema if isinstance(schema, dict) else {}


def properties_of(schema: Any, root: dict) -> dict[str, Any]:
    return resolve(schema, root).get("properties") or {}


def ref_name(schema: Any) -> str | None:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None
