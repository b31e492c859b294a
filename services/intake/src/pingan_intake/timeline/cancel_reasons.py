"""What the timeline calls the reasons dispatch gives for cancelling a task (``task.cancelled``):
people read 任务撤销（转调解）, not the contract's code ``to_mediation``."""

from __future__ import annotations

CANCEL_REASON_LABELS = {
    "retracted": "工单撤回",
    "merged": "并单",
    "duplicate": "重复派单",
    "other": "其他原因",
    "to_mediation": "转调解",
}


def cancel_reason_label(reason: str) -> str:
    """The Chinese label; a code added to the contract before it has one shows as it is."""
    return CANCEL_REASON_LABELS.get(reason, reason)
