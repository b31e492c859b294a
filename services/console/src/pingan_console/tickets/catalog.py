"""The subcategories an operator may choose or correct to, from intake's public service list
(``GET /open311/v2/services.json``: code, label and group of every subcategory).

The list is the taxonomy's, the same for every user, so it is read once and kept; when intake
cannot be reached the pages still work, with the classifier's choice only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from pingan_common.events.values import GROUP_LABELS
from pingan_console.upstream import Upstream

log = logging.getLogger("pingan.console.catalog")
GROUP_BY_LABEL = {text: str(group) for group, text in GROUP_LABELS.items()}


@dataclass(frozen=True)
class Subcategory:
    code: str
    label: str
    group: str  # the group's code, e.g. safety_hazard
    group_label: str


@dataclass(frozen=True)
class CategoryGroupOptions:
    group: str
    label: str
    subcategories: tuple[Subcategory, ...]


_cached: tuple[Subcategory, ...] | None = None


def subcategories_of(services: list[dict[str, Any]]) -> tuple[Subcategory, ...]:
    items = []
    for service in services:
        group_text = str(service.get("group") or "")
        items.append(
            Subcategory(
                code=str(service["service_code"]),
                label=str(service.get("service_name") or service["service_code"]),
                group=GROUP_BY_LABEL.get(group_text, ""),
                group_label=group_text,
            )
        )
    return tuple(items)


def grouped(subcategories: tuple[Subcategory, ...]) -> list[CategoryGroupOptions]:
    """Option groups for a <select>, in the taxonomy's order of first appearance."""
    order: dict[str, list[Subcategory]] = {}
    for sub in subcategories:
        order.setdefault(sub.group_label, []).append(sub)
    return [
        CategoryGroupOptions(group=subs[0].group, label=text, subcategories=tuple(subs))
        for text, subs in order.items()
    ]


async def load_subcategories(upstream: Upstream) -> tuple[Subcategory, ...]:
    global _cached
    if _cached is not None:
        return _cached
    try:
        reply = await upstream.http.get(
            upstream.url("intake", "/open311/v2/services.json"), timeout=3
        )
        reply.raise_for_status()
        _cached = subcategories_of(reply.json())
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        log.warning("intake's service list is unavailable: %r", exc)
        return ()
    return _cached
