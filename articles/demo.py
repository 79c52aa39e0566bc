"""Demo news for `manage.py seed_demo`: categories and articles written for this project.

Idempotent: articles are matched on their title, categories on their slug; pictures are
drawn once. ``articles=N`` also builds N generated articles in bulk for benchmarks.
"""

import io
import random
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont
from taggit.models import Tag, TaggedItem

from articles.models import Article, Category
from core.sanitize import clean_html
from listings.models import Park

CATEGORIES = [
    # (slug, name, description, cover colour)
    ("industry", "行业资讯", "长三角与G60科创走廊的产业动向、市场行情和企业新闻。", (11, 92, 173)),
    ("policy", "政策解读", "产业扶持、土地、人才和税收政策的要点与申报提示。", (43, 138, 62)),
    ("parks", "园区动态", "松江各园区的建设进展、配套服务和入驻企业。", (232, 89, 12)),
    ("events", "招商活动", "推介会、考察活动、对接会和园区开放日。", (156, 54, 181)),
    ("guides", "选址指南", "找厂房、看仓库、拿地之前值得知道的事。", (12, 133, 153)),
]

BENCH_SOURCE = "基准测试数据"

# (category slug, title, tags, park names, days ago, featured, cover, source, paragraphs)
# A paragraph starting with "## " is a subheading.
ARTICLES = [
    (
        "policy",
        "松江区发布新一轮智能制造专项资金申报指南",
        ["智能制造", "专项资金", "数字化转型"],
        ["松江经济技术开发区"],
        2,
        True,
        True,
        "",
        [
            "新一轮智能制造专项资金面向在松江登记注册、具有独立法人资格的制造业企业，重点支持智能工厂、数字化车间和工业互联网平台应用项目。",
            "## 支持方向",
            "一是智能工厂建设，鼓励企业在研发设计、生产制造、仓储物流等环节实现数据贯通；二是关键工序数控化改造；三是工业软件与信息安全投入。",
            "## 申报提示",
            "项目须在申报截止前已开工且未完成验收，设备投资以发票和合同为准。建议企业提前梳理项目预算、整理固定资产台账，必要时可请园区招商顾问协助对接主管部门。",
        ],
    ),
    (
        "industry",
        "G60科创走廊九城市联合发布产业协同清单",
        ["G60科创走廊", "长三角一体化", "产业链"],
        [],
        4,
        True,
        True,
        "",
        [
            "沿G60高速的九座城市围绕集成电路、生物医药、人工智能、高端装备等产业，梳理上下游配套需求，形成跨城市的产业协同清单。",
            "清单按照“链主企业—配套企业—服务机构”的结构编排，企业可以据此寻找本地缺少的零部件供应商和检测服务。",
            "对于正在选址的企业而言，清单也是判断产业氛围的参考：同一链条上的企业越集中，物流成本和人才招聘难度往往越低。",
        ],
    ),
    (
        "parks",
        "松江综合保税区新一批标准厂房竣工交付",
        ["标准厂房", "保税", "厂房交付"],
        ["松江综合保税区"],
        6,
        False,
        True,
        "",
        [
            "综合保税区内新建的一批多层标准厂房近日完成竣工验收，首层层高8米，二层以上层高5.5米，首层地坪承重3吨/㎡，配有货梯和卸货平台。",
            "新厂房面向保税加工、检测维修和跨境电商企业，可按层出租，也可整栋定制。园区提供海关监管、报关代理和物流配套的一站式服务。",
            "有意向的企业可预约实地踏勘，招商顾问将根据产品类型和进出口需求推荐合适的楼层和面积。",
        ],
    ),
    (
        "events",
        "G60科创走廊（松江）产业投资推介会将于下月举行",
        ["招商推介会", "G60科创走廊", "产业投资"],
        ["G60科创云廊"],
        1,
        False,
        True,
        "",
        [
            "推介会将集中发布松江各园区的可租厂房、研发楼宇和近期出让的工业用地信息，并邀请已落户企业分享选址和建设经验。",
            "现场设置园区展位和一对一洽谈区，企业可带着项目需求（用地面积、厂房层高、用电容量、环评类别等）与园区招商负责人直接沟通。",
            "参会需提前报名，名额有限。报名请通过本页底部的咨询表单留下公司名称和联系方式。",
        ],
    ),
    (
        "guides",
        "租厂房前必看：层高、承重与配电怎么选",
        ["厂房选址", "层高", "楼面承重", "配电"],
        [],
        9,
        True,
        True,
        "",
        [
            "很多企业看厂房时先问价格，但真正决定能不能用的，往往是层高、楼面承重和配电容量这几项硬指标。",
            "## 层高",
            "需要行车或高位货架的生产与仓储，单层厂房檐高一般要8米以上；普通装配、电子组装在多层厂房的二层以上，4.5至5.5米通常够用。",
            "## 楼面承重",
            "首层地坪承重多在3吨/㎡以上，楼上一般为0.5至1吨/㎡。设备单重大、振动大的产线最好放在首层，并请结构工程师复核。",
            "## 配电",
            "配电按kVA计算，注塑、热处理等高耗能工序对容量要求高。签约前应确认现有变压器容量、是否可以增容以及增容费用由谁承担。",
        ],
    ),
    (
        "policy",
        "工业用地出让“标准地”模式要点解读",
        ["标准地", "工业用地", "土地出让"],
        [],
        11,
        False,
        False,
        "",
        [
            "“标准地”是指在土地出让前，先明确投资强度、亩均税收、容积率、能耗和环境标准等控制指标，企业拿地时签订履约承诺。",
            "对企业来说，好处是条件事先公开、审批环节减少，拿地后可以较快开工；同时也意味着达产后要接受考核，未达标可能需要承担违约责任。",
            "参与竞买前，企业应对照公告中的投资强度（万元/亩）和亩均税收要求，评估自身项目的投资计划和纳税能力。",
        ],
    ),
    (
        "industry",
        "长三角工业厂房租赁市场季度观察",
        ["厂房租赁", "市场行情", "长三角一体化"],
        [],
        13,
        False,
        True,
        "",
        [
            "本季度长三角工业厂房租赁需求以新能源、汽车零部件和医疗器械企业为主，面积需求集中在2000至5000㎡之间。",
            "带产证、可环评、配电充足的独栋厂房依旧抢手，成交周期明显短于普通多层厂房；而位置偏远、层高不足的老旧厂房去化较慢。",
            "从报价看，松江主要园区单层厂房租金多在1.2至1.8元/㎡/天，具体取决于层高、行车和配套条件。",
        ],
    ),
    (
        "parks",
        "临港松江科技城人才公寓二期开放申请",
        ["人才公寓", "产城融合"],
        ["临港松江科技城"],
        15,
        False,
        False,
        "",
        [
            "科技城人才公寓二期提供一居室和两居室房型，面向园区内企业员工，租金低于周边市场水平，可按企业批量申请。",
            "公寓步行可达园区研发楼宇，周边配有食堂、便利店和健身设施。企业可通过园区服务中心提交员工名单和入住需求。",
        ],
    ),
    (
        "events",
        "生物医药企业园区开放日活动回顾",
        ["生物医药", "园区开放日"],
        ["漕河泾开发区松江园区"],
        18,
        False,
        True,
        "",
        [
            "来自沪浙两地的二十余家生物医药企业走进园区，参观了GMP厂房样板间、公共实验平台和危化品仓库。",
            "园区介绍了洁净车间的建设标准、排风和纯水系统配置，以及药品生产许可证办理过程中的注意事项。",
            "多家企业表示，现成的洁净厂房可以把投产周期缩短半年以上，下一步将进一步对接具体楼层和面积。",
        ],
    ),
    (
        "guides",
        "一文读懂工业用地出让公告里的关键数字",
        ["工业用地", "土地出让", "容积率"],
        [],
        20,
        False,
        True,
        "",
        [
            "一份出让公告里最值得关注的数字有：出让面积、容积率、建筑限高、出让年限、起始价、保证金和投资强度。",
            "面积常以㎡标注，换算成亩时除以666.67。例如11,875.3㎡约合17.81亩，若起始价为1,104万元，则约合每亩62万元。",
            "容积率决定能建多少建筑面积，建筑限高决定能否建高层厂房；投资强度则是拿地后必须完成的投资额，单位是万元/亩。",
        ],
    ),
    (
        "industry",
        "集成电路设备零部件企业加速在松江布局",
        ["集成电路", "产业链", "精密制造"],
        ["松江出口加工区"],
        23,
        False,
        False,
        "",
        [
            "近一年来，多家半导体设备零部件企业在松江选址，产品涵盖精密结构件、真空部件和气体输送系统。",
            "这类企业对厂房洁净度、恒温恒湿和微振动控制有较高要求，通常优先选择单层或首层厂房，并预留二次装修空间。",
            "园区方面表示，将继续围绕设备整机企业完善本地配套，缩短零部件供应半径。",
        ],
    ),
    (
        "policy",
        "高新技术企业认定常见问题答疑",
        ["高新技术企业", "税收优惠"],
        [],
        26,
        False,
        False,
        "",
        [
            "高新技术企业认定后可享受企业所得税减按15%征收的优惠，是科技型企业落户时最常咨询的政策之一。",
            "认定要求包括：拥有核心知识产权、研发费用占比达标、高新技术产品收入占比达标、科技人员占比达标等。",
            "企业在园区注册后，可以请招商顾问介绍当地的认定辅导服务和配套奖励，提前规划研发费用归集。",
        ],
    ),
    (
        "parks",
        "G60科创云廊新增共享会议中心投入使用",
        ["G60科创云廊", "配套服务"],
        ["G60科创云廊"],
        28,
        False,
        True,
        "",
        [
            "云廊内新建的共享会议中心设有大小会议室和路演厅，入驻企业可通过园区小程序预约，按时段计费。",
            "会议中心同时承接园区的政策宣讲、投融资路演和人才招聘活动，方便企业就近参加。",
        ],
    ),
    (
        "events",
        "新能源汽车零部件专场对接会成功举办",
        ["新能源汽车", "产业链", "对接会"],
        ["松江经济技术开发区"],
        31,
        False,
        False,
        "",
        [
            "对接会邀请整车企业采购负责人与本地零部件企业面对面交流，涉及电驱、电池结构件和汽车电子等领域。",
            "会后，园区为有扩产需求的企业整理了可用的厂房和土地清单，并安排了实地踏勘。",
        ],
    ),
    (
        "guides",
        "仓库选址：大车通行与消防等级要先问清",
        ["仓库选址", "物流", "消防"],
        [],
        34,
        False,
        True,
        "",
        [
            "仓储物流企业看仓库，除了面积和租金，最先要确认的是大车能否到门、是否有卸货平台，以及仓库的消防等级。",
            "存放不同类别的货物，对仓库的耐火等级和消防设施要求不同；若需要存放危险品，则必须选择专门的危化品仓库。",
            "距离高速出入口的远近直接影响运输成本，G60、G1501和S32沿线的仓库在长三角配送中具有明显优势。",
        ],
    ),
    (
        "industry",
        "工业互联网平台助力中小制造企业降本增效",
        ["工业互联网", "数字化转型", "中小企业"],
        [],
        37,
        False,
        False,
        "",
        [
            "越来越多的中小制造企业通过订阅工业互联网平台服务，实现设备联网、能耗监测和生产排程，前期投入明显低于自建系统。",
            "业内人士建议，企业可以先从设备数据采集和能耗管理入手，见效后再逐步推进质量追溯和供应链协同。",
        ],
    ),
    (
        "policy",
        "企业落户人才引进政策一览",
        ["人才政策", "落户服务"],
        [],
        40,
        False,
        True,
        "",
        [
            "对于新落户的重点企业，当地在人才落户、子女入学、住房保障等方面提供配套支持，具体条件以主管部门发布的细则为准。",
            "企业可在签约阶段与园区明确人才服务需求，由园区协调相关部门办理，缩短员工到岗时间。",
            "常见材料包括劳动合同、社保缴纳记录和学历证明，建议企业人事部门提前准备。",
        ],
    ),
    (
        "parks",
        "松江出口加工区检测维修业务试点扩容",
        ["保税维修", "检测认证"],
        ["松江出口加工区"],
        43,
        False,
        False,
        "",
        [
            "区内企业可开展的保税检测维修业务范围进一步扩大，电子设备和精密仪器类产品可在区内完成检测和维修后复出口。",
            "对于外向型企业而言，这意味着售后服务可以就近完成，物流和通关成本随之下降。",
        ],
    ),
    (
        "events",
        "人工智能创新应用场景发布会在云廊举行",
        ["人工智能", "应用场景"],
        ["G60科创云廊"],
        46,
        False,
        True,
        "",
        [
            "发布会集中推出了智能制造、智慧物流和城市管理等领域的应用场景需求，邀请人工智能企业揭榜参与。",
            "入选企业可获得场景开放、数据接入和测试环境等支持，园区同时提供办公空间和算力资源对接服务。",
        ],
    ),
    (
        "guides",
        "厂房租金怎么算：从“元/㎡/天”到每月总价",
        ["厂房租赁", "租金计算"],
        [],
        49,
        False,
        False,
        "",
        [
            "厂房租金通常按“元/㎡/天”报价。月租金约等于单价×面积×30，例如2000㎡、1.5元/㎡/天，月租金约为9万元。",
            "此外还要留意物业费（元/㎡/月）、押金和付款方式（如押二付三），以及免租期、装修期的约定。",
            "签约前把这些数字都写进合同附件，可以避免日后的费用纠纷。",
        ],
    ),
    (
        "industry",
        "生物医药研发外包需求持续增长",
        ["生物医药", "研发外包"],
        ["漕河泾开发区松江园区"],
        52,
        False,
        False,
        "",
        [
            "随着创新药研发节奏加快，药物发现、临床前研究和小试中试等外包服务需求保持增长，带动了对实验室和中试车间的需求。",
            "这类企业选址时看重实验室通风、排污和危化品管理条件，成熟园区的公共平台可以显著降低前期投入。",
        ],
    ),
    (
        "policy",
        "环评审批分类管理：哪些项目可以简化办理",
        ["环评", "审批服务"],
        [],
        55,
        False,
        False,
        "",
        [
            "建设项目按照对环境的影响程度分为编制报告书、报告表和填报登记表三类，对应的审批要求和时间各不相同。",
            "企业在确定厂房前，应先确认项目所属类别和厂房所在园区的规划环评情况，“可环评”的厂房能够大大缩短审批时间。",
        ],
    ),
    (
        "parks",
        "松江经济技术开发区完成道路和管网改造",
        ["基础设施", "园区配套"],
        ["松江经济技术开发区"],
        58,
        False,
        True,
        "",
        [
            "开发区内多条主干道完成拓宽和路面翻新，雨污分流管网同步改造，区内重型货车通行更加顺畅。",
            "改造还新增了公交站点和非机动车道，方便员工通勤。",
        ],
    ),
    (
        "events",
        "长三角精密制造企业考察团走访松江园区",
        ["精密制造", "企业考察", "长三角一体化"],
        ["松江经济技术开发区", "松江出口加工区"],
        61,
        False,
        False,
        "",
        [
            "考察团先后走访了两家园区的标准厂房和已投产企业，详细了解了用工、物流和配套供应商情况。",
            "多家企业对可分割的首层厂房表现出兴趣，园区将根据需求安排第二轮实地看房。",
        ],
    ),
    (
        "guides",
        "买厂房还是租厂房？五个问题帮你做决定",
        ["厂房选址", "厂房购买", "厂房租赁"],
        [],
        64,
        False,
        True,
        "",
        [
            "第一，企业计划在当地经营多久？五年以内通常租赁更灵活；第二，资金是否充裕，购置是否会影响主营业务投入？",
            "第三，产线是否需要大规模改造？自有厂房改造更自由；第四，是否需要产证用于融资抵押？第五，园区对购买方有哪些产业和税收要求？",
            "把这五个问题想清楚，再结合具体房源的价格比较，决策会更加稳妥。",
        ],
    ),
    (
        "industry",
        "新材料企业扩产带动中试基地需求",
        ["新材料", "中试基地"],
        [],
        67,
        False,
        False,
        "",
        [
            "新材料企业从实验室走向量产的过程中，往往需要一个兼顾研发与小批量生产的中试基地。",
            "适合中试的厂房一般需要较高的层高、独立的排风系统以及可扩容的配电，园区正在规划专门的中试载体。",
        ],
    ),
    (
        "policy",
        "企业研发费用加计扣除政策要点",
        ["研发费用", "税收优惠"],
        [],
        70,
        False,
        False,
        "",
        [
            "符合条件的企业开展研发活动发生的研发费用，在据实扣除的基础上可按规定比例加计扣除，是科技型企业常用的税收政策。",
            "企业需要建立研发项目台账，按项目归集人员人工、直接投入和折旧等费用，并在年度汇算清缴时申报。",
        ],
    ),
    (
        "parks",
        "G60松江信创产业园首批企业入驻",
        ["信创产业", "软件与信息服务"],
        ["G60松江信创产业园"],
        73,
        False,
        True,
        "",
        [
            "位于泗泾的信创产业园迎来首批入驻企业，涵盖基础软件、信息安全和行业应用开发等领域。",
            "园区提供精装研发办公空间和公共测试平台，并与周边高校合作开展人才培训。",
        ],
    ),
    (
        "events",
        "园区招商顾问线上答疑会：厂房与用地政策专场",
        ["线上答疑", "厂房选址", "工业用地"],
        [],
        76,
        False,
        False,
        "",
        [
            "本场答疑会集中解答了企业关心的厂房租售、工业用地出让和产业政策问题，包括“标准地”履约、厂房分割和产证办理等。",
            "错过直播的企业可以通过咨询表单留言，招商顾问会在工作时间内回电。",
        ],
    ),
    (
        "guides",
        "外资企业在松江设立工厂的基本流程",
        ["外资企业", "落户服务"],
        [],
        79,
        False,
        False,
        "",
        [
            "外资企业设立工厂通常经历选址、公司设立、项目备案、环评和能评、施工许可或厂房装修、竣工验收和投产等环节。",
            "园区招商顾问可以在选址阶段就介入，帮助企业梳理各环节所需材料和时间，并协调相关部门并联办理。",
        ],
    ),
    (
        "industry",
        "物流地产：高标仓需求向高速沿线集中",
        ["仓储物流", "高标仓", "市场行情"],
        [],
        82,
        False,
        True,
        "",
        [
            "电商和第三方物流企业对高标准仓库的需求持续向高速公路沿线集中，层高9米以上、带卸货平台和喷淋系统的仓库最受欢迎。",
            "松江地处G60和G1501交汇区域，辐射上海市区和长三角主要城市，是区域配送中心的热门选址地。",
        ],
    ),
    (
        "policy",
        "关于闲置工业厂房盘活利用的政策要点",
        ["存量盘活", "工业厂房"],
        [],
        85,
        False,
        False,
        "",
        [
            "对于长期闲置或低效利用的工业厂房，当地鼓励通过转租、合作经营和更新改造等方式引入优质项目。",
            "承接方应符合园区的产业导向和亩均效益要求，改造方案需按规定履行审批手续。",
        ],
    ),
]

