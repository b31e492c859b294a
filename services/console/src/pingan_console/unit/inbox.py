"""The unit's inbox: the dispatch service's unit queue (``GET /v1/queues/unit``), tab by tab.

Every count is the service's own: 待签收, 办理中, 临期 (its 80 % warning line), 超期, 待审核 and
挂牌督办; the console computes none of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pingan_console.dispatch.queues import QueueCount, QueueDef

TABS: tuple[QueueDef, ...] = (
    QueueDef("new", "待签收", "warn", "已派给本单位、尚未签收"),
    QueueDef("in_progress", "办理中", note="已签收、正在办理"),
    QueueDef("near_deadline", "临期", "warn", "已用去八成办理时限、尚未到期"),
    QueueDef("overdue", "超期", "bad", "已超过办结期限"),
    QueueDef("awaiting_review", "待审核", note="已办结回复、等待派单中心审核"),
    QueueDef("flagged", "挂牌督办", "bad", "本单位被挂牌督办、仍在办的任务"),
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


def inbox(queue: Mapping[str, Any], *, selected: str) -> Inbox:
    """Every tab's count and the selected tab's rows; a bucket the service lacks shows "—"."""
    rows: dict[str, list[Mapping[str, Any]]] = {}
    counts: list[QueueCount] = []
    for tab in TABS:
        bucket = queue.get(tab.key)
        rows[tab.key] = list(bucket.get("items", [])) if bucket else []
        counts.append(QueueCount(tab, None if bucket is None else int(bucket.get("count", 0))))
    key = selected if selected in TAB_KEYS else DEFAULT_TAB
    chosen = next(count for count in counts if count.queue.key == key)
    return Inbox(str(queue.get("unit_code", "")), counts, chosen, rows[key][:ROWS_SHOWN])
