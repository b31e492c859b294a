"""The dispatcher's board: which queues it shows, in which order, and the rows of the chosen one.

Every count is the dispatch service's own (``GET /v1/queues/dispatcher``): the console reads one
answer per refresh and computes nothing itself, so the board and the service can never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ROWS_SHOWN = 30


@dataclass(frozen=True)
class QueueDef:
    key: str
    label: str
    tone: str = ""
    note: str = ""


QUEUES: tuple[QueueDef, ...] = (
    QueueDef("new_today", "今日新任务", note="今日（县时间）生成、仍在办的任务"),
    QueueDef("unrouted", "待派单", "warn", "未能派出、兜底派单或未定位的任务"),
    QueueDef("returned", "退单", "warn", "承办单位退回、等待重新派单"),
    QueueDef("extension_requests", "延期申请", note="等待审批的延期申请"),
    QueueDef("awaiting_review", "待审核", note="承办单位已办结回复，等待审核"),
    QueueDef("due_soon", "临期", "warn", "已过预警线（时限的80%）、尚未到期"),
    QueueDef("overdue", "超期", "bad", "超过办结期限仍未回复"),
    QueueDef("escalated", "升级督办", "bad", "已按当前期限升级督办、仍未回复"),
    QueueDef("flagged", "挂牌督办", "bad", "领导挂牌督办、仍在办的任务"),
)
QUEUE_KEYS = frozenset(queue.key for queue in QUEUES)
DEFAULT_QUEUE = "new_today"


@dataclass(frozen=True)
class QueueCount:
    queue: QueueDef
    count: int | None  # None: the service gave no such bucket (an older dispatch)

    @property
    def shown(self) -> str:
        return "—" if self.count is None else str(self.count)


@dataclass(frozen=True)
class Board:
    counts: list[QueueCount]
    selected: QueueCount
    rows: list[Mapping[str, Any]]


def board(service_queue: Mapping[str, Any], *, selected: str) -> Board:
    """The counts of every queue and the rows of the selected one."""
    counts: list[QueueCount] = []
    rows: dict[str, list[Mapping[str, Any]]] = {}
    for queue in QUEUES:
        bucket = service_queue.get(queue.key)
        counts.append(QueueCount(queue, None if bucket is None else int(bucket.get("count", 0))))
        rows[queue.key] = list(bucket.get("items", [])) if bucket else []
    key = selected if selected in QUEUE_KEYS else DEFAULT_QUEUE
    chosen = next(count for count in counts if count.queue.key == key)
    return Board(counts=counts, selected=chosen, rows=rows[key][:ROWS_SHOWN])
