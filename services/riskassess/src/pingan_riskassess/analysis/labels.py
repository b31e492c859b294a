"""The analysis's Chinese vocabulary for what the reports print (the console names the same
codes on its pages, services/console/.../alerts/labels.py)."""

from __future__ import annotations

LEVEL_LABELS = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}
LEVELS = ("red", "orange", "yellow", "blue")
RULE_LABELS = {
    "threat": "极端言行",
    "intake_classification": "受理研判",
    "repeat_caller": "重复来电",
    "group_precursor": "群体性苗头",
    "gathering": "聚集苗头",
    "civil_to_criminal": "民转刑苗头",
    "threat_after_case": "调解后扬言",
    "key_person_involved": "涉重点人员",
    "key_person_lost_contact": "重点人员脱管",
    "key_person_visit_overdue": "重点人员走访逾期",
    "sensitive_overdue": "敏感工单超期",
    "spike": "来电激增",
    "sensitive_period": "敏感时期",
}
CONCLUSION_LABELS = {"high": "高风险", "medium": "中风险", "low": "低风险"}
DECISION_LABELS = {
    "proceed": "准予实施",
    "proceed_with_mitigations": "落实化解措施后实施",
    "postpone": "暂缓实施",
    "reject": "不予实施",
}


def label(table: dict[str, str], code: str | None) -> str:
    if code is None:
        return "未知"
    return table.get(code, code)
