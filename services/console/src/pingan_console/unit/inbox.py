"""The unit's inbox: the dispatch service's unit queue, tab by tab, plus replies awaiting review.

Counts of 待签收, 办理中, 临期 (the service's 80 % warning line), 超期 and 挂牌督办 are the
service's own (``GET /v1/queues/unit``). *Awaiting review* is not in that queue; it is the
unit's replied tasks from the task list (``state=replied&unit_code=…``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pingan_console.dispatch.queues import QueueCount, QueueDef

TABS: tuple[QueueDef, ...] = (
    QueueDef("new", "待签收", "service", "warn", "已派给本单位、尚未签收"),
    QueueDef("in_progress", "办理中", "service", note="已签收、正在办理"),
    QueueDef("near_deadline", "临期", "service", "warn", "已用去八成办理时限、尚未到期"),
    QueueDef("overdue", "超期", "service", "bad", "已超过办结期限"),
    QueueDef(
        "replied", "待审核", "computed", note="已办结回复、等待派单中心审核（按任务列表统计）"
    ),
    QueueDef("flagged", "挂牌督办", "service", "bad", "本单位被挂牌督办、仍在办的任务"),
)
TAB_KEYS = frozenset(tab.key for tab in TABS)
DEFAULT_TAB = "new"
ROWS_SHOWN = 50


@dataclass(frozen=True)
class Inbox:
    unit_code: str
    counts: list[QueueCount]
    selected: QueueCount
    rows: list[Mapping[str, Any]]


def inbox(
    queue: Mapping[str, Any], replied: Sequence[Mapping[str, Any]], *, selected: str
) -> Inbox:
    """Every tab's count and the selected tab's rows (flagged rows: those the buckets list)."""
    rows: dict[str, list[Mapping[str, Any]]] = {}
    counts: list[QueueCount] = []
    for tab in TABS:
        if tab.key == "replied":
            rows[tab.key] = sorted(replied, key=lambda task: task.get("due_at") or "")
            counts.append(QueueCount(tab, len(replied)))
        elif tab.key == "flagged":
            rows[tab.key] = _flagged_rows(queue)
            counts.append(QueueCount(tab, int(queue.get("flagged_count", 0))))
        else:
            bucket = queue.get(tab.key) or {}
            rows[tab.key] = list(bucket.get("items", []))
            counts.append(QueueCount(tab, int(bucket.get("count", 0))))
    key = selected if selected in TAB_KEYS else DEFAULT_TAB
    chosen = next(count for count in counts if count.queue.key == key)
    return Inbox(str(queue.get("unit_code", "")), counts, chosen, rows[key][:ROWS_SHOWN])


def _flagged_rows(queue: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    seen: dict[str, Mapping[str, Any]] = {}
    for name in ("new", "in_progress", "overdue", "near_deadline"):
        for item in (queue.get(name) or {}).get("items", []):
            if item.get("flagged"):
                seen.setdefault(str(item["id"]), item)
    return list(seen.values())
