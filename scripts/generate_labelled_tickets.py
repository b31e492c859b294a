"""Write the intake classifier's labelled sets in pingan_intake/data/.

- ``labelled_tickets.jsonl``: the hand-written tickets, compiled from the batch files in
  ``data/hand/`` (``source`` = ``hand:<batch>``). This is what the classifier is trained on and
  what its held-out split is drawn from.
- ``labelled_templated.jsonl``: the older template rows (templates per subcategory filled with
  places, amounts, openers and closers; ``source`` = ``template``) and the first hard cases
  (``source`` = ``template-hand``; written beside the templates, with their slots). Extra training
  rows only, never evaluated: they share fillers and sentence frames, so a split of them measures
  memory. Whether they are used is ``classification.taxonomy.USE_TEMPLATED``.

- ``labelled_overrides.jsonl``: operators' corrections (改类) exported by
  ``GET /v1/classifier/overrides.jsonl``, merged in with ``--overrides FILE`` (the latest
  correction of a text wins). Real calls labelled by people: training rows, not evaluated.
- ``calibration.json``: the confidence calibration fitted for the new training set.

Deterministic: the same files every run. Labels are written by hand, never by running the
classifier.

    .venv/bin/python scripts/generate_labelled_tickets.py [--overrides overrides.jsonl]
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

from pingan_intake.classification.handwritten import parse_batch

DATA = Path(__file__).resolve().parents[1] / "services/intake/src/pingan_intake/data"
SEED = 2025
REALIZATIONS = 2
MIN_HAND_PER_CODE = 25

P, M, T, R, A = "police_transfer", "mediation", "task", "risk", "answer"
URGENT = {"u": "urgent"}
NORMAL = {"u": "normal"}

TEMPLATES: dict[str, list] = {
    "threat_self_harm": [
        "老板欠了我{money}工资一直不给，今天再不给钱我就从{place}那个厂房楼顶跳下去",
        "我老公说他不想活了，刚才拿着一瓶农药出门了，电话也不接，我好怕啊",
        "{place}有个男的站在{road}大桥栏杆外面，说要跳河，围了好多人",
        "我实在活不下去了，房子被收走了，钱也没了，你们别管我了",
        "我家孩子高考没考好，在房间里说要自杀，门反锁了叫不开",
        "那个欠款的事再不解决，他说就死给我们看，已经写好遗书了",
        "报警人的姐姐在微信上发了割腕的照片，说一死了之，人在{addr}",
        "村里{who2}老人儿子不管，天天说想不开要上吊，网格员去看了几次了",
    ],
    "threat_revenge": [
        "他在工地上说，工钱再不给，就报复社会，让大家都别想好过",
        "我被他们害成这样，这个社会对我不公平，我要报复，谁也别想拦我",
        "拆迁的事一直拖，他喝了酒说要跟拆迁办的人同归于尽",
        "有个人在{road}的饭馆里骂骂咧咧，说要报复社会，拉几个垫背的",
        "我妹夫被厂里开除后一直说要报复厂里，还说大不了鱼死网破",
        "网上有人发帖说要在{place}搞点大事报复社会，帖子还在",
        "那个上访户说再没人管，他就跟那些当官的同归于尽",
        "前夫说我要是不复婚，他就报复我全家，大家都别想好过",
    ],
    "threat_violence": [
        "隔壁那个人天天喝酒，说再敢找物业投诉他就砍人",
        "欠我钱的那个人说我再去要账就弄死我，我很害怕",
        "他在村口磨刀，说要去把村主任杀了，好几个人听见了",
        "前男友一直发短信说要杀了我，今天还跑到我单位楼下等我",
        "工友吵架，有一个说晚上拿刀去找他算账，要他的命",
        "有人在{road}的麻将馆里扬言要捅死债主，说刀都准备好了",
        "他老婆跟人跑了，他说找到那个男的就宰了他",
        "邻居因为宅基地的事说要弄死我们一家，还拿着锄头在门口骂",
    ],
    "threat_arson_explosion": [
        "那个租户跟房东吵翻了，说要把房子一把火烧了",
        "有人在厂门口说不给钱就把厂子炸了，还说炸药都搞到了",
        "他拎着一桶汽油在村委会门口，说要放火",
        "讨债的人扬言要把我家的店点了，说晚上就来",
        "我哥喝醉了说要去把镇政府炸掉，家里人拦不住",
        "有个男的在加油站说要买汽油回去把那家人全烧死",
        "饭店老板被人威胁，那人说不退钱就纵火烧了他的店",
        "租客在群里发消息说要把整栋楼炸平，物业吓坏了",
    ],
    "threat_extreme_petition": [
        "{place}那个老上访户说这次问题再不解决，就直接进京上访",
        "他们几户拆迁户商量好了，下个礼拜一起去北京上访",
        "那个人说县里镇里都不管，他就去北京告，去天安门",
        "村民老李买了去北京的车票，说要进京告状",
        "我的事拖了三年了，再没结果我就进京，到中南海门口去",
        "工人们在群里说要组团进京上访讨工钱",
        "网格员走访时听到{who2}说要到北京去告，还说要带横幅",
        "他说省里也不管，只能去北京上访了，这个月就走",
    ],
    "gas_leak": [
        ("闻到楼道里很浓的煤气味，{addr}，好像是哪家燃气泄漏了", URGENT),
        ("我家厨房一股天然气味，阀门关了还是有，不敢开灯", URGENT),
        ("{addr}一楼的饭店门口燃气管道漏气，嘶嘶响，味道很大", URGENT),
        ("楼下闻到煤气味好久了，敲门也没人应，怕出事", URGENT),
        ("小区路边施工把燃气管挖破了，现在一直在漏气", URGENT),
        ("{road}上的燃气井盖那里有很重的燃气味，路过的人都闻到了", URGENT),
        ("上个月家里燃气管道漏过一次气，修了以后想让燃气公司再来检查一下", NORMAL),
    ],
    "fire": [
        ("{addr}的楼上着火了，窗户在冒黑烟，快来", URGENT),
        ("{place}山上起火了，火烧得挺大，往村子这边来了", URGENT),
        ("小区地下车库有电动车烧起来了，浓烟很大", URGENT),
        ("{road}边上的一个仓库失火了，里面好像还有人", URGENT),
        ("隔壁空房子里冒烟，闻到烧焦的味道", URGENT),
        ("菜市场那边的电线起火了，火苗窜得老高", URGENT),
        ("店铺的配电箱冒烟了，有火星子，店里人都跑出来了", URGENT),
    ],
    "water_danger": [
        ("{place}的水库边上有个小孩落水了，快来人", URGENT),
        ("有个人掉河里了，在{road}桥下面，水很急", URGENT),
        ("暴雨把{place}的路淹了，有辆车被水冲走了，里面有人", URGENT),
        ("村里山洪下来了，河边几户人家被水围住出不来", URGENT),
        ("地下通道积水很深，有辆车熄火了，人还在车里", URGENT),
        ("{place}的鱼塘里有个老人溺水，已经捞上来了没反应", URGENT),
        ("河里涨水了，有几个学生还在河滩上玩，喊也不上来", URGENT),
    ],
    "road_collapse": [
        ("{road}路面突然塌陷了一个大坑，有辆电动车掉进去了", URGENT),
        ("{place}村口的挡土墙塌了，石头滚到路上", URGENT),
        ("下了几天雨，后山滑坡了，把村道堵住了", URGENT),
        ("工地边上的人行道陷下去一大块，旁边还有人在走", URGENT),
        ("小区门口的地面坍塌，露出一个大洞，下面都是水", URGENT),
        ("{addr}后面的围墙倒塌了，压到了停着的车", URGENT),
    ],
    "elevator": [
        ("{addr}的电梯困人了，里面有个老人和小孩，按警铃没人来", URGENT),
        ("我被困在电梯里了，在{addr}，电梯停在两层中间", URGENT),
        ("小区电梯坏了半个月了，物业说等配件，老人上下楼太难了", NORMAL),
        ("电梯运行的时候老是咣当咣当响，还会突然往下掉一下，吓死人", NORMAL),
        ("我们那栋的电梯年检过期了还在用，担心出事", NORMAL),
        ("电梯门关不上，一直开开关关的，好几天了", NORMAL),
    ],
    "dangerous_building": [
        "{place}有栋老房子墙体开裂，裂缝越来越大，里面还住着人",
        "我家隔壁的老屋房子歪了，下雨天一直掉土块，担心塌下来",
        "{addr}那栋楼是危房，通知了好几年也不改造，我们住着心慌",
        "村里的祠堂屋顶的梁断了一根，随时可能倒",
        "楼梯间的墙裂开了好几条缝，能塞进手指头",
        "学校旁边那栋废弃楼房摇摇欲坠，小孩子还在里面玩",
    ],
}
TEMPLATES.update(
    {
        "fire_lane_blocked": [
            "小区消防通道被私家车堵死了，天天停满，万一着火消防车都进不来",
            "{addr}楼下的消防通道被人堆满了杂物和旧家具",
            "商场的安全出口被锁住了，还堆了货",
            "{place}菜市场的消防通道摆满了摊子，过都过不去",
            "小区物业把生命通道划成了收费停车位，这合法吗",
            "我们这栋楼的消防栓被人用木板钉起来当柜子用了，消防通道也被占了",
        ],
        "hazardous_chemicals": [
            "{place}有个小作坊私自存放化工原料，桶都漏了，味道刺鼻",
            "村里有人在民房里囤了很多液化气罐，旁边就是学校",
            "路边停着一辆危化品运输车好几天了，车上写着易燃易爆",
            "农资店后面仓库堆着农药和化肥，和住人的房间连在一起",
            "有个厂子晚上偷偷往外运硫酸，桶都没盖好",
            "小区车库里有人放了好几个汽油桶，这太危险了",
        ],
        "electrical_hazard": [
            "{addr}有人从楼上私拉电线下来给电动车充电，线就挂在窗户外面",
            "楼道里好多人在给电动车充电，插座都烧黑了",
            "{road}边上的电线耷拉下来了，离地面就一人多高",
            "小区配电箱的门坏了，里面的电线裸露着，小孩子经常在旁边玩",
            "出租屋里电线老化，一开空调就跳闸冒火花",
            "村口电线杆上的线断了一根掉在地上，怕有人触电",
        ],
        "falling_objects": [
            "{addr}楼上老有人往楼下扔东西，昨天差点砸到小孩",
            "{road}上有块广告牌被风吹松了，一直晃，下面都是行人",
            "我们这栋楼外墙的瓷砖一块块往下掉，已经砸坏了一辆车",
            "高层住户的空调外机架子都锈了，外机在晃，下面是小区大门",
            "小区高空抛物，矿泉水瓶、烟头都往下扔，物业也查不到是谁",
            "老楼的阳台水泥块掉下来了，正好掉在人行道上",
        ],
        "fight": [
            ("{road}的烧烤摊有两伙人正在打架，拿着酒瓶子砸，快来", URGENT),
            ("小区门口有人打架斗殴，好几个人围着一个人打", URGENT),
            ("网吧里打起来了，有个人头上流血了", URGENT),
            ("{place}村口两家人因为修路的事动手了，现在还在打", URGENT),
            ("菜市场有人拿刀，跟卖菜的打起来了", URGENT),
            ("KTV包厢里一群人在打人，服务员不敢进去", URGENT),
            ("昨晚在{road}的夜宵摊被几个人打了，脸都肿了，想报案", {"u": "normal"}),
        ],
        "domestic_violence": [
            ("我老公喝了酒又在打我，我躲在卫生间里，{addr}", URGENT),
            ("楼上那家男的天天打老婆，现在又在打，女的一直在喊救命", URGENT),
            ("邻居家又在打孩子，小孩哭得撕心裂肺的，已经一个多小时了", URGENT),
            ("我女儿被女婿打得鼻青脸肿，跑回娘家了，他还追过来了", URGENT),
            ("她男人一喝酒就动手打她，这次把手都打骨折了，村里都知道", URGENT),
            ("儿子吸了酒就打他爸，老人身上都是伤", URGENT),
        ],
        "disturbance": [
            "{road}的饭店门口有人喝醉了耍酒疯，砸了好几辆车的后视镜",
            "有几个社会青年天天在{place}村口闹事，拦着过路的要烟要钱",
            "一个醉汉在公交车上骂人，还往司机身上吐口水",
            "有人在店门口堵门骂，说我们卖给他的东西有问题，生意都做不了了",
            "几个人骑摩托车在小区里来回轰，还骚扰路过的女孩子",
            "{addr}有个男的喝醉了拿石头砸店门，嘴里骂骂咧咧",
        ],
        "theft": [
            "我停在{addr}楼下的电动车被偷了，昨天晚上还在",
            "家里被撬了，金项链和现金都没了，门锁是坏的",
            "{place}村里最近好几户人家的鸡鸭被偷了",
            "在{road}菜市场买菜手机被扒手偷走了",
            "工地上的钢筋和电缆晚上老是被人偷，损失好几万了",
            "车窗被砸了，包里的钱包偷走了，就在{road}边上停了一会儿",
        ],
        "fraud": [
            "我妈接到电话说是公检法的，让她转账，被骗了{money}",
            "网上有人叫我刷单，开始还返钱，后来转了{money}就联系不上了",
            "{place}来了一伙人搞什么保健品讲座，骗老人买几千块的药",
            "有人冒充我儿子加我微信借钱，我转了以后才发现是骗子",
            "一个网友说带我投资赚大钱，是杀猪盘，我被骗了{money}",
            "有个公司在村里搞集资，说年息二十，现在人跑了",
        ],
        "gambling_drugs": [
            "{place}有户人家开设赌场，晚上很多人进出，车停了一路",
            "{road}那个棋牌室天天有人打牌赌钱，输赢好几万",
            "出租屋里好像有人吸毒，经常有陌生人半夜进出，还有锡纸",
            "那家足疗店不正规，有卖淫嫖娼的情况",
            "村后面山上的棚子里有人聚赌，放哨的都有",
            "小区有个房子里的人在卖毒品，门口常有人鬼鬼祟祟拿东西",
        ],
        "suspicious_person": [
            "这两天有个陌生人在{addr}楼下转悠，一直盯着小孩看",
            "有几个外地人在{place}挨家挨户看，门口还画了记号，像是踩点",
            "小区里有个人形迹可疑，拿着手电筒看每辆车的车窗",
            "学校门口有个男的每天放学的时候都在蹲着，也不接孩子，很可疑",
            "有个来历不明的人住在村里的空房子里，晚上才出来",
            "{road}的ATM机旁边有人鬼鬼祟祟的，好像在装什么东西",
        ],
        "group_wage_arrears": [
            "工地几十个工人聚集在门口拉横幅要工钱",
            "{place}那个服装厂的三四十个工人把老板办公室围堵了，说半年没发工资",
            "二三十个民工堵在项目部门口讨薪，情绪很激动",
            "包工头跑了，十几个工人现在集体到镇政府门口讨薪",
            "楼盘工地的农民工组团讨薪，在售楼处门口拉横幅",
            "上百个工人在厂门口堵门，厂子倒闭了工资一分没给",
        ],
        "group_gathering": [
            "小区二三十个业主在售楼处聚集，说房子交不了，要讨说法",
            "{place}几十个村民在村委会门口静坐，说征地款分得不公平",
            "一群家长围在学校门口，说食堂出了问题要求校长出来",
            "好几十户人家堵路，不让搅拌站的车进村，说污染太严重",
            "有人在群里串联，说周一一起去县里集体维权，已经一百多人了",
            "商铺业主四五十个人在商场门口拉横幅要退租金",
        ],
        "petition_threat": [
            "他说问题再不解决就要去省里告，还要上访",
            "那个老李的事拖了好久，他说下礼拜要去市里上访",
            "我这个事情镇里不解决，我就越级去县里告",
            "宅基地的事信访了三次都没结果，她说还要继续上访",
            "村民说如果补偿款不给，就去上面告，告到市里",
            "这件事不处理好，我就去找领导，去信访局",
        ],
    }
)

TEMPLATES.update(
    {
        "mental_illness_incident": [
            "村里那个精神病人又发病了，拿着棍子在街上乱跑",
            "{addr}那个有精神障碍的小伙子停药好几天了，半夜在楼道里大喊大叫",
            "我哥精神不正常，今天又犯病了，把家里东西全砸了，我们管不住",
            "{place}有个疯子光着身子在路上走，见人就骂",
            "邻居家精神病患者又在往楼下扔东西，家里人不在",
            "网格员走访发现，登记的那个精神障碍患者家属说他最近不吃药，晚上不睡觉",
        ],
        "community_correction_absent": [
            "社区矫正的那个人最近一直联系不上",
            "{place}在社区矫正的王某这个月没有来报到，电话也关机",
            "网格员反映：缓刑人员张某三天前去了外地，没有请假",
            "那个假释的人手环定位好几天没信号了",
            "矫正人员李某最近经常跟以前的朋友一起喝酒，还不按时报到",
            "村里监外执行的那个人已经半个月没见人了，家里说去打工了",
        ],
        "drug_user": [
            "吸毒人员又回村里了，好像又开始复吸",
            "那个戒毒出来的人最近又跟以前那帮人混在一起，晚上在出租屋里溜冰",
            "{addr}有个人经常在楼道里嗑药，地上有针头",
            "网格员走访发现，登记在册的吸毒人员刘某最近精神状态很差，有复吸迹象",
            "我弟弟吸毒，家里的钱都被他拿走了，我们想送他去戒毒",
            "听说出租屋里住的那个人以前吸冰毒，最近又有人找他",
        ],
        "released_prisoner": [
            "刚刑满释放的那个人回村后天天喝酒，跟人要钱",
            "{place}有个坐过牢的人出狱以后没工作，老是在学校附近转",
            "网格员走访：刑释人员陈某回来一个月了，没找到工作，情绪不稳定",
            "我儿子刚放出来，没地方住，也没人管，怕他又走老路",
            "那个蹲过牢的人回来后说要找当年作证的人算账",
            "刑满释放人员王某户口一直没落上，办不了低保，情绪很大",
        ],
        "troubled_youth": [
            "{place}有几个辍学的小孩天天在网吧里，晚上也不回家",
            "一群未成年人在{road}的台球室抽烟喝酒，还跟社会上的人混",
            "我儿子初二就不上学了，跟着几个小混混，夜不归宿",
            "学校门口有社会青年拦着学生要钱，都是些十几岁的孩子",
            "网格员走访发现，留守儿童小刘已经一个月没去上学了",
            "村里几个青少年晚上骑摩托车飙车，还在群里约架",
        ],
        "domestic_support": [
            "我爸妈七十多了，三个儿子谁也不出赡养费，老人没人管",
            "{place}有个老太太生病住院，儿女都推来推去不出钱",
            "我前夫离婚后一直不付孩子的抚养费，两年了",
            "兄弟几个为了老人的生活费吵得不可开交，想请村里调解",
            "老人的养老钱被儿子拿走了，现在吃饭都成问题",
            "继母说我们不养老人，可我们每个月都给钱了，村里评评理",
        ],
        "family": [
            "婆媳关系闹得很僵，天天在家吵，想请人来调解一下",
            "我和老公要离婚，孩子和房子怎么分谈不拢",
            "两口子吵架，女的回娘家一个多月了，男方家里想请人说和",
            "分家的时候老大多占了一间房，兄弟俩现在不说话了",
            "订婚的时候给了{money}彩礼，现在女方悔婚不肯退",
            "我老婆把家里的钱都拿去打牌了，天天吵，这日子过不下去",
        ],
        "neighbour": [
            "隔壁邻居装修天天到半夜，跟他说了也不听，想请人来调解",
            "楼上邻居家卫生间漏水，把我家天花板泡坏了，他不肯修",
            "对门邻居把鞋柜和杂物放在公共楼道，说了好几次不听",
            "邻居在两家中间砌了一堵墙，挡住了我家的采光",
            "楼下那户天天在楼道里烧香，烟都飘到我家，吵了好几次",
            "隔壁养的鸡鸭到处跑，把我家菜地都啄坏了，说他还骂人",
        ],
        "wage_arrears": [
            "老板拖欠工资三个月了，找他就躲",
            "我在{place}的厂里干了半年，老板说效益不好，工资一直拖着不发",
            "包工头欠我{money}工钱，过年前说给，现在电话也不接",
            "公司突然把我辞退了，也不给补偿，劳动合同都没签",
            "饭店老板扣了我一个月工资，说我打碎了碗，这合理吗",
            "我在工地干活摔伤了，老板不给工钱也不管医药费",
        ],
        "property_management": [
            "物业什么都不管，楼道灯坏了半年，垃圾也不收，还涨物业费",
            "{addr}的物业把小区的公共绿地改成停车位收钱，业主都不同意",
            "物业因为我没交物业费就把我家门禁卡停了",
            "我们小区业委会和物业闹翻了，物业说要撤走",
            "物业保安态度太差，外卖都不让进，还跟业主吵",
            "开发商交房以后物业一直拖着不修漏水的地下室",
        ],
        "land": [
            "我家和邻居家宅基地的地界有争议，他多占了我家一米多",
            "{place}两个村因为山林的界线吵了好多年，现在又砍了对方的树",
            "我家的承包地被村里划给别人了，也没跟我商量",
            "兄弟俩为老宅基地吵翻了，谁都说是自己的",
            "村里人在我家的责任田上种了东西，说这块地原来是他家的",
            "林地的权属证上写的界址跟实际不一样，跟隔壁村扯皮好几年了",
        ],
        "demolition": [
            "拆迁补偿款算得太少了，跟我们签的时候说的不一样",
            "{place}征地的青苗补偿一直没发下来，村里说还在走程序",
            "安置房拖了三年还没交房，我们一直在外面租房子",
            "没有谈好补偿就来强拆，把我家院墙推倒了",
            "征收的时候说给我们两套房，现在只给一套",
            "村里的征地款分配不公平，干部家里分得多",
        ],
    }
)

TEMPLATES.update(
    {
        "medical": [
            "我爸在县医院做了个小手术，出来以后就瘫了，医院说不是他们的问题",
            "{place}卫生院打错了针，孩子身上起了一片红疹，医生不认账",
            "我老婆生孩子的时候医院耽误了，孩子现在脑瘫，想讨个说法",
            "在医院看病被误诊，多花了{money}，要求医院赔偿他们不理",
            "家属在医院闹，说老人是医疗事故死的，拉着医生不让走",
            "牙科诊所给我种的牙半年就掉了，他们不给退钱也不给重做",
        ],
        "traffic_compensation": [
            "上个月在{road}被一辆小车撞了，腿骨折了，对方只肯赔一点医药费",
            "两辆车追尾，保险公司定损以后对方不认，一直扯皮",
            "我家老人被电动车撞伤了，肇事的人付了一次钱就再也不管了",
            "停车的时候刮蹭了别人的车，对方要我赔{money}，太离谱了",
            "交通事故责任认定出来了，对方全责，可是赔偿款一直拖着不给",
            "孩子骑自行车被货车撞了，司机是外地的，现在联系不上",
        ],
        "consumer": [
            "在{road}的健身房办了年卡，现在店关门了，老板不给退钱",
            "网上买的冰箱有质量问题，商家不给退也不给换",
            "理发店充值卡里还有两千多，店突然换老板了，说以前的卡不认",
            "超市卖过期食品，我买回去吃了拉肚子，他们只肯退货款",
            "在店里买的电动车骑了一个月电池就坏了，售后一直推",
            "装修公司收了定金就不来干活了，要退款说违约",
        ],
        "damage_compensation": [
            "邻居家的狗把我家孩子咬伤了，打疫苗花了好几千，他不肯赔",
            "施工队挖坏了我家的水管，地下室全泡了，要他们赔偿损失",
            "楼上漏水把我家的木地板泡坏了，找他赔钱他说不是他家漏的",
            "隔壁工厂放炮把我家的窗户玻璃震碎了，要他们赔",
            "停在路边的车被物业修剪树枝时砸坏了，物业说不赔",
            "放羊的把我家的果树啃死了十几棵，损失好几千",
        ],
        "debt": [
            "朋友找我借了{money}，说好半年还，现在两年了一分不还",
            "我有借条，他欠我的钱一直拖，人还在村里天天打牌",
            "亲戚借了我的钱去做生意，亏了以后就不认账了",
            "我帮他担保贷款，他不还钱，银行天天找我",
            "同事借钱不还，还把我微信拉黑了",
            "他欠我{money}货款，说好月底结，拖了一年多",
        ],
        "rental": [
            "退租的时候房东扣了我全部押金，说墙脏了",
            "房东突然要涨房租，不涨就让我们一个礼拜内搬走",
            "租的房子热水器坏了一个多月，房东就是不修",
            "租客欠了三个月房租，人找不到，东西还在屋里",
            "合租的室友搬走了，房东要我一个人付全部房租",
            "中介租房给我们的时候说好能退押金，现在中介跑了",
        ],
        "general": [
            "我跟村里的会计有矛盾，他处处刁难我，想请人调解一下",
            "两家为了一条排水沟的事吵了好几年了，一直扯皮解决不了",
            "合伙做生意的两个人闹翻了，账目说不清，想找人评评理",
            "因为婚丧喜事随礼的事，两家人吵架，闹得很僵",
            "村里的小组长分东西不公平，几家人有意见，吵了好几次",
            "我和以前的合伙人有纠纷，他拿走了设备不还",
        ],
        "gas_supply": [
            "我们小区从昨天开始停气了，也没通知，做不了饭",
            "家里天然气打不着火，燃气公司电话一直打不通",
            "新房子交房半年了燃气还没开通，一直用电磁炉",
            "燃气表坏了，走字特别快，这个月燃气费贵了一倍",
            "{addr}整栋楼燃气压力很低，火苗小得可怜",
            "燃气公司说要换表，收了{money}，是不是合理的",
        ],
        "water_outage": [
            "{addr}从早上开始停水了，也没看到停水通知",
            "我们小区水压太低，楼上几层根本没水",
            "{road}路边的水管爆了，水哗哗地往外冒，流了一马路",
            "家里自来水是黄水，有股怪味，不敢喝",
            "停水三天了，自来水公司说在抢修，也不说什么时候来水",
            "{place}的自来水老是断断续续的，一到夏天就没水",
        ],
        "power_outage": [
            "{addr}停电了，整栋楼都没电，冰箱里的东西都要坏了",
            "我们村这几天老是断电，一天停好几次",
            "家里电压不稳，灯一闪一闪的，电器都烧坏了一个",
            "{place}的变压器嗡嗡响，一到晚上就跳闸",
            "停电一整天了，供电所说是线路故障，到现在还没修好",
            "交了电费还是停电了，电表显示欠费",
        ],
        "heating": [
            "我们小区暖气一直不热，屋里才十几度",
            "交了供暖费了，暖气片还是冰凉的",
            "{addr}的暖气管道漏水，物业说不归他们管",
            "今年供暖推迟了，家里老人孩子冻得受不了",
            "地暖一直不热，找了供热公司也没人来",
            "楼里有几户暖气热，有几户不热，问了好几次没结果",
        ],
        "street_light": [
            "人民路和解放街路口的路灯坏了一个星期了，晚上很黑",
            "{road}那一段的路灯全不亮，晚上走路很危险",
            "{place}村口的路灯白天亮着晚上反而不亮",
            "小区门口的路灯杆被车撞歪了，灯也不亮了",
            "{road}新修的路到现在都没装路灯，照明太差了",
            "我们巷子里的路灯坏了好久了，有好几盏灯不亮",
        ],
        "road_damage": [
            "{road}上有个井盖没了，黑乎乎一个洞，很危险",
            "{place}到镇上的路坑坑洼洼的，一下雨就全是泥",
            "十字路口的红绿灯坏了，车都乱开",
            "{road}的护栏被撞坏了，一直没人修",
            "小区门口的减速带掉了，螺丝钉露在外面扎轮胎",
            "新修的路面才一年就裂开了，到处是坑",
        ],
    }
)

TEMPLATES.update(
    {
        "drainage": [
            "{addr}楼下的下水道堵了，污水冒出来，臭得很",
            "一下雨{road}就积水，排水口都被堵住了",
            "小区化粪池满了，污水往外溢，流到路上",
            "我家厨房下水反上来，整栋楼的主管道应该是堵了",
            "{place}村里的阴沟好久没清，蚊子苍蝇一大堆",
            "路边的雨水井被建筑垃圾堵死了，门口一片汪洋",
        ],
        "garbage": [
            "小区门口垃圾好几天没人清运，臭得很",
            "{road}边上有人乱倒建筑垃圾，堆得跟小山一样",
            "{place}村口的垃圾桶满了没人收，野狗都来翻",
            "有人半夜开车往河边倒渣土和垃圾",
            "菜市场门口的垃圾堆了一个礼拜了，苍蝇到处飞",
            "我们楼下的垃圾桶太少了，垃圾都堆在地上",
        ],
        "noise": [
            "{addr}楼下的广场舞每天晚上放到十点多，音响开得特别大",
            "{road}的工地半夜施工，吵得睡不着，第二天还要上班",
            "小区旁边的KTV每天凌晨还在唱，噪音太大了",
            "楼下的饭店排风机噪音很大，白天晚上都响",
            "{road}上那家店用喇叭循环播放广告，太吵了",
            "附近厂房夜间施工，机器声隆隆响，孩子都被吵醒",
        ],
        "pollution": [
            "{place}有个厂子晚上偷排污水，河里的鱼都死了",
            "{road}附近的工厂烟囱冒黑烟，一股刺鼻的味道",
            "村里有人烧秸秆，烟大得眼睛都睁不开",
            "楼下饭店的油烟直接往我们窗户里排",
            "石料厂粉尘太大了，家里晾的衣服都是灰",
            "养猪场的粪水直排到河里，整个村子都是臭味",
        ],
        "street_vending": [
            "{road}的人行道被小摊贩占满了，行人只能走到马路上",
            "学校门口有流动摊贩卖油炸的东西，卫生很差",
            "菜市场外面的路上全是摆摊的，车都开不过去",
            "小区门口每天晚上都有夜市出摊，占道经营，垃圾满地",
            "店铺把货物摆到人行道上，占用人行道好几米",
            "{place}桥上有人摆摊卖水果，堵得桥上过不去",
        ],
        "illegal_building": [
            "{addr}顶楼的住户在楼顶违章搭建了一个大棚子",
            "一楼的住户把院子圈起来加盖了两间房",
            "{place}有人在基本农田上私搭乱建，盖了个厂房",
            "小区里有人在公共绿地上搭棚子养鸡",
            "楼上邻居在阳台外面又搭建了一层，挡住了我们的光",
            "{road}边有个违建的铁皮房子，好几年了也没人拆",
        ],
        "illegal_parking": [
            "{road}上天天有车乱停，把公交站台都堵了",
            "有辆车停在我家门口两天了，堵在门口我车开不出去",
            "小区里有辆僵尸车停了一年多，轮胎都瘪了",
            "共享单车把{road}的盲道堆满了",
            "有人把车停在小区路中间，救护车都进不来",
            "店门口的停车位被别人用地锁占了",
        ],
        "stray_animals": [
            "{addr}附近有好几条流浪狗，晚上追人，小孩都不敢出门",
            "小区有人遛狗不牵绳，大狗扑人，说了还不听",
            "{place}山上的野猪下山把庄稼拱了，还闯进院子",
            "我家屋檐下有个马蜂窝，有脸盆那么大",
            "邻居养的狗整夜叫，还咬伤过路人",
            "小区里流浪猫太多了，晚上叫得像小孩哭",
        ],
        "greenery": [
            "{road}边上有棵大树被风刮倒了，压在路上",
            "小区里的树好多年没修剪了，树枝都伸到窗户里",
            "有人把{place}路边的绿化带挖了种菜",
            "{addr}门口的树枝快压到电线了，刮风的时候晃得厉害",
            "公园草坪被人踩秃了，还有人在里面停车",
            "有人偷偷砍了路边的行道树，说是挡了他家的招牌",
        ],
        "other": [
            "你好，我想反映一个情况，就是说不太清楚该找哪个部门",
            "我有个建议，希望县里多建几个公园",
            "表扬一下{place}的网格员，帮我们解决了很多事情",
            "我想给政府提点意见，公交车太少了，班次能不能多一点",
            "我们这里的快递驿站太远了，能不能在村里设一个点",
            "希望{road}上多设几个公共厕所，老人出门不方便",
        ],
        "policy": [
            ("请问办理居住证需要什么条件，外地人能不能办", {}),
            ("我想咨询一下，农村的养老保险一个月能领多少钱", {}),
            ("请问家里老人八十岁了，有没有高龄补贴", {}),
            ("咨询一下，灵活就业人员的社保怎么交，交多少", {}),
            ("请问低保的申请条件是什么，我家这种情况符不符合", {}),
            ("我想问一下二孩有没有育儿补贴，是什么政策", {}),
        ],
        "service_guide": [
            "请问办身份证需要带什么，在哪里办",
            "我想问一下不动产证在哪里办理，需要什么材料",
            "请问营业执照怎么申请，可以网上办吗",
            "办事大厅周六上不上班，几点上班",
            "孩子上学要开证明，去哪办，需要带户口本吗",
            "请问医保卡丢了怎么补办，办理流程是什么",
        ],
        "progress_inquiry": [
            "我上次反映的路灯的事，到现在还没人处理，想问问进度",
            "我之前打电话反映过邻居噪音的问题，有没有人处理，能不能回复我",
            "我想查一下我那个工单办得怎么样了",
            "上个礼拜反映的那个事情，处理结果出来了吗",
            "我的投诉已经过了十天了，请问现在是什么进度",
            "上次反映的漏水问题说转给物业了，物业到现在没联系我",
        ],
    }
)

# Hand-written hard cases: negations, mixed matters, dialect, 110 dispatch shorthand.
# (text, channel, code, urgency, dispositions)
HARD_CASES = [
    # negations
    (
        "不是要投诉，只是咨询一下，孩子转学需要哪些材料",
        "hotline_12345",
        "service_guide",
        "normal",
        [A],
    ),
    (
        "没有打架，就是楼上楼下吵得厉害，想请社区来调解一下",
        "hotline_12345",
        "neighbour",
        "normal",
        [M],
    ),
    (
        "我不是要跳楼啊，就是公司欠我三个月工资，想问问怎么讨",
        "hotline_12345",
        "wage_arrears",
        "normal",
        [M, T],
    ),
    (
        "没有着火，就是楼道里的电线老化了，一开灯就闪火花",
        "hotline_12345",
        "electrical_hazard",
        "normal",
        [T],
    ),
    (
        "并没有人受伤，就是两辆车刮蹭了，对方不肯赔",
        "police_110",
        "traffic_compensation",
        "normal",
        [M],
    ),
    (
        "不是燃气泄漏，是燃气灶打不着火，麻烦燃气公司来看看",
        "hotline_12345",
        "gas_supply",
        "normal",
        [T],
    ),
    ("没有人闹事，就是想问一下拆迁补偿的标准是什么政策", "web", "policy", "normal", [A]),
    ("我不会想不开的，你们放心，就是房东押金一直不退", "hotline_12345", "rental", "normal", [M]),
    (
        "不是停电，是我家自己跳闸了，想问一下电工的电话",
        "hotline_12345",
        "service_guide",
        "normal",
        [A],
    ),
    ("没有被骗，就是想咨询一下接到这种说中奖的电话该怎么办", "web", "policy", "normal", [A]),
    ("并非要上访，只是想问问信访事项的办理进度", "web", "progress_inquiry", "normal", [A]),
    (
        "不是打架的事，是昨晚他们又打架了，我们睡不好，想让派出所管管",
        "hotline_12345",
        "fight",
        "normal",
        [P, T],
    ),
    (
        "现在没有冒烟了，下午那个烧秸秆的烟太大，希望管一管",
        "grid_report",
        "pollution",
        "normal",
        [T],
    ),
    (
        "不要派人过来，我就是想查一下上次反映的路灯修了没有",
        "hotline_12345",
        "progress_inquiry",
        "normal",
        [A],
    ),
    (
        "没有吵架，邻居人挺好的，就是他家的狗晚上一直叫",
        "hotline_12345",
        "stray_animals",
        "normal",
        [T],
    ),
    # conditional and sneaky threats (never missed)
    ("没有钱我就跳楼", "hotline_12345", "threat_self_harm", "urgent", [P, R]),
    (
        "公司拖欠工资半年了，今天再不给钱我就跳楼",
        "hotline_12345",
        "threat_self_harm",
        "urgent",
        [P, R, M, T],
    ),
    (
        "隔壁邻居天天吵架，再这样下去我就砍人",
        "hotline_12345",
        "threat_violence",
        "urgent",
        [P, R, M],
    ),
    ("你们不要逼我，逼急了我就从楼上跳下去", "hotline_12345", "threat_self_harm", "urgent", [P, R]),
    (
        "物业再不修，我就拿桶汽油把物业办公室点了",
        "hotline_12345",
        "threat_arson_explosion",
        "urgent",
        [P, R, M, T],
    ),
    (
        "我也不想活了，拆迁款一分没拿到，房子也没了",
        "hotline_12345",
        "threat_self_harm",
        "urgent",
        [P, R, M],
    ),
    (
        "报警人称其弟弟因债务问题扬言要跟债主同归于尽，现在人在{addr}",
        "police_110",
        "threat_revenge",
        "urgent",
        [P, R, M],
    ),
    (
        "他嘴上说着没事没事，可是刚才又说活着没意思，要去河边",
        "hotline_12345",
        "threat_self_harm",
        "urgent",
        [P, R],
    ),
    (
        "网格员反映：村民张某因征地补偿不满，扬言要去北京上访",
        "grid_report",
        "threat_extreme_petition",
        "urgent",
        [P, R, M],
    ),
    (
        "这个矛盾调了好几次没用，男方昨天说要弄死女方全家",
        "grid_report",
        "threat_violence",
        "urgent",
        [P, R, M],
    ),
    (
        "喂，俺跟你讲，俺那口子说再离婚就喝农药，咋整嘛",
        "hotline_12345",
        "threat_self_harm",
        "urgent",
        [P, R, M],
    ),
    (
        "工钱不给就把他家炸了，这话是老王亲口说的",
        "grid_report",
        "threat_arson_explosion",
        "urgent",
        [P, R, M, T],
    ),
    # urgent now
    ("邻居两家吵着吵着打起来了，现在还在门口打，快来", "police_110", "neighbour", "urgent", [P, M]),
    (
        "楼上邻居又在吵，现在就在门口，拿着拖把要打人",
        "hotline_12345",
        "neighbour",
        "urgent",
        [P, M],
    ),
    (
        "两口子吵架男的动手了，女的脸上都是血，{addr}",
        "police_110",
        "domestic_violence",
        "urgent",
        [P, M],
    ),
    ("我家老人困在电梯里快半个小时了，物业电话打不通", "hotline_12345", "elevator", "urgent", [T]),
    (
        "厨房闻到好大一股煤气味，我把窗户都打开了，人在楼下",
        "hotline_12345",
        "gas_leak",
        "urgent",
        [T],
    ),
    ("{place}河边一个小孩掉水里了，大人在喊救命", "police_110", "water_danger", "urgent", [P, T]),
    ("工地上的脚手架坍塌了，下面好像压着人", "police_110", "road_collapse", "urgent", [T]),
    ("对面楼顶冒浓烟，好像着火了，火越来越大", "open311", "fire", "urgent", [T]),
    ("宾馆门口两个人拿刀互砍，地上都是血", "police_110", "fight", "urgent", [P, T]),
    ("报警人称有人正在撬他家隔壁的门，已经进去了", "police_110", "theft", "urgent", [P, T]),
    # group matters and mixed
    (
        "几十个工人堵在厂门口集体讨薪，说老板拖欠工资半年了",
        "grid_report",
        "group_wage_arrears",
        "normal",
        [R, T, M],
    ),
    ("工人聚集拉横幅讨薪，老板拖欠工资", "grid_report", "group_wage_arrears", "normal", [R, T, M]),
    (
        "二十多个业主在物业办公室门口聚集，说物业费乱收",
        "third_party",
        "group_gathering",
        "normal",
        [R, T, M],
    ),
    ("要去省里告他们，还要上访", "hotline_12345", "petition_threat", "normal", [R, T]),
    (
        "宅基地的事调解了三次不成，他说要去县里上访",
        "grid_report",
        "petition_threat",
        "normal",
        [R, T, M],
    ),
    (
        "邻居在楼道里私拉电线给电动车充电，跟他说了还骂人",
        "hotline_12345",
        "electrical_hazard",
        "normal",
        [T, M],
    ),
    (
        "隔壁邻居装修把我家墙弄裂了，谈了几次谈不拢，想请社区调解",
        "hotline_12345",
        "neighbour",
        "normal",
        [M],
    ),
    (
        "咨询一下，路灯坏了找谁修，{road}那边好几盏不亮",
        "hotline_12345",
        "street_light",
        "normal",
        [T],
    ),
    ("请问一下，楼下烧烤店的油烟太大了，这个归谁管", "web", "pollution", "normal", [T]),
    (
        "想问问我家楼下的下水道堵了好几天，该找物业还是找自来水公司",
        "web",
        "drainage",
        "normal",
        [T],
    ),
    ("请问怎么办理低保", "hotline_12345", "policy", "normal", [A]),
    ("请问办理居住证需要什么材料", "hotline_12345", "service_guide", "normal", [A]),
    ("吸毒人员又回村里了", "grid_report", "drug_user", "normal", [R, T]),
    # dialect and run-on speech
    ("侬好，阿拉小区门口垃圾老早没人收了，臭是臭得来", "hotline_12345", "garbage", "normal", [T]),
    (
        "我跟你讲哈，我们那个楼道里头的灯坏起好久了，黑黢黢的，摔了好几个人了",
        "hotline_12345",
        "street_light",
        "normal",
        [T],
    ),
    (
        "师傅，俺们村那路烂得不成样子了，车一过泥巴溅一身，啥时候修嘛",
        "hotline_12345",
        "road_damage",
        "normal",
        [T],
    ),
    (
        "喂喂，那个啥，我们屋头停水了撒，一早上都莫得水，娃儿上学都没洗脸",
        "hotline_12345",
        "water_outage",
        "normal",
        [T],
    ),
    (
        "哎呀你们管不管嘛，楼下那个广场舞天天跳到十点，吵死个人",
        "hotline_12345",
        "noise",
        "normal",
        [T],
    ),
    (
        "就是那个，我那个工资啊，老板说下个月下个月，都拖了四个月了，我一家老小要吃饭的呀",
        "hotline_12345",
        "wage_arrears",
        "normal",
        [M, T],
    ),
    (
        "侬帮我问问看，退休手续要去啥地方办，要带点啥",
        "hotline_12345",
        "service_guide",
        "normal",
        [A],
    ),
    (
        "我老公跟他妈天天吵，我夹在中间两头受气，能不能请人来劝劝",
        "hotline_12345",
        "family",
        "normal",
        [M],
    ),
    # 110 dispatch shorthand
    (
        "110转：报警人称{road}某酒吧门口有人醉酒闹事，砸了门口的花盆",
        "police_110",
        "disturbance",
        "normal",
        [P, T],
    ),
    (
        "110转：报警人称楼上住户装修噪音扰民，多次沟通无果，非警务类，转12345",
        "police_110",
        "noise",
        "normal",
        [T],
    ),
    ("110转：报警人称电动车在{addr}楼下被盗，已做登记", "police_110", "theft", "normal", [T]),
    (
        "110转：报警人称其家门口有一条流浪狗咬伤了小孩，非警情，转12345处理",
        "police_110",
        "stray_animals",
        "normal",
        [T],
    ),
    (
        "110转：报警人称邻居占用楼道堆放杂物，双方发生口角，无人受伤，转调解",
        "police_110",
        "neighbour",
        "normal",
        [M],
    ),
    ("110转：报警人称被人冒充客服骗走{money}，已告知报案", "police_110", "fraud", "normal", [T]),
    # grid worker reports
    (
        "网格员巡查发现{place}路边有一处违建正在施工，已拍照",
        "grid_report",
        "illegal_building",
        "normal",
        [T],
    ),
    ("网格员巡查：{road}井盖破损，已设警示牌，需更换", "grid_report", "road_damage", "normal", [T]),
    (
        "网格员走访：独居老人家的房子漏雨，墙体开裂严重，建议鉴定是否危房",
        "grid_report",
        "dangerous_building",
        "normal",
        [T],
    ),
    (
        "网格员上报：精神障碍患者赵某今日情绪激动，在家中砸东西，家属请求帮助",
        "grid_report",
        "mental_illness_incident",
        "normal",
        [R, T],
    ),
    (
        "网格员巡查发现小区消防通道被三轮车和杂物占用",
        "grid_report",
        "fire_lane_blocked",
        "normal",
        [T],
    ),
    (
        "网格员上报：矫正对象钱某未按规定报到，电话关机",
        "grid_report",
        "community_correction_absent",
        "normal",
        [R, T],
    ),
    # open311 and third parties
    ("Streetlight out on {road}, 路灯不亮", "open311", "street_light", "normal", [T]),
    (
        "【数字城管】案卷：{road}占道经营，流动摊贩三处",
        "third_party",
        "street_vending",
        "normal",
        [T],
    ),
    ("【市民通】小区暖气不热，室温只有十五度", "third_party", "heating", "normal", [T]),
    (
        "【企业服务平台】公司员工反映单位拖欠工资两个月",
        "third_party",
        "wage_arrears",
        "normal",
        [M, T],
    ),
    ("[Open311] 公园的大树倒了，横在步道上", "open311", "greenery", "normal", [T]),
    ("[Open311] 小区垃圾清运不及时", "open311", "garbage", "normal", [T]),
]

SLOTS = {
    "place": [
        "幸福社区",
        "解放社区",
        "文昌社区",
        "城南社区",
        "龙泉社区",
        "东湖社区",
        "滨江社区",
        "东山村",
        "湖头村",
        "上洋村",
        "柳家村",
        "杨梅岙村",
        "南山村",
        "竹坑村",
        "石门村",
        "茶园村",
        "坝头村",
        "沙洲村",
        "河口村",
        "溪口村",
        "樟树村",
        "桥头村",
        "周岙村",
    ],
    "road": [
        "人民路",
        "解放街",
        "文昌路",
        "滨江路",
        "府前街",
        "建设路",
        "新华路",
        "环城东路",
        "北门街",
        "湖滨路",
        "南山大道",
        "石桥老街",
        "河口路",
        "城南大道",
    ],
    "addr": [
        "幸福社区3栋2单元",
        "城关街道人民路88号",
        "文昌花园7号楼",
        "滨江小区12幢",
        "东城街道北门街15号",
        "龙泉苑5栋",
        "西湖镇湖头村32号",
        "新区街道金桥家园9幢",
        "府前街老粮站宿舍",
        "朝阳小区2期11栋",
        "南山镇南山村村委会旁边",
        "石桥镇桥头村口",
    ],
    "money": ["三万", "八千", "两万五", "一万二", "五千多", "十几万", "六万", "四千"],
    "who2": ["一个", "姓张的", "老周家的", "那个"],
}

CHANNELS_BY_GROUP = {
    "extreme_threat": ["hotline_12345", "hotline_12345", "police_110", "grid_report", "web"],
    "public_order": ["police_110", "police_110", "hotline_12345", "grid_report", "third_party"],
    "safety_hazard": ["hotline_12345", "police_110", "grid_report", "open311", "third_party"],
    "city_service": ["hotline_12345", "grid_report", "web", "open311", "third_party"],
    "key_population": ["grid_report", "grid_report", "hotline_12345", "police_110"],
    "petition_group": ["grid_report", "hotline_12345", "police_110", "third_party"],
    "dispute": ["hotline_12345", "hotline_12345", "police_110", "grid_report", "web"],
    "consultation": ["hotline_12345", "web", "third_party", "open311"],
}

OPENERS = {
    "hotline_12345": [
        "",
        "",
        "喂，你好，",
        "你好，我要反映个事情，",
        "我跟你们说一下，",
        "哎你好，",
    ],
    "police_110": ["110转来：", "110指挥中心转：", "报警人称：", "报警人反映，", "110转12345："],
    "grid_report": ["网格员上报：", "网格员巡查发现，", "网格员走访了解到，", "今天入户走访，"],
    "web": ["", "【网上留言】", "本人是本地居民，", "领导您好，"],
    "third_party": ["【市民通】", "【数字城管】", "【便民小程序】", "【企业服务平台】"],
    "open311": ["", "[Open311] ", "用户提交："],
}
CLOSERS = {
    "urgent": ["", "", "快点来人！", "赶紧派人过来！", "麻烦快一点！"],
    "normal": [
        "",
        "",
        "麻烦尽快处理一下。",
        "都好几天了也没人管。",
        "希望有关部门管一管。",
        "谢谢。",
        "请尽快回复。",
        "这个事说了好多次了。",
    ],
    "answer": ["", "", "谢谢。", "麻烦告诉我一下。", "谢谢啊。"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--overrides", type=Path, nargs="*", default=[], help="exported overrides")
    args = parser.parse_args()
    taxonomy = json.loads((DATA / "taxonomy.json").read_text(encoding="utf-8"))
    by_code = {entry["code"]: entry for entry in taxonomy["subcategories"]}
    rng = random.Random(SEED)
    rows: list[dict[str, object]] = []
    for code, templates in TEMPLATES.items():
        for template in templates:
            text, overrides = template if isinstance(template, tuple) else (template, {})
            for _ in range(REALIZATIONS):
                rows.append(_realize(rng, by_code[code], text, overrides))
    for text, channel, code, urgency, dispositions in HARD_CASES:
        rows.append(
            {
                "text": _fill(rng, text),
                "channel": channel,
                "code": code,
                "urgency": urgency,
                "dispositions": dispositions,
                "source": "template-hand",
            }
        )
    rows = list({row["text"]: row for row in rows}.values())
    missing = set(by_code) - {row["code"] for row in rows}
    assert not missing, f"subcategories without examples: {sorted(missing)}"
    _write("labelled_templated.jsonl", rows)
    hand = _hand_written(by_code)
    counts = Counter(str(row["code"]) for row in hand)
    thin = sorted(code for code in by_code if counts[code] < MIN_HAND_PER_CODE)
    assert not thin, f"subcategories with fewer than {MIN_HAND_PER_CODE} hand-written: {thin}"
    _write("labelled_tickets.jsonl", hand)
    print(f"wrote {len(hand)} hand-written and {len(rows)} templated examples")
    if args.overrides:
        _merge_overrides(args.overrides, by_code)
    _write_calibration()


def _merge_overrides(paths: list[Path], by_code: dict[str, dict]) -> None:
    target = DATA / "labelled_overrides.jsonl"
    kept: dict[str, dict[str, object]] = {}
    sources = [target, *paths] if target.is_file() else paths
    for path in sources:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("code") not in by_code:
                print(f"skipped an override to an unknown code: {row.get('code')!r}")
                continue
            kept[row["text"]] = {**row, "source": "override"}
    ordered = sorted(kept.values(), key=lambda row: str(row.get("at", "")))
    _write("labelled_overrides.jsonl", ordered)
    print(f"wrote {len(ordered)} operator overrides")


def _write_calibration() -> None:
    """Fit the calibration for the new training set (data/calibration.json), so the service
    does not have to at start-up."""
    # Imported here: the classifier reads the files just written.
    from pingan_intake.classification import taxonomy
    from pingan_intake.classification.classifier import CALIBRATION_FILE, calibration_document

    taxonomy._labelled.cache_clear()
    document = calibration_document(taxonomy.load_training_examples())
    (DATA / CALIBRATION_FILE).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {CALIBRATION_FILE} ({len(document['raw'])} points)")


def _hand_written(by_code: dict[str, dict]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for path in sorted((DATA / "hand").glob("*.txt")):
        rows.extend(parse_batch(path.read_text(encoding="utf-8").splitlines(), path.stem, by_code))
    texts = Counter(str(row["text"]) for row in rows)
    doubled = [text for text, n in texts.items() if n > 1]
    assert not doubled, f"texts written twice: {doubled[:5]}"
    return rows


def _write(name: str, rows: list[dict[str, object]]) -> None:
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    (DATA / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _realize(rng: random.Random, entry: dict, text: str, overrides: dict) -> dict[str, object]:
    urgency = overrides.get("u", entry["default_urgency"])
    dispositions = overrides.get("d", entry["dispositions"])
    channel = rng.choice(CHANNELS_BY_GROUP[entry["group"]])
    closers = CLOSERS["answer" if dispositions == [A] else urgency]
    body = _fill(rng, text)
    return {
        "text": rng.choice(OPENERS[channel]) + body + _closing(body, rng.choice(closers)),
        "channel": channel,
        "code": entry["code"],
        "urgency": urgency,
        "dispositions": dispositions,
        "source": "template",
    }


def _closing(body: str, closer: str) -> str:
    if not closer:
        return ""
    return closer if body[-1] in "，。！？!?" else "，" + closer


def _fill(rng: random.Random, text: str) -> str:
    for slot, values in SLOTS.items():
        while "{" + slot + "}" in text:
            text = text.replace("{" + slot + "}", rng.choice(values), 1)
    return text


if __name__ == "__main__":
    main()
