"""A first keyword classifier: category group, urgency and dispositions from the text.

Rules are checked in priority order, most dangerous first, so a threat inside a dispute is
still raised as a threat. The intake issue replaces this with the full taxonomy and a model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pingan_common.events import CategoryGroup, Disposition, RiskLevel, Urgency


@dataclass(frozen=True)
class Classification:
    group: CategoryGroup
    code: str | None
    label: str
    urgency: Urgency
    dispositions: tuple[Disposition, ...]
    risk_level: RiskLevel | None = None

    @property
    def disposition(self) -> Disposition:
        return self.dispositions[0]


@dataclass(frozen=True)
class Rule:
    group: CategoryGroup
    code: str
    label: str
    keywords: tuple[str, ...]
    dispositions: tuple[Disposition, ...]
    urgency: Urgency = Urgency.NORMAL
    risk_level: RiskLevel | None = None


G, D, U = CategoryGroup, Disposition, Urgency

RULES: tuple[Rule, ...] = (
    Rule(
        G.EXTREME_THREAT,
        "threat_self_harm",
        "扬言自杀/跳楼",
        ("自杀", "跳楼", "不想活", "轻生", "跳河"),
        (D.POLICE_TRANSFER, D.RISK),
        U.URGENT,
        RiskLevel.RED,
    ),
    Rule(
        G.EXTREME_THREAT,
        "threat_revenge",
        "扬言报复社会",
        ("报复社会", "同归于尽", "炸了", "砍人", "杀了他", "报复"),
        (D.POLICE_TRANSFER, D.RISK),
        U.URGENT,
        RiskLevel.RED,
    ),
    Rule(
        G.PETITION_GROUP,
        "group_wage_arrears",
        "集体讨薪",
        ("集体讨薪", "一起讨薪", "工人聚集", "围堵", "拉横幅"),
        (D.RISK, D.TASK),
        risk_level=RiskLevel.ORANGE,
    ),
    Rule(
        G.PETITION_GROUP,
        "petition_threat",
        "扬言上访/进京",
        ("进京上访", "上访", "去省里告"),
        (D.RISK, D.TASK),
        risk_level=RiskLevel.ORANGE,
    ),
    Rule(
        G.KEY_POPULATION,
        "mental_illness_incident",
        "严重精神障碍患者异常",
        ("精神病", "精神障碍", "发病", "疯了"),
        (D.RISK, D.TASK),
        risk_level=RiskLevel.YELLOW,
    ),
    Rule(
        G.KEY_POPULATION,
        "community_correction_absent",
        "社区矫正人员脱管",
        ("社区矫正", "脱管", "刑满释放", "吸毒"),
        (D.RISK, D.TASK),
        risk_level=RiskLevel.YELLOW,
    ),
    Rule(
        G.SAFETY_HAZARD,
        "gas_leak",
        "燃气泄漏",
        ("燃气泄漏", "煤气泄漏", "天然气", "燃气味", "煤气味", "闻到煤气"),
        (D.TASK,),
        U.URGENT,
    ),
    Rule(
        G.SAFETY_HAZARD, "fire", "火灾隐患", ("着火", "起火", "冒烟", "火灾"), (D.TASK,), U.URGENT
    ),
    Rule(G.SAFETY_HAZARD, "fire_lane_blocked", "消防通道堵塞", ("消防通道",), (D.TASK,)),
    Rule(
        G.SAFETY_HAZARD, "dangerous_building", "危房", ("危房", "墙体开裂", "房屋倾斜"), (D.TASK,)
    ),
    Rule(G.SAFETY_HAZARD, "elevator", "电梯故障", ("电梯",), (D.TASK,)),
    Rule(
        G.SAFETY_HAZARD,
        "road_collapse",
        "道路塌陷",
        ("塌陷", "地陷", "路面坍塌"),
        (D.TASK,),
        U.URGENT,
    ),
    Rule(
        G.PUBLIC_ORDER,
        "fight",
        "打架斗殴",
        ("打架", "斗殴", "打人", "动手了"),
        (D.POLICE_TRANSFER, D.TASK),
        U.URGENT,
    ),
    Rule(
        G.PUBLIC_ORDER, "gambling_drugs", "黄赌毒线索", ("赌博", "赌场", "卖淫", "贩毒"), (D.TASK,)
    ),
    Rule(G.PUBLIC_ORDER, "fraud", "诈骗", ("诈骗", "骗子", "被骗"), (D.TASK,)),
    Rule(G.PUBLIC_ORDER, "suspicious_person", "可疑人员", ("可疑人员", "形迹可疑"), (D.TASK,)),
    Rule(
        G.DISPUTE,
        "wage_arrears",
        "劳资纠纷/欠薪",
        ("欠薪", "拖欠工资", "讨薪", "不发工资"),
        (D.MEDIATION, D.TASK),
    ),
    Rule(
        G.DISPUTE, "neighbour", "邻里纠纷", ("邻居", "邻里", "楼上", "楼下", "隔壁"), (D.MEDIATION,)
    ),
    Rule(
        G.DISPUTE,
        "family",
        "婚姻家庭纠纷",
        ("离婚", "家暴", "婆媳", "赡养", "抚养"),
        (D.MEDIATION,),
    ),
    Rule(G.DISPUTE, "property_management", "物业纠纷", ("物业",), (D.MEDIATION,)),
    Rule(
        G.DISPUTE,
        "land",
        "土地山林权属纠纷",
        ("宅基地", "土地纠纷", "山林", "地界"),
        (D.MEDIATION,),
    ),
    Rule(G.DISPUTE, "general", "其他矛盾纠纷", ("纠纷", "吵架", "争执", "矛盾"), (D.MEDIATION,)),
    Rule(G.CITY_SERVICE, "street_light", "路灯故障", ("路灯",), (D.TASK,)),
    Rule(G.CITY_SERVICE, "water_outage", "停水", ("停水", "没水", "水管爆"), (D.TASK,)),
    Rule(G.CITY_SERVICE, "power_outage", "停电", ("停电", "没电"), (D.TASK,)),
    Rule(G.CITY_SERVICE, "garbage", "垃圾清运", ("垃圾",), (D.TASK,)),
    Rule(G.CITY_SERVICE, "noise", "噪音扰民", ("噪音", "噪声", "扰民"), (D.TASK,)),
    Rule(G.CITY_SERVICE, "street_vending", "占道经营", ("占道", "摆摊"), (D.TASK,)),
    Rule(G.CITY_SERVICE, "illegal_building", "违章搭建", ("违建", "违章搭建", "乱搭"), (D.TASK,)),
    Rule(G.CITY_SERVICE, "pollution", "环境污染", ("污染", "排污", "臭味", "黑烟"), (D.TASK,)),
    Rule(G.CITY_SERVICE, "road_damage", "道路设施损坏", ("井盖", "坑洼", "红绿灯"), (D.TASK,)),
    Rule(
        G.CONSULTATION,
        "policy",
        "政策咨询",
        ("咨询", "请问", "怎么办理", "需要什么材料"),
        (D.ANSWER,),
    ),
)

FALLBACK = Rule(G.CITY_SERVICE, "other", "其他诉求", (), (D.TASK,))

# "不是…投诉" or "没有…打架": a keyword right after a negation is not a claim. Bare 无 is no
# negation word: it sits inside ordinary words (无缘无故打人, 无人管的垃圾).
_NEGATION = re.compile(r"(不是|没有|并非|不算)[^，。,.!！?？]{0,4}$")
_HAPPENING_NOW = ("正在", "现在", "马上", "快来")


def classify(text: str) -> Classification:
    matched = [
        rule
        for rule in RULES
        # A threat is never negated away ("没有钱我就跳楼"): a false alarm costs a check, a
        # missed threat may cost a life.
        if _mentions(text, rule.keywords, negatable=rule.group is not G.EXTREME_THREAT)
    ]
    primary = matched[0] if matched else FALLBACK
    dispositions = list(primary.dispositions)
    for rule in matched[1:]:
        for disposition in rule.dispositions:
            if disposition not in dispositions and disposition is not D.ANSWER:
                dispositions.append(disposition)
    if primary.group is G.CONSULTATION and len(dispositions) > 1:
        dispositions.remove(D.ANSWER)
    urgency = U.URGENT if any(r.urgency is U.URGENT for r in matched) else U.NORMAL
    if primary.group is G.DISPUTE and any(word in text for word in _HAPPENING_NOW):
        urgency = U.URGENT
    risk = next((r.risk_level for r in matched if r.risk_level is not None), None)
    return Classification(
        group=primary.group,
        code=primary.code,
        label=primary.label,
        urgency=urgency,
        dispositions=tuple(dispositions),
        risk_level=risk,
    )


def _mentions(text: str, keywords: tuple[str, ...], *, negatable: bool = True) -> bool:
    for keyword in keywords:
        start = text.find(keyword)
        while start != -1:
            if not (negatable and _NEGATION.search(text[:start])):
                return True
            start = text.find(keyword, start + 1)
    return False