# Shown in admin to demonstrate scheduling and drafts; not visible on the site.
UNPUBLISHED = [
    (
        "events",
        "（定时发布）下季度园区开放日报名开启",
        ["园区开放日"],
        [],
        -5,
        Article.Status.PUBLISHED,
        ["下季度园区开放日将安排厂房、实验室和人才公寓参观，报名方式将于近期公布。"],
    ),
    (
        "policy",
        "（草稿）数字化转型补贴政策问答",
        ["数字化转型"],
        [],
        0,
        Article.Status.DRAFT,
        ["草稿：待主管部门细则发布后补充。"],
    ),
]


def _say(command, text):
    if command is not None:
        command.stdout.write(text)


def _body(paragraphs):
    parts = []
    for text in paragraphs:
        if text.startswith("## "):
            parts.append(f"<h2>{text[3:]}</h2>")
        else:
            parts.append(f"<p>{text}</p>")
    return "".join(parts)


def _cover(colour, seed):
    """A 1200×675 picture: a gradient sky in the category's colour and factory roofs."""
    rng = random.Random(seed)
    width, height = 1200, 675
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        mix = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(c * (1 - mix) + 245 * mix * 0.6) for c in colour),
        )
    ground = int(height * 0.72)
    x = rng.randint(-80, 40)
    while x < width:
        w = rng.randint(160, 320)
        h = rng.randint(120, 260)
        shade = tuple(max(0, c - rng.randint(30, 70)) for c in colour)
        draw.rectangle([x, ground - h, x + w, ground], fill=shade)
        for tooth in range(x, x + w, 40):  # saw-tooth roof of a factory
            draw.polygon(
                [(tooth, ground - h), (tooth + 40, ground - h - 24), (tooth + 40, ground - h)],
                fill=shade,
            )
        for wx in range(x + 16, x + w - 24, 36):
            draw.rectangle([wx, ground - h + 40, wx + 18, ground - h + 64], fill=(255, 236, 179))
        x += w + rng.randint(10, 40)
    draw.rectangle([0, ground, width, height], fill=(60, 66, 74))
    try:
        font = ImageFont.load_default(size=72)
    except TypeError:  # Pillow without FreeType
        font = ImageFont.load_default()
    draw.text((60, 50), "G60", fill=(255, 255, 255), font=font)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True)
    return ContentFile(out.getvalue(), name=f"demo-cover-{seed}.jpg")


