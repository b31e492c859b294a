"""The threat detector (pure): threats that use no keyword are raised, and alarming words that
threaten nobody are not. Each family of hard cases is tested in both directions."""

from __future__ import annotations

import pytest

from pingan_intake.classification import threats
from pingan_intake.classification.classifier import classify
from pingan_intake.classification.threats import (
    ARSON,
    PETITION,
    REVENGE,
    SELF_HARM,
    VIOLENCE,
    assess,
)


def raised(text: str) -> bool:
    return assess(text).threat


# --- conditional threats: "再不…就…" -----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "同志，再不结账，我就抱着孩子去水库",
        "三天不给钱，我就把他的仓库点了",
        "你们要是再推，我就在镇政府门口浇上汽油",
        "物业再不修，我就拿桶汽油把物业办公室点了",
    ],
)
def test_an_ultimatum_with_harm_behind_it_is_a_threat(text: str):
    assert raised(text)


@pytest.mark.parametrize(
    "text",
    [
        "再不修路灯，晚上就没法走路了",
        "要是不给退押金，我就去法院起诉",
        "如果还不来人，我们就自己找人修水管",
    ],
)
def test_an_ultimatum_with_nothing_harmful_behind_it_is_no_threat(text: str):
    assert not raised(text)


# --- resignation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "我真的活着没意思了，大不了一起完蛋",
        "我不想再拖累儿女了，药我都攒够了",
        "我这几天把该交代的都交代了，今天晚上就去找我老伴",
        "你们就当我没打过这个电话吧，今晚过后就不会再麻烦谁了",
    ],
)
def test_resignation_and_farewell_are_threats_of_self_harm(text: str):
    assert raised(text)
    # The detector may see revenge in "一起完蛋" too; the classifier weighs the kinds.
    assert classify(text).code == SELF_HARM


@pytest.mark.parametrize(
    "text",
    [
        "我累死了，加了一个月的班，工资还不发",
        "这日子过得真没意思，天天停水",
        "老人一个人住，八十多了，想问问社区有没有上门照看",
    ],
)
def test_tiredness_complaint_or_an_old_person_living_alone_is_no_threat(text: str):
    assert not raised(text)


# --- a means named ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("我把家里的安眠药全吃了，你们别找我", SELF_HARM),
        ("他爬上工地的塔吊不肯下来，喊着要工钱", SELF_HARM),
        ("我坐在厂房楼顶上，老板不来我就不下去", SELF_HARM),
        ("他拎着一桶汽油在村委会门口，说要放火", ARSON),
        ("拆迁的敢来，我就拧开液化气罐的阀门，大家一起上天", ARSON),
        ("独居的老李把煤气罐搬到床边，说不想拖累儿女", SELF_HARM),
    ],
)
def test_a_means_in_a_harmful_use_is_a_threat_of_its_kind(text: str, kind: str):
    result = assess(text)

    assert result.threat
    assert result.kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "我们隔壁的厂在后院露天堆了几十个煤气罐",
        "安眠药这种药是不是要处方才能买，我妈失眠",
        "工地的塔吊吊东西从小区上空过，昨天掉下来一块木板",
        "小区里几个半大孩子天天在楼顶上玩，我怕他们掉下去",
        "村民私自储存散装汽油约两百升，卖给摩托车主",
    ],
)
def test_the_same_means_in_an_ordinary_use_is_no_threat(text: str):
    assert not raised(text)


# --- third parties and children ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("我老公喝醉了把孩子抱到阳台上，说我敢离婚就把孩子扔下去", VIOLENCE),
        ("他说我再敢去法院告他，就找人把我家孩子从学校接走，让我这辈子都找不到", VIOLENCE),
        ("他说要死也要拉几个垫背的，现在往菜市场去了", REVENGE),
        ("前男友说我不回去，他就弄死我和我现在的男朋友", VIOLENCE),
    ],
)
def test_threats_aimed_at_a_child_or_a_third_party_are_raised(text: str, kind: str):
    result = assess(text)

    assert result.threat
    assert result.kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "我儿子在学校被同学欺负了，想找老师调解一下",
        "邻居家孩子骑车把我家车划了，家长不想赔",
    ],
)
def test_a_child_in_an_ordinary_quarrel_is_no_threat(text: str):
    assert not raised(text)


