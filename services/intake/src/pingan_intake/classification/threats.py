"""Threat detection: does a call threaten a life or the public, and what kind of threat is it?

Pure functions over the text (no I/O, no model), biased to recall: a false alarm costs a check,
a missed threat may cost a life. Callers rarely say "自杀" or "报复社会"; they say "再不结账，我就抱
着孩子去水库", "活着没意思，大不了一起完蛋", "我已经把药攒够了", "我在吊车上面，不想下去". So the
detector scores *signals* inside each clause and adds them up:

- ``explicit``: an unmistakable statement ("不想活", "同归于尽", "弄死", "一把火", "进京上访"), 1.0;
- ``means``: a means of harm in a harmful use ("安眠药…吃", "拎着一桶汽油", "煤气开着"), 0.6;
- ``height``: someone up on a rooftop, crane, bridge or billboard, 0.6;
- ``stay``: refusing to come down, letting go ("不下来", "松手"), 0.5;
- ``intent``: resolve or farewell ("想好了", "说到做到", "别找我", "对不起爸妈", "不拖累"), 0.5;
- ``condition``: an ultimatum ("再不…就…", "要是不…", "除非"), 0.3;
- ``dependant``: a child or another person taken along or aimed at ("抱着孩子", "带几个走"), 0.4;
- ``weak``: words that lean toward a threat without saying one ("扬言", "想不开"), 0.4.

Each family counts once (its strongest match). A total of 1.0 is a threat. A signal does not
count when, inside its clause, it is denied ("我不会跳楼的"), figurative ("吵得我想跳楼",
"热死了", "水管炸了", "跳闸"), disowned as a joke or angry words ("开个玩笑", "说说而已" —
unless denied: "我不是开玩笑" makes it graver), or told as the past with the matter since
settled ("他去年说过要跳楼，后来事情解决了"). Speech reported about now ("他刚才说要去跳河")
counts like the caller's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import islice

from pingan_intake.classification import clauses

SELF_HARM = "threat_self_harm"
REVENGE = "threat_revenge"
VIOLENCE = "threat_violence"
ARSON = "threat_arson_explosion"
PETITION = "threat_extreme_petition"
KINDS = (SELF_HARM, REVENGE, VIOLENCE, ARSON, PETITION)

THRESHOLD = 1.0
# Matches of one signal pattern looked at: enough for any call, bounded for a pasted novel.
_MATCHES_PER_SIGNAL = 12

_WEIGHTS = {
    "explicit": 1.0,
    "means": 0.6,
    "height": 0.6,
    "stay": 0.5,
    "intent": 0.5,
    "dependant": 0.5,
    "weak": 0.4,
    "condition": 0.4,
}

# (family, kind or None, pattern). The kind of a generic signal (intent, condition) is decided by
# the specific ones it comes with.
_SIGNALS: tuple[tuple[str, str | None, str], ...] = (
    # --- self-harm, said outright
    (
        "explicit",
        SELF_HARM,
        r"自杀|轻生|寻死|寻短见|割腕|割.{0,2}手腕|划.{0,2}手腕|上吊|一死了之|不想活|不活了|活不下去"
        r"|活够了|活着没(意思|劲|啥意思)|活着(还)?有(啥|什么)意思|一了百了|结束(自己|生命)|死给.{0,4}看"
        r"|不想撑|撑不下去|坚持不下去|熬不下去|去死|想死|喝药|喝农药|喝了.{0,3}(农药|敌敌畏|百草枯)"
        r"|跳楼|跳河|跳江|跳桥|跳水库|(?<![吓])(跳下去|往下跳|一跳)"
        r"|从.{0,12}(楼|桥|顶|台|坝|上面|窗|塔|架).{0,3}(?<![推掉摔滑])(跳|下去)|收尸|遗书|自焚|烧炭"
        r"|(开|打开|拧开)(着)?.{0,3}煤气(?!灶)|煤气.{0,3}开着|饿死在|饿死算了|不吃不喝|解脱"
        r"|最后一(天|条|次)(了)?$|最后一(天|条)|不会再麻烦|躺在.{0,6}(推土机|车)前|从我身上(压|轧)"
        r"|冲到.{0,4}(水库|河|江)里|卧轨|火车道|不想拖累|不拖累|早点走|这辈子就这样|去见外婆|去找我老伴"
        r"|(我|人)死了你们|我不在了|(走|死)了算了|攒(的|了|够)?.{0,3}药",
    ),
    # --- revenge on others or on society
    (
        "explicit",
        REVENGE,
        r"报复|同归于尽|垫背|陪葬|鱼死网破|拼一个|家破人亡|付出(血的)?代价|算总账|别想好过|都别(想)?(活|过)"
        r"|谁都别过|一起下地狱|(见见|见)血|大新闻|干一票|搞点大事|干件事|记住我|往人多的地方"
        r"|(带|拉)(上)?几个|不会一个人走|一个(都|也)跑不了|一个(一个|个)(收拾|还)|能带走几个"
        r"|一起(上路|完蛋)|大不了一起|让.{0,10}(尝尝|陪|知道.{0,10}(后果|滋味|感觉))|出了(人命|事)(我负责|别怪我)"
        r"|豁出去|后果(自负|你自己负责)|让.{0,14}后悔|什么叫后悔|大家一起(死|完|上天)?$|不会放过|等着瞧|开不下去|全完蛋|讨回来",
    ),
    # --- violence against a person
    (
        "explicit",
        VIOLENCE,
        r"砍死|砍人|(要|就|去|来)砍|砍了(他|你|她|我)|把(他|你|她|我).{0,3}砍|砍谁|杀了(他|你|她|我)|杀人"
        r"|把.{0,6}杀了|弄死|捅(死|谁)|宰了|剁了(他|你|她|我)|劈了(他|你|她|我)|(就|把)(他|你|她|我)?劈了"
        r"|掐死|药死|打断.{0,4}腿|卸.{0,4}(胳膊|腿)|(把|给).{0,3}废了|要(了)?.{0,4}(的)?命|打残|弄残|毁容"
        r"|泼硫酸|横着出去|把.{0,3}埋了|扔(到)?(河|江)里|(孩子|小孩).{0,6}扔下去|对.{0,3}不客气|见.{0,3}一次打一次"
        r"|腿(给)?打断|把.{0,8}腿.{0,2}打断|这辈子都(找不到|见不到)|别想(回家|见到)|给.{0,3}一刀|谁(挡|拦)(我)?就(打|捅|砍)谁|对着.{0,6}打|收拾了|把.{0,4}收拾|打残|上不了学"
        r"|(钢管|铁棍|刀|枪).{0,3}解决|回家拿枪|磨刀|刀(都)?(磨好|准备好|带着)",
    ),
    # --- fire and explosions aimed at people or property
    (
        "explicit",
        ARSON,
        r"放火|纵火|一把火|一把点了|把.{0,14}(点了|烧了|烧掉|烧成灰|烧个干净)|燃烧瓶|泼油(?!漆)|浇.{0,3}(汽油|油)"
        r"|泼.{0,3}汽油|炸药|雷管|爆炸物|把.{0,14}炸(了|掉|平|飞)|炸死|(点|开)(着)?.{0,3}(煤气罐|液化气罐)"
        r"|大家一起上天|大动静|放个大烟花|浇上汽油|拿打火机|(去|要|就|来)(烧|点)(了)?.{0,6}(的山|的房|的店|的厂|的车|房子|家)"
        r"|变成一堆灰|烧成|放一个让",
    ),
    # --- petitioning Beijing
    (
        "explicit",
        PETITION,
        r"进京|(去|上|到|赴|回|前往)北京|北京西站|天安门|中南海|国家信访局|长安街|首都|国务院|中央领导"
        r"|(寄|告)(给|到)中央|去中央|两会(期间|的时候)|赴京",
    ),
    # --- a means of harm in a harmful use
    (
        "means",
        SELF_HARM,
        r"(安眠药|安定|药).{0,6}(全|都)?(吃|吞|攒|准备|买好)|(吃|吞|攒|准备|买好|买了)(了)?.{0,6}(安眠药|安定|农药|敌敌畏"
        r"|百草枯|老鼠药)|(攥|拿|放|带|储存)(着)?.{0,6}(农药|敌敌畏|百草枯|安眠药)|买了.{0,2}(木炭|绳子)"
        r"|(拿|带)(着)?.{0,4}(绳子|刀片|剃须刀片)|刀.{0,6}手腕|绳子.{0,6}(上了|去了|往)|把.{0,3}(电线)咬"
        r"|把自己(锁|关)(在)?.{0,6}(屋|房|卫生间|厕所|仓库)|(煤气罐|液化气罐).{0,6}(搬到|放在)(床|屋)|(大量|一堆|很多).{0,2}(降压药|安眠药|药)|存款交给|(猫|狗).{0,2}送人|后事",
    ),
    (
        "means",
        ARSON,
        r"(拎|提|带|买|拿|装|购)(着|了|满)?.{0,6}(汽油|柴油|打火机油|酒精)|汽油(都)?在车上|车上(放着)?.{0,3}(一桶)?油"
        r"|(液化气|煤气)(罐)?.{0,4}(放着|在这|打开)|(一罐|两罐)液化气|(拧开|打开|开)阀门",
    ),
    (
        "means",
        VIOLENCE,
        r"(拿|带|揣|拎|握)(着|了)?.{0,6}(菜刀|刀|斧头|铁棍|钢管|锤子|猎枪|剪刀|锄头|铁锹|皮带)|买.{0,4}(刀|弩)"
        r"|有(个|把)?(猎枪|枪)|(带人|带着人|带农具|带家伙|带刀)|皮带的照片|(下班|回家|放学)路上等|在那等(他|她)|楼下等着",
    ),
    # --- up high, or by deep water
    (
        "height",
        SELF_HARM,
        r"(站|坐|蹲|躺|在|爬|登)(在|上|到)?.{0,10}(楼顶|天台|塔吊|吊车|广告牌|烟囱|水塔|冷却塔|窗台|栏杆外|女儿墙"
        r"|脚手架|大桥|天桥|桥上|坝上|大坝|河堤|江边|河边|水库|楼上面|楼边)"
        r"|(楼顶|天台|塔吊|吊车|烟囱|水塔|广告牌)(上面|上|顶部)|(往|去)(后山|江边|河边|水库|大坝|火车道|铁轨|大桥)"
        r"|定位是.{0,10}(塔|桥|楼|江|河|水库)",
    ),
    # --- refusing to come down, letting go
    (
        "stay",
        SELF_HARM,
        r"不(肯|想|会)下(来|去)|(就|我|也)不下(来|去)|不下来|下不去|松手|往下一跳|拒绝下来"
        r"|(他|我)就下去",
    ),
    # --- resolve, farewell, planning
    (
        "intent",
        None,
        r"想好了|说到做到|说话算话|不是吓唬|不是开玩笑|这不是气话|我是认真的|认真(问|说)的|别找我|别管我|别劝我"
        r"|不(连累|拖累)|累赘|对不起(你们|他们|爸妈|家人|我爸|我妈)?|交代|照顾好|再见了|走之前|下辈子|踩好点"
        r"|(都)?准备好了|买好了|打听清楚|(他|她)?是认真的|不想再花|就当我没打|今晚过后|我不在了"
        r"|迟早|等着吧|你们看着办|掂量|你们看着吧|到时候(出了事)?别怪|不在乎了|不怕了|什么都没(了|有了)"
        r"|电话(也)?(不接|打不通)|关机|联系不上|逼的|劝说无效|劝不住|拦不住|拉不住|劝不听",
    ),
    # --- an ultimatum (may reach across a comma: "三天不给钱，我就…")
    (
        "condition",
        None,
        r"再不|要是(不|还|敢|再)|如果(不|还|再)|不(给|还)~{0,12}就|否则|不然|除非|再没人|再拖|再推|再敢|敢再"
        r"|(今天|明天|这周|月底).{0,6}(不|还不|再不)|不签字|不来.{0,4}就|再(吵|停|来)",
    ),
    # --- a child or other people taken along or aimed at
    (
        "dependant",
        None,
        r"(抱|带|领)着.{0,4}(孩子|儿子|女儿|闺女|娃|孙子)|娘俩|(我们|全家).{0,4}一(起|块儿?)(走|去)"
        r"|(孩子|小孩|儿子|女儿).{0,8}(学校|幼儿园).{0,6}(等|接走|抢)|一起走|一块儿走|带着他一块儿"
        r"|(学校|幼儿园).{0,6}(找|等).{0,3}(女儿|儿子|孩子)|小孩.{0,4}(堵|关|锁)在|(堵|关|锁)着?.{0,3}小孩"
        r"|孩子在(他们|他)家",
    ),
    (
        "weak",
        None,
        r"扬言|威胁|想不开|以死相逼|不想过了|日子(也)?过不下去|没有退路|逼到这一步|逼死|后果|出大事|让全县"
        r"|好好教育|情绪异常|情绪激动",
    ),
)

# Figurative: the harm word is how bad something feels ("吵得我想跳楼", "热死了", "冻死在家里").
_FIGURATIVE_BEFORE = re.compile(r"(得|的)(我|人|我们)?(都|快|真|也)?(要|想|快)?(都|快)?$")
_FIGURATIVE_WORDS = re.compile(
    r"跳闸|跳槽|跳舞|广场舞|跳绳|跳脚|心脏都要跳|跳起来|跳出来|炸鸡|炸串|炸了个火花|水管.{0,2}炸|管子.{0,2}炸"
    r"|要钱没有.{0,3}要命|(头|脑袋|肺|人)都?要?炸|群里.{0,2}炸|气炸|炸锅|炸开了锅|死机|死活|死贵|死死的|死不承认|死鱼|死猪|死鸡"
    r"|去世|死亡(证明|赔偿)|累死|吓死|笑死|气死|热死|冻死|臭死|吵死|烦死|急死|疼死|饿死了|困死|坑死|忙死"
    r"|恶心死|难受死|要死了要死了|跑死|冷得要死|快.{0,2}死了|吓.{0,2}一跳|都(想|要|快)死了|的都有"
    r"|(跟|像|好像)要?把.{0,8}炸|炸了?一样|(一样|似的)$"
    # Sales talk, idioms of how hard something is, things hanging, blasting by trade, pests.
    r"|跳楼(价|大?甩卖|清仓)|老板跳楼|错过跳楼|一跳一跳|一跳就是|跳台|跳绳"
    r"|要了?(我|我们|人|老子)的?(老)?命|要人命|要命的|最要命|要命不要命|要命就要命|真要命|想死的心"
    r"|(楼|树|墙|窗|杆)上吊(下来|着)|从楼上吊|(爆破|开山|采石|民爆|许可|审批).{0,10}炸药|炸药.{0,10}(许可|审批|手续|开山|爆破)"
    r"|药死了?.{0,3}(只|条|头|窝)|(猫|狗|鸡|鸭|鱼|老鼠|虫)(被)?药死|(怕|担心|害怕)(他|她|他们|对方)?(会)?报复"
)
# Words that disown what was just said: a joke, angry words, not meant.
_DISCLAIMER = re.compile(
    r"开(个)?玩笑|说说(而已|罢了)|就是说说|也就说说|气话|嘴上(说说|厉害)|当然不会|我不会这么(干|做)|不会真|哈哈|逗你|想赖账|吓唬人的|装的"
    r"|不会(干|做)别的|不会乱来|不会做傻事|其实(说|指)的是"
)
_DENIED_DISCLAIMER = re.compile(r"(不是|这不是|没)(在)?$")
# The past with the matter since settled: "他去年说过要跳楼，后来事情解决了".
_PAST = re.compile(
    r"去年|前年|以前|之前|当年|那时候|那会儿|几年前|前两年|上个月|上次|那次|当时|早先|曾经|说过|放话过|那是.{0,6}的事"
    r"|前天|昨晚|前两天|上周"
)
_SETTLED = re.compile(
    r"后来|现在(就是|我就是|是|想|我想|他人|人好好|我们就是|挺好)|如今|已经(解决|和解|道过?歉|好了)|(现)?已(和解|调解|解决|离开)|道过歉|劝住"
    r"|也没(来|怎么样|动手)|没怎么样|那都是|那是.{0,6}(气话|的事)|气头上|是气话|现在人好好"
)
_STILL_DANGEROUS = re.compile(
    r"不见了|联系不上|找不到|打不通|又(说|开始|去)|这次|这回|还在|刚才|刚刚|正在"
)
# Asking on someone's behalf about help, medicine or rules: "人要是想不开了，可以打什么热线".
_INQUIRY = re.compile(
    r"热线|心理援助|处方|失眠|医保|报销|能报|政策|我是问给|是问|咨询|报告给平台|平台管|短剧|演员"
    r"|防止|预防|急救知识"
)
# Beijing is a threat only when the trip is a petition: "去北京出差" is not.
_PETITION_CONTEXT = re.compile(
    r"上访|信访|告状|反映|喊冤|冤|材料|横幅|申诉|说法|解决|没人管|不管我|再拖|跪|拦|告御状|讨公道|两会"
)
_CLAUSE = re.compile(r"[，。,.;；!！?？\n…~～]+")
_SENTENCE = re.compile(r"[。!！?？\n]+")


@dataclass(frozen=True)
class Signal:
    family: str
    kind: str | None
    text: str  # the words that carry it
    start: int
    discounted: str | None = None  # why it does not count: denied, figurative, disowned, past


@dataclass(frozen=True)
class ThreatAssessment:
    """What the detector found: the score, whether it is a threat, its kind, and the evidence."""

    score: float
    kind: str | None
    signals: tuple[Signal, ...]
    blocked: tuple[Signal, ...]  # signals found but not counted (denied, figurative, past, joke)

    @property
    def threat(self) -> bool:
        return self.score >= THRESHOLD

    @property
    def evidence(self) -> tuple[str, ...]:
        return tuple(s.text for s in self.signals)


@cache
def _compiled() -> tuple[tuple[str, str | None, re.Pattern[str]], ...]:
    # "." in a signal never reaches across punctuation: a signal lives inside its clause.
    return tuple(
        (family, kind, re.compile(pattern.replace(".", _IN_CLAUSE).replace("~", _IN_SENTENCE)))
        for family, kind, pattern in _SIGNALS
    )


_IN_CLAUSE = "[^，。,;；!！?？\n]"
_IN_SENTENCE = "[^。;；!！?？\n]"


def assess(text: str) -> ThreatAssessment:
    """Score the threat in one text."""
    counted: list[Signal] = []
    blocked: list[Signal] = []
    for family, kind, pattern in _compiled():
        for match in islice(pattern.finditer(text), _MATCHES_PER_SIGNAL):
            reason = _discounted(text, match)
            if reason is None and kind == PETITION and not _PETITION_CONTEXT.search(text):
                reason = "travel"
            signal = Signal(family, kind, match.group(0), match.start(), reason)
            (blocked if reason else counted).append(signal)
    best: dict[str, float] = {}
    for signal in counted:
        best[signal.family] = max(best.get(signal.family, 0.0), _WEIGHTS[signal.family])
    score = round(sum(best.values()), 3)
    return ThreatAssessment(
        score=score,
        kind=_kind(counted) if counted else None,
        signals=tuple(sorted(counted, key=lambda s: s.start)),
        blocked=tuple(sorted(blocked, key=lambda s: s.start)),
    )


def is_threat(text: str) -> bool:
    return assess(text).threat


def _kind(signals: list[Signal]) -> str | None:
    weights: dict[str, float] = {}
    for signal in signals:
        if signal.kind is not None:
            weights[signal.kind] = weights.get(signal.kind, 0.0) + _WEIGHTS[signal.family]
    if not weights:
        return None
    # Ties go to the more specific danger to others, then to self-harm.
    order = (ARSON, VIOLENCE, REVENGE, PETITION, SELF_HARM)
    return max(order, key=lambda kind: (weights.get(kind, 0.0), -order.index(kind)))


def _discounted(text: str, match: re.Match[str]) -> str | None:
    """Why a signal does not count, or None when it does."""
    start = match.start()
    before = text[max(_clause_bounds(text, start)[0], start - 12) : start]
    if _negated(before, match.group(0)):
        return "denied"
    if _figurative(text, match, before):
        return "figurative"
    if _disclaimed(text, start):
        return "disowned"
    if _settled_past(text, start):
        return "past"
    if _inquiry(text):
        return "inquiry"
    return None


def _clause_bounds(text: str, position: int) -> tuple[int, int]:
    return clauses.bounds(text, position, _CLAUSE)


_NEGATION = re.compile(r"不是|不会|没说|没有|并没有|不要|不想|不打算|别|(?<![出淹埋沉吞])没|不")
# Words after a denial that start a new thought: "没有钱我就跳楼" denies the money, not the jump.
_SCOPE_BREAK = re.compile(r"就|才|那|再|还|逼|让|也")
_NEGATION_REACH = 4


def _negated(before: str, signal: str) -> bool:
    """A denial close before the signal in its clause: "我不会跳楼的", "没说要自杀"."""
    denials = list(_NEGATION.finditer(before))
    if not denials:
        return False
    gap = before[denials[-1].end() :] + signal[:2]
    return len(gap) <= _NEGATION_REACH and not _SCOPE_BREAK.search(gap)


def _figurative(text: str, match: re.Match[str], before: str) -> bool:
    if _FIGURATIVE_BEFORE.search(before) and match.group(0)[:1] in "想要跳死杀疯炸不去":
        return True
    low, high = max(0, match.start() - 6), min(len(text), match.end() + 6)
    return any(
        m.start() <= match.end() + 1 and m.end() >= match.start() - 1
        for m in _FIGURATIVE_WORDS.finditer(text, low, high)
    )


def _sentence_bounds(text: str, position: int) -> tuple[int, int]:
    return clauses.bounds(text, position, _SENTENCE)


def _disclaimed(text: str, start: int) -> bool:
    """A joke or angry words owned up to after the signal: "吵得我想杀人，开个玩笑"."""
    clause_start = _clause_bounds(text, start)[0]
    sentence_end = _sentence_bounds(text, start)[1]
    for m in _DISCLAIMER.finditer(text, clause_start, sentence_end + 1):
        if not _DENIED_DISCLAIMER.search(text[max(0, m.start() - 3) : m.start()]):
            return True
    return False


def _settled_past(text: str, start: int) -> bool:
    """Told as the past, and the text says it is over: "他去年说过要跳楼，后来事情解决了"."""
    sentence_start, sentence_end = _sentence_bounds(text, start)
    clause_start = _clause_bounds(text, start)[0]
    if re.search(r"曾(经)?(在.{0,6})?(扬言|说|放话|威胁)", text[clause_start : start + 4]) and not (
        _STILL_DANGEROUS.search(text, start)
    ):
        return True
    if not _PAST.search(text, sentence_start, sentence_end):
        return False
    settled = _SETTLED.search(text, start)
    if settled is None:
        return False
    return not _STILL_DANGEROUS.search(text, settled.start())


def _inquiry(text: str) -> bool:
    """A question about help, medicine or rules, on someone's behalf or in general."""
    return (
        bool(_INQUIRY.search(text))
        and bool(re.search(r"问|咨询|请问|了解|能不能|怎么", text))
        and not (re.search(r"认真|准备好|买好|攒|最后", text))
    )