def seed_categories():
    categories = {}
    for position, (slug, name, description, _colour) in enumerate(CATEGORIES, start=1):
        category, _ = Category.objects.update_or_create(
            slug=slug,
            defaults={"name": name, "description": description, "position": position * 10},
        )
        categories[slug] = category
    return categories


def _parks_named(names):
    return list(Park.objects.filter(name__in=names)) if names else []


def seed_articles(categories, now):
    colours = {slug: colour for slug, _n, _d, colour in CATEGORIES}
    count = 0
    for index, row in enumerate(ARTICLES):
        slug, title, tags, parks, days, featured, with_cover, source, paragraphs = row
        article = Article.objects.filter(title=title).first()
        if article is None:
            article = Article(
                title=title,
                published_at=now - timedelta(days=days, hours=index % 7, minutes=index * 7),
            )
        article.category = categories[slug]
        article.body = _body(paragraphs)
        article.summary = ""  # taken from the body on save
        article.status = Article.Status.PUBLISHED
        article.featured = featured
        article.source_name = source
        if with_cover and not article.cover:
            article.cover.save(f"demo-{index}.jpg", _cover(colours[slug], index), save=False)
        article.save()
        article.tags.set(tags)
        article.parks.set(_parks_named(parks))
        count += 1
    for slug, title, tags, parks, days, status, paragraphs in UNPUBLISHED:
        article = Article.objects.filter(title=title).first() or Article(title=title)
        article.category = categories[slug]
        article.body = _body(paragraphs)
        article.status = status
        article.published_at = now - timedelta(days=days) if days < 0 else None
        article.save()
        article.tags.set(tags)
        article.parks.set(_parks_named(parks))
    return count