# --- negation, inside its clause ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "我不会跳楼的，就是想让你们帮我催催工资",
        "我没说要自杀，就是想问问离婚怎么办",
        "我们不是要去北京，也不想闹，就是想去县里反映",
    ],
)
def test_a_denied_threat_is_not_raised(text: str):
    assert not raised(text)


@pytest.mark.parametrize(
    "text",
    [
        "没有钱我就跳楼",  # 就 starts the consequence: the money is denied, not the jump
        "你们不要逼我，逼急了我就喝农药",  # a plea, not a denial
        "我不想闹事，但是再拖下去我就从楼上跳下去",  # the denial is in another clause
        "我不是开玩笑，我已经踩好点了，那个老板每天八点到，我就在那等他",
    ],
)
def test_a_negation_reaches_no_further_than_its_clause(text: str):
    assert raised(text)


def test_denied_signals_are_kept_as_blocked_evidence():
    result = assess("我不会跳楼的")

    assert not result.threat
    assert [s.discounted for s in result.blocked] == ["denied"]


# --- reported speech --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "我老公刚才说他不想活了，拿着一瓶农药出门了",
        "我表哥刚打电话说他在江边了，说这辈子就这样吧",
        "他在工地上说，工钱再不给，就报复社会",
    ],
)
def test_speech_reported_about_now_is_a_threat(text: str):
    assert raised(text)


@pytest.mark.parametrize(
    "text",
    [
        "他去年说过要拿刀来要账，后来也没来，现在就是欠我三万块不还",
        "我爸当年说要去北京，后来县里给解决了，现在想问问退休金怎么领",
        "前天晚上他在酒桌上说要弄死对方，现已和解，对方要求追究",
        "邻居前两年放话说要烧我家房子，后来道过歉了，现在是他家的树挡光",
    ],
)
def test_a_threat_told_as_the_past_and_settled_is_not_raised(text: str):
    result = assess(text)

    assert not result.threat
    assert "past" in {s.discounted for s in result.blocked}


def test_a_past_threat_that_is_not_settled_still_counts():
    assert raised("上次我去北京被接回来了，这次我换个路线，县里不解决我还去北京")


# --- figures of speech, sarcasm, jokes ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "气死我了，楼上那家天天半夜剁排骨",
        "热死了热死了，这都六月了暖气管还烫手",
        "我家水管炸了，厨房全是水",
        "又跳闸了，一开空调就跳",
        "隔壁家的狗叫得我想跳楼，天天叫",
        "楼下KTV吵得我想杀人，开个玩笑啊，但你们真得管管",
        "我恨不得扒了他的皮，说说而已啊，想通过调解要回钱",
        "楼上装修电钻声跟要把楼炸了一样",
        "想问一下跳槽以后社保怎么转",
        "楼下那帮老太太跳广场舞跳到十点多",
        "我在那个炸鸡店买的炸鸡是生的",
        "刚才有块水泥从楼顶上掉下来，吓了我一跳",
    ],
)
def test_figures_of_speech_and_jokes_are_no_threat(text: str):
    assert not raised(text)


@pytest.mark.parametrize(
    "text",
    [
        "商场搞跳楼大甩卖，羽绒服是去年的旧款",
        "他借了钱去炒股，亏得跟跳楼价似的，现在不还了",
        "这个培训机构真是要了我的老命，退个费跑了八趟",
        "楼下KTV唱到两点，吵得人要命",
        "被骗了三万，我想死的心都有了，就想问钱能不能追回来",
        "楼道里全是私拉的电线，有的直接从楼上吊下来",
        "我们是爆破公司，拆旧烟囱要用炸药，想问审批手续",
        "小区里有人下药，药死了好几只流浪猫",
        "他喝了酒就打我，我不敢报警，怕他报复孩子",
    ],
)
def test_idioms_trades_and_fear_of_revenge_are_no_threat(text: str):
    assert not assess(text).threat


@pytest.mark.parametrize(
    "text",
    ["我要他的命", "我要用炸药把他家炸了", "我要药死他", "他说要报复社会", "他说要上吊"],
)
def test_the_same_words_as_a_threat_still_count(text: str):
    assert assess(text).threat


