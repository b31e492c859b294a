"""The generated files as a whole: build them, compare them with the checked-in ones, write them.

A checked-in schema is a published contract: ``breaking_against`` and ``orphan_schemas`` say how
the current models would break or drop one (see ``pingan_common.events.compatibility``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pingan_common.events.compatibility import breaking_changes
from pingan_common.events.schemagen.asyncapi import asyncapi_document
from pingan_common.events.schemagen.info import (
    ASYNCAPI_PATH,
    EVENTS_DOC_PATH,
    SCHEMA_DIR,
    all_event_infos,
    next_version,
    render_json,
    schema_path,
)
from pingan_common.events.schemagen.markdown import events_markdown


def generate_files() -> dict[Path, str]:
    """Every generated file's path (relative to the repository root) and content."""
    infos = all_event_infos()
    seen: dict[str, str] = {}
    for info in infos:
        if info.type in seen:
            raise ValueError(f"{info.type} is declared twice ({seen[info.type]}, {info.name})")
        seen[info.type] = info.name
    files = {schema_path(i.type): render_json(i.schema) for i in infos}
    files[EVENTS_DOC_PATH] = events_markdown(infos)
    files[ASYNCAPI_PATH] = render_json(asyncapi_document(infos))
    return files


def published_schemas(root: Path) -> dict[str, dict[str, Any]]:
    """The checked-in schemas under ``root``, by event type."""
    directory = root / SCHEMA_DIR
    if not directory.is_dir():
        return {}
    return {
        path.name.removesuffix(".json"): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(directory.glob("*.json"))
    }


def breaking_against(root: Path) -> dict[str, list[str]]:
    """Per event type, how the current model breaks its checked-in schema (if at all)."""
    published = published_schemas(root)
    found: dict[str, list[str]] = {}
    for info in all_event_infos():
        if info.type in published:
            problems = breaking_changes(published[info.type], info.schema)
            if problems:
                found[info.type] = problems
    return found


def orphan_schemas(root: Path) -> list[str]:
    """Checked-in schemas whose event type no model declares any more."""
    known = {info.type for info in all_event_infos()}
    return [t for t in published_schemas(root) if t not in known]


def breaking_message(event_type: str, problems: Iterable[str]) -> str:
    listed = "\n".join(f"    - {p}" for p in problems)
    return (
        f"{event_type}: the model breaks the published schema {schema_path(event_type)}:\n"
        f"{listed}\n"
        f"  Keep {event_type} as published and add a new event type "
        f"{next_version(event_type)} for the changed shape."
    )


def check_files(root: Path, files: dict[Path, str] | None = None) -> list[str]:
    """Problems that make ``--check`` fail; empty when everything on disk is current."""
    files = generate_files() if files is None else files
    problems = [breaking_message(t, p) for t, p in breaking_against(root).items()]
    problems += [
        f"{schema_path(t)}: published event type {t} has no model any more; a published "
        "type cannot be removed (keep its model in EVENT_CLASSES)"
        for t in orphan_schemas(root)
    ]
    for relative, content in files.items():
        path = root / relative
        if not path.is_file():
            problems.append(f"{relative}: missing")
        elif path.read_text(encoding="utf-8") != content:
            problems.append(f"{relative}: out of date")
    return problems


def write_files(root: Path, files: dict[Path, str]) -> list[Path]:
    """Write what differs; returns the paths written."""
    written = []
    for relative, content in files.items():
        path = root / relative
        if path.is_file() and path.read_text(encoding="utf-8") == content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(relative)
    return written


def find_repo_root(start: Path | None = None) -> Path:
    here = (start or Path(__file__)).resolve()
    for candidate in [here, *here.parents]:
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and "[tool.uv.workspace]" in pyproject.read_text(encoding="utf-8"):
            return candidate
    raise SystemExit("schemagen: cannot find the workspace root; pass --root")
