"""Group matters (群体性苗头): many people, a plan to act together, a place where power sits.

Pure functions over the text. A call is a group matter when it names enough people ("三十多个工人",
"四十来户", "上百号人", "百十来号人", "二十好几个", "七八十号人", "一百二十余名") and either a
collective plan (going together, signatures, a group chat, meeting somewhere) or a gathering
happening at a site that matters (government, sales office, factory gate, project office) — or,
without a count, a collective plan aimed at such a site ("大伙约好了明天一起去镇政府"). Whatever
else the call is about stays beside it: a wage dispute of thirty workers is a group matter *and*
a wage task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A gathering of this many people or households is a group matter.
MIN_PEOPLE = 10

_DIGITS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_PEOPLE = (
    r"(个|号|名|位|户|家|口子|口|多|来|余|几)*(人|工人|民工|农民工|员工|职工|工友|业主|村民|家长|户|家|住户|居民"
    r"|姐妹|师傅|司机|老人|老头|老太太|学生|会员|投资人|购房者|商户|群众|阿姨|老师|环卫工|保洁员|骑手|租户|拆迁户"
    r"|征迁户|泥瓦匠|木工|装卸工)"
)
# Spoken counts: 三十多, 四十来, 上百, 百十来, 二十好几, 七八十, 一百二十余, 十几, 好几十,
# 几百, 35.
_COUNT = re.compile(
    r"(?P<n>\d{2,5}|[一二两三四五六七八九]?百[一二两三四五六七八九十]*|上百|好几百|几百|一两百|百十|好几十|几十"
    r"|[二三四五六七八九]十[一二三四五六七八九]?|[二三四五六七八九][二三四五六七八九]十|十[一二三四五六七八九]?|十几|十好几"
    r"|二十好几|三十好几)(多|来|余|好几|几)?(" + _PEOPLE + r"|个(?=[吧，,在都人]))"
)
_PLAN = re.compile(
    r"一(块儿?|起|同|齐)(去|到|上|找|来|堵|坐)|集体|联名|签(了)?名|按(了)?手印|拉了?(个)?群|建(了)?群|群里"
    r"|约好|商量好|说好了|商量着|组织(大家|起来|群众)|报名|集合|大家伙|大伙|都去|全体|一块儿|号召|串联"
    r"|群里(说|商量|号召|吵)"
    r"|凑路费|一家出一个人"
)
# Plans that are collective by themselves, without a count: "大伙约好了", "联名", "拉了个群".
_COLLECTIVE = re.compile(
    r"集体|联名|签(了)?名|按(了)?手印|拉了?(个)?群|建(了)?群|大家伙|大伙|约好|串联|号召|凑路费|一家出一个人"
    r"|(我们|大家)(几个村|整个|全|都)"
)
_GATHERING = re.compile(
    r"聚集|聚在|围(在|着|住)|堵(在|着|住|门|路)|坐着(不走)?|静坐|拉横幅|横幅|举(着)?牌|站着|喊口号|躺到|对峙"
    r"|都在.{0,6}门口|门口(坐|站|等|堵)|不让.{0,4}(走|离开)|拦路|堵国道|(站|坐|堵|围|聚|等|哭|闹)(在)?.{0,8}门口"
)
_SITE = re.compile(
    r"政府|镇上|县里|市里|乡里|镇里|住建局|人社局|劳动局|教育局|信访局|管委会|城管局|公交公司|公安局"
    r"|售楼(处|部)|开发商|项目部|厂门口|厂区|大门|工地|村委会|办公室|总部|营业厅|医院|商场|广场|国道|路口"
)
_WAGE = re.compile(
    r"工资|工钱|讨薪|欠薪|工程款|遣散费|运费|血汗钱|结账|结算|社保断缴|拖欠|(没|不)(拿到|给)钱"
)


@dataclass(frozen=True)
class GroupSignal:
    people: int | None  # the largest count named, if any
    plan: bool
    collective: bool
    gathering: bool
    site: bool
    wages: bool

    @property
    def is_group(self) -> bool:
        many = self.people is not None and self.people >= MIN_PEOPLE
        if many:
            return self.plan or self.gathering or self.site
        return self.collective and self.site and (self.plan or self.gathering)

    @property
    def code(self) -> str:
        """The subcategory a group matter falls in: wages are 集体讨薪, the rest 群体聚集."""
        return "group_wage_arrears" if self.wages else "group_gathering"


def detect(text: str) -> GroupSignal:
    counts = [count_value(m.group("n")) for m in _COUNT.finditer(text)]
    people = max((c for c in counts if c is not None), default=None)
    return GroupSignal(
        people=people,
        plan=bool(_PLAN.search(text)),
        collective=bool(_COLLECTIVE.search(text)),
        gathering=bool(_GATHERING.search(text)),
        site=bool(_SITE.search(text)),
        wages=bool(_WAGE.search(text)),
    )


_FIXED_COUNTS = {
    "上百": 100,
    "好几百": 200,
    "几百": 200,
    "一两百": 100,
    "百十": 100,
    "好几十": 20,
    "几十": 20,
    "十几": 10,
    "十好几": 10,
    "二十好几": 20,
    "三十好几": 30,
}


def count_value(spoken: str) -> int | None:
    """The number a spoken count stands for, at its low end: 三十 → 30, 上百 → 100, 七八十 → 70."""
    if spoken.isdigit():
        return int(spoken)
    if spoken in _FIXED_COUNTS:
        return _FIXED_COUNTS[spoken]
    if "百" in spoken:
        head, _, tail = spoken.partition("百")
        return 100 * (_DIGITS.get(head, 1) if head else 1) + (_tens(tail) if tail else 0)
    if len(spoken) == 3 and spoken[2] == "十" and spoken[0] in _DIGITS:  # 七八十
        return _DIGITS[spoken[0]] * 10
    return _tens(spoken)


def _tens(spoken: str) -> int:
    if "十" not in spoken:
        return _DIGITS.get(spoken, 0)
    head, _, tail = spoken.partition("十")
    return (_DIGITS.get(head, 1) if head else 1) * 10 + (_DIGITS.get(tail, 0) if tail else 0)