def test_a_denied_disclaimer_makes_the_threat_graver_not_void():
    assert raised("这不是气话，我有的是时间，我要让那个法官也家破人亡")


# --- kinds and evidence ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("我要去北京上访，车票都买好了", PETITION),
        ("他说要把厂子炸了", ARSON),
        ("他说要弄死债主", VIOLENCE),
        ("他说要报复社会", REVENGE),
        ("我不想活了", SELF_HARM),
    ],
)
def test_the_kind_follows_what_is_threatened(text: str, kind: str):
    assert assess(text).kind == kind


def test_the_assessment_names_its_evidence_and_score():
    result = assess("再不结账，我就抱着孩子去水库")

    assert result.score >= threats.THRESHOLD
    assert result.evidence
    assert all(evidence in "再不结账，我就抱着孩子去水库" for evidence in result.evidence)


def test_a_signal_never_reaches_across_punctuation():
    # "不给" ends its clause; "把他的仓库点了" is in the next one and must be read on its own.
    result = assess("三天不给钱，我就把他的仓库点了")

    assert result.kind == ARSON
    assert all("，" not in s.text for s in result.signals if s.family == "explicit")


# --- the layered detector: rules or the learned model raise (issue 10) ------------------------


@pytest.mark.parametrize(
    "text",
    [
        # farewell and giving things away, no keyword the rules know
        "我把我的摩托车和电视都送给隔壁了，以后也用不上，你们帮我跟我闺女说一声",
        # euphemism
        "这日子我也熬到头了，走了算了，欠我的钱让我儿子去要",
        # reported by a relative, about now
        "我爸刚才把存折和老房子钥匙都塞给我，说他要出远门，他腿脚都走不动了",
        # buried in a long wage complaint
        "我在厂里干了六年，老板一直拖着说等回款，劳动站跑了三趟，我老婆住院要钱，"
        "明天我就去厂里那个大水罐上面坐着，他不来我也不活了",
    ],
)
def test_the_layered_detector_raises_threats_in_new_phrasing(text: str):
    result = classify(text)

    assert result.risk_level is not None and result.risk_level.value == "red"


@pytest.mark.parametrize(
    "text",
    [
        "我要去北京出差，想问问单位开的证明在哪里盖章",
        "天安门升旗仪式怎么预约，想带孩子去看",
        "那个老赖说要钱没有要命一条，我想知道法院能不能强制执行",
        "我们村里有人说要一起完蛋了，其实说的是合作社要倒闭了，入股的钱要不回来",
        "我爸说拼了老命也要把补偿款讨回来，就是去法院，不会干别的",
        "村里能不能组织学习一下怎么防止老人喝农药的急救知识",
        "饭店的菜贵得要死，结账时不认打折，想投诉价格欺诈",
        "隔壁小孩每天晚上跳绳一个小时，咚咚咚的，楼下都在骂",
    ],
)
def test_alarming_words_that_threaten_nobody_are_not_red(text: str):
    result = classify(text)

    assert result.risk_level is None or result.risk_level.value != "red"


def test_a_vetoed_alarm_is_neither_red_nor_sent_for_threat_review():
    result = classify("我不会跳楼的，我就想要回我的工资，老板欠了我两万八")

    assert result.risk_level is None or result.risk_level.value != "red"
    assert not result.threat_review


def test_a_veiled_threat_at_a_third_partys_child_is_raised():
    # Was only sent for review until the data of December 4 taught the model such threats.
    result = classify("村主任把低保给了他亲戚，他家孩子放学走哪条路我都清楚")

    assert result.group.value == "extreme_threat"
    assert result.risk_level is not None and result.risk_level.value == "red"


@pytest.mark.parametrize(
    "text",
    [
        # a means named, said calmly: the rules see nothing, the model is unsure
        "没别的事，我就是把家里燃气阀门拧开了，想好好睡一觉",
    ],
)
def test_an_unsure_call_is_not_red_but_goes_to_the_operator(text: str):
    # Not red (no leader is woken), but the operator is asked to check ("可能涉及极端风险，请核实")
    # and the confidence stays below the review line, so the ticket shows needs_review too.
    result = classify(text)

    assert result.threat_review
    assert result.needs_review
    assert result.confidence < 0.5
    assert result.risk_level is None or result.risk_level.value != "red"
