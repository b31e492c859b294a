"""The dispute kinds a case may have (intake's dispute subcategories, one vocabulary)."""

from __future__ import annotations

DISPUTE_KINDS: dict[str, str] = {
    "family": "婚姻家庭纠纷",
    "domestic_support": "赡养扶养纠纷",
    "neighbour": "邻里纠纷",
    "wage_arrears": "劳资纠纷/欠薪",
    "property_management": "物业纠纷",
    "land": "土地山林权属纠纷",
    "demolition": "征地拆迁纠纷",
    "medical": "医患纠纷",
    "traffic_compensation": "交通事故赔偿纠纷",
    "consumer": "消费纠纷",
    "damage_compensation": "损害赔偿纠纷",
    "debt": "借贷纠纷",
    "rental": "租赁纠纷",
    "general": "其他矛盾纠纷",
}


def kind_label(code: str | None) -> str:
    return DISPUTE_KINDS.get(code or "general", code or "其他矛盾纠纷")
