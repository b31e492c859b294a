"""The dispatcher's board: which queues it shows, where each count comes from, and their rows.

Six counts are the dispatch service's own (``GET /v1/queues/dispatcher``). Two have no filter
in its API and are computed here, honestly labelled, from the open tasks the task list returns
(``GET /v1/tasks?state=…``): *due within 24 hours* (the list carries ``due_at`` but not the
service's 80 % warning time) and *new today* (created since county midnight). *Escalated* (升级
督办) cannot be computed from what the API gives — the list has no escalation time or stage —
so it is shown as unavailable rather than guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pingan_common.county_time import COUNTY_TZ
from pingan_console.dispatch.timefmt import parse_instant

Source = Literal["service", "computed", "unavailable"]

OPEN_STATES = ("created", "assigned", "accepted", "in_progress", "replied", "reviewed", "returned")
# The states the service's handling clock runs in (a reply stops it).
CLOCK_STATES = frozenset({"assigned", "accepted", "in_progress", "returned"})
DUE_SOON_WINDOW = timedelta(hours=24)
ROWS_SHOWN = 30


@dataclass(frozen=True)
class QueueDef:
    key: str
    label: str
    source: Source
    tone: str = ""
    note: str = ""


QUEUES: tuple[QueueDef, ...] = (
    QueueDef(
        "new_today",
        "今日新任务",
        "computed",
        note="控制台按任务列表统计：今日（县时间）生成、仍在办的任务",
    ),
    QueueDef("unrouted", "待派单", "service", "warn", "未能派出、兜底派单或未定位的任务"),
    QueueDef("returned", "退单", "service", "warn", "承办单位退回、等待重新派单"),
    QueueDef("extension_requests", "延期申请", "service", note="等待审批的延期申请"),
    QueueDef("awaiting_review", "待审核", "service", note="承办单位已办结回复，等待审核"),
    QueueDef(
        "due_soon",
        "24小时内到期",
        "computed",
        "warn",
        "控制台按任务列表的办结期限统计（服务未提供临期筛选）",
    ),
    QueueDef("overdue", "超期", "service", "bad", "超过办结期限仍未回复"),
    QueueDef(
        "escalated",
        "升级督办",
        "unavailable",
        "bad",
        "派单服务的接口未提供升级督办的筛选，此处不作估算；请在任务详情查看时限阶段",
    ),
    QueueDef("flagged", "挂牌督办", "service", "bad", "领导挂牌督办、仍在办的任务"),
)
QUEUE_KEYS = frozenset(queue.key for queue in QUEUES)
DEFAULT_QUEUE = "new_today"


@dataclass(frozen=True)
class QueueCount:
    queue: QueueDef
    count: int | None
    at_least: bool = False  # the task list was longer than the console reads

    @property
    def shown(self) -> str:
        if self.count is None:
            return "—"
        return f"≥{self.count}" if self.at_least else str(self.count)


@dataclass(frozen=True)
class Board:
    counts: list[QueueCount]
    selected: QueueCount
    rows: list[Mapping[str, Any]]


def due_soon(tasks: Iterable[Mapping[str, Any]], now: datetime) -> list[Mapping[str, Any]]:
    """Tasks on the clock whose deadline is in the next 24 hours (not yet past), earliest first."""
    found = []
    for task in tasks:
        due = parse_instant(task.get("due_at"))
        if task.get("state") in CLOCK_STATES and due and now <= due <= now + DUE_SOON_WINDOW:
            found.append(task)
    return sorted(found, key=lambda task: task["due_at"])


def new_today(tasks: Iterable[Mapping[str, Any]], now: datetime) -> list[Mapping[str, Any]]:
    """Open tasks created since midnight, county time, newest first."""
    midnight = now.astimezone(COUNTY_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    found = [
        task
        for task in tasks
        if task.get("state") in OPEN_STATES
        and (created := parse_instant(task.get("created_at"))) is not None
        and created >= midnight
    ]
    return sorted(found, key=lambda task: task["created_at"], reverse=True)


def board(
    service_queue: Mapping[str, Any],
    open_tasks: Sequence[Mapping[str, Any]],
    *,
    truncated: bool,
    now: datetime,
    selected: str,
) -> Board:
    """The counts of every queue and the rows of the selected one."""
    computed = {"due_soon": due_soon(open_tasks, now), "new_today": new_today(open_tasks, now)}
    counts: list[QueueCount] = []
    rows: dict[str, list[Mapping[str, Any]]] = {}
    for queue in QUEUES:
        if queue.source == "service":
            bucket = service_queue.get(queue.key) or {}
            counts.append(QueueCount(queue, int(bucket.get("count", 0))))
            rows[queue.key] = list(bucket.get("items", []))
        elif queue.source == "computed":
            found = computed[queue.key]
            counts.append(QueueCount(queue, len(found), at_least=truncated))
            rows[queue.key] = found
        else:
            counts.append(QueueCount(queue, None))
            rows[queue.key] = []
    key = selected if selected in QUEUE_KEYS else DEFAULT_QUEUE
    chosen = next(count for count in counts if count.queue.key == key)
    return Board(counts=counts, selected=chosen, rows=rows[key][:ROWS_SHOWN])
