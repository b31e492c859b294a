"""The dispatch service's vocabulary in the console's words: states, actions, stages, reasons."""

from __future__ import annotations

STATE_LABELS: dict[str, str] = {
    "created": "待派单",
    "assigned": "待签收",
    "accepted": "已签收",
    "in_progress": "办理中",
    "replied": "已回复待审核",
    "reviewed": "已审核待回访",
    "returned": "已退单",
    "closed": "已办结",
    "cancelled": "已撤销",
    "to_mediation": "已转调解",
}

# The lifecycle's actions (the forms' buttons) and the other timeline entries dispatch records.
ACTION_LABELS: dict[str, str] = {
    "assign": "派单",
    "accept": "签收",
    "return": "退单",
    "reassign": "改派",
    "request-extension": "申请延期",
    "decide-extension": "审批延期",
    "reply": "办结回复",
    "review": "审核",
    "callback": "回访",
    "reopen": "重办",
    "flag": "挂牌督办",
    "cancel": "撤销任务",
    "convert-to-case": "转调解",
}
HISTORY_LABELS: dict[str, str] = {
    **ACTION_LABELS,
    "create": "生成任务",
    "close": "办结",
    "unflag": "取消督办",
    "reroute": "重新派单",
    "reclassify": "工单重新分类",
    "supplement": "来电人补充",
    "warning": "临期预警",
    "accept_overdue": "签收超时",
    "overdue": "超期",
    "escalated": "升级督办",
    "survey-answer-held": "短信回访待审核后生效",
    "survey-answer-ignored": "短信回访未采用",
}

STAGE_LABELS: dict[str, str] = {
    "ok": "正常",
    "warning": "临期",
    "overdue": "超期",
    "escalated": "已升级督办",
}
STAGE_TONES: dict[str, str] = {"ok": "", "warning": "warn", "overdue": "bad", "escalated": "bad"}

RETURN_REASONS: tuple[tuple[str, str], ...] = (
    ("not_our_remit", "非本单位职责"),
    ("wrong_area", "不属本辖区"),
    ("insufficient_info", "信息不全"),
    ("duplicate", "重复工单"),
    ("other", "其他"),
)
CANCEL_REASONS: tuple[tuple[str, str], ...] = (("duplicate", "重复工单"), ("other", "其他"))
VERDICTS: tuple[tuple[str, str], ...] = (
    ("satisfied", "满意"),
    ("basically_satisfied", "基本满意"),
    ("unsatisfied", "不满意"),
)
SLA_CLASSES: tuple[tuple[str, str], ...] = (
    ("", "按类别默认时限"),
    ("complex", "复杂事项（15个工作日）"),
    ("consultation", "咨询"),
    ("help", "求助"),
)
# Dispatch's time-limit rules (data/sla_policy.json) by id, in the words of their notes.
SLA_RULE_LABELS: dict[str, str] = {
    "SLA-URGENT": "紧急事项（2小时办结）",
    "SLA-COMPLEX": "疑难复杂事项（15个工作日）",
    "SLA-CONSULTATION-CLASS": "咨询类（3个工作日）",
    "SLA-CONSULTATION": "咨询类（3个工作日）",
    "SLA-HELP": "求助类（3个工作日）",
    "SLA-UTILITY-WATER": "停水（24小时）",
    "SLA-UTILITY-POWER": "停电（24小时）",
    "SLA-UTILITY-GAS": "燃气（24小时）",
    "SLA-UTILITY-HEATING": "供暖（24小时）",
    "SLA-ORDINARY": "一般事项（5个工作日）",
}
UNIT_KIND_LABELS: dict[str, str] = {
    "department": "县级部门",
    "township_center": "乡镇（街道）综治中心",
    "village_committee": "村（社区）",
    "grid": "网格",
    "command_center": "县指挥中心",
    "mediation_center": "调解中心",
    "mediation_committee": "调解委员会",
}
URGENCY_LABELS: dict[str, str] = {"urgent": "紧急", "normal": "一般"}
KIND_LABELS: dict[str, str] = {"ticket": "工单任务", "verification": "核查任务"}

DETAIL_LABELS: dict[str, str] = {
    "reason": "原因",
    "why": "说明",
    "comment": "意见",
    "result": "办理结果",
    "verdict": "回访评价",
    "requested_due_at": "申请期限",
    "due_at": "办结期限",
    "unit_code": "单位",
    "previous_unit_code": "原单位",
    "escalated_to_unit_code": "督办单位",
    "rule_id": "规则",
    "approved": "审批",
    "accepted": "审核",
    "supplement": "补充内容",
}


def label(table: dict[str, str], key: str | None) -> str:
    """The Chinese label, or the service's own word when the console has none for it."""
    if key is None:
        return ""
    return table.get(key, key)


TICKET_STATUS_LABELS: dict[str, str] = {
    "registered": "已登记",
    "open": "受理中",
    "dispatched": "已派单",
    "in_progress": "办理中",
    "replied": "已回复",
    "mediating": "调解中",
    "merged": "已并单",
    "closed": "已办结",
    "cancelled": "已撤单",
}

# The case's dispute kind when a unit converts its task (转调解); mediation's vocabulary
# (pingan_common.events.mediation.DisputeKind, labelled as mediation labels it).
DISPUTE_KINDS: tuple[tuple[str, str], ...] = (
    ("neighbour", "邻里纠纷"),
    ("family", "婚姻家庭纠纷"),
    ("domestic_support", "赡养扶养纠纷"),
    ("wage_arrears", "劳资纠纷/欠薪"),
    ("property_management", "物业纠纷"),
    ("land", "土地山林权属纠纷"),
    ("demolition", "征地拆迁纠纷"),
    ("medical", "医患纠纷"),
    ("traffic_compensation", "交通事故赔偿纠纷"),
    ("consumer", "消费纠纷"),
    ("damage_compensation", "损害赔偿纠纷"),
    ("debt", "借贷纠纷"),
    ("rental", "租赁纠纷"),
    ("general", "其他矛盾纠纷"),
)