def build_bench_articles(total, *, categories, command=None, batch=1000):
    """Bring the number of generated articles up to ``total`` with bulk inserts."""
    existing = Article.objects.filter(source_name=BENCH_SOURCE).count()
    missing = max(0, total - existing)
    if not missing:
        _say(command, f"articles: {existing} generated articles already there")
        return 0
    rng = random.Random(60)
    now = timezone.now()
    tag_names = [f"主题{n:02d}" for n in range(40)]
    tags = {name: Tag.objects.get_or_create(name=name)[0] for name in tag_names}
    article_type = ContentType.objects.get_for_model(Article)
    category_list = list(categories.values())
    body = clean_html(
        "".join(
            f"<p>第{n}段：G60科创走廊园区招商资讯的示例正文，用于测量列表和文章页的速度。</p>"
            for n in range(1, 9)
        )
    )
    made = 0
    while made < missing:
        size = min(batch, missing - made)
        with transaction.atomic():
            articles = Article.objects.bulk_create(
                [
                    Article(
                        title=f"资讯样本 {existing + made + i + 1:06d}：园区产业动态",
                        category=rng.choice(category_list),
                        summary="示例摘要：园区招商、产业政策与厂房土地信息。",
                        body=body,
                        status=Article.Status.PUBLISHED,
                        published_at=now - timedelta(minutes=rng.randint(60, 3 * 365 * 24 * 60)),
                        source_name=BENCH_SOURCE,
                    )
                    for i in range(size)
                ]
            )
            TaggedItem.objects.bulk_create(
                [
                    TaggedItem(tag=tags[name], content_type=article_type, object_id=article.pk)
                    for article in articles
                    for name in rng.sample(tag_names, 3)
                ]
            )
        made += size
        _say(command, f"articles: {existing + made}/{total} generated")
    return made


def seed(command=None, articles=0, **options):
    if settings.PRODUCTION:
        _say(command, "articles: production mode, demo content skipped")
        return
    now = timezone.now()
    categories = seed_categories()
    count = seed_articles(categories, now)
    _say(
        command,
        f"articles: {len(categories)} categories, {count} published articles, "
        f"{len(UNPUBLISHED)} scheduled/draft",
    )
    if articles:
        build_bench_articles(articles, categories=categories, command=command)
