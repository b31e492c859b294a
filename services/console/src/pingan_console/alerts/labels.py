"""The alert vocabulary in the console's Chinese, beside the codes riskassess answers with."""

from __future__ import annotations

LEVELS: tuple[str, ...] = ("red", "orange", "yellow", "blue")
LEVEL_LABELS: dict[str, str] = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}

# riskassess's open states (alerts/lifecycle.py OPEN_STATES), in the order of the lifecycle.
OPEN_STATES: tuple[str, ...] = (
    "raised",
    "acknowledged",
    "verification_requested",
    "verified",
    "handled",
)
STATE_LABELS: dict[str, str] = {
    "raised": "待签收",
    "acknowledged": "已签收",
    "verification_requested": "核查中",
    "verified": "已核查",
    "handled": "已处置",
    "closed": "已关闭",
}

SUBJECT_LABELS: dict[str, str] = {
    "caller": "来电人",
    "place": "地点",
    "case": "调解案件",
    "key_person": "重点人员",
    "ticket": "工单",
}

RULE_LABELS: dict[str, str] = {
    "threat": "极端言行",
    "intake_classification": "受理研判",
    "repeat_caller": "重复来电",
    "group_precursor": "群体性苗头",
    "gathering": "聚集苗头",
    "civil_to_criminal": "民转刑苗头",
    "threat_after_case": "调解后扬言",
    "key_person_involved": "涉重点人员",
    "key_person_lost_contact": "重点人员脱管",
    "sensitive_overdue": "敏感工单超期",
    "spike": "来电激增",
}

ACTION_LABELS: dict[str, str] = {
    "raise": "生成预警",
    "signal": "新增信号",
    "escalate": "超时升级",
    "acknowledge": "签收",
    "request-verification": "下发核查",
    "verification-reported": "核查反馈",
    "verification-report-late": "核查反馈（逾期）",
    "verify": "核查结论",
    "handle": "处置",
    "close": "关闭",
}

OUTCOME_LABELS: dict[str, str] = {"confirmed": "情况属实", "false_alarm": "误报"}


def label(table: dict[str, str], code: str | None) -> str:
    """The Chinese label of a code, or the code itself when the console does not know it yet."""
    if code is None:
        return "—"
    return table.get(code, code)
