"""Demo routing rules and inquiries, idempotent (seed_demo runs it after listings)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from leads import services
from leads.models import SUBJECT_BY_KEY, Inquiry, Notification, RoutingRule
from listings.models import Agent

RULES = [
    # name, priority, conditions, agent positions in the demo agent list
    ("仓库需求", 10, {"kind": "warehouse"}, [1, 2]),
    ("大面积厂房（5000㎡以上）", 20, {"kind": "factory", "area_min": 5000}, [0, 3]),
    ("工业用地", 30, {"kind": "land"}, [0]),
    ("办公研发", 40, {"kind": "office"}, [2, 4]),
]

S = Inquiry.Status
# (days ago, source, need, contact, industry, tax 万元, final status, minutes to contact)
INQUIRIES = [
    (
        58,
        "listing",
        ("factory", "rent", 3000),
        ("陈先生", "上海新能电驱科技有限公司"),
        "新能源汽车电机",
        600,
        S.WON,
        12,
    ),
    (
        51,
        "general",
        ("warehouse", "rent", 8000),
        ("刘经理", "长三角冷链物流有限公司"),
        "冷链仓储",
        150,
        S.LOST,
        45,
    ),
    (
        44,
        "park",
        ("factory", "sale", 12000),
        ("王总", "松江精密装备股份有限公司"),
        "半导体设备零部件",
        2000,
        S.NEGOTIATING,
        8,
    ),
    (
        37,
        "land",
        ("land", "", 20000),
        ("赵女士", "G60生物医药有限公司"),
        "生物医药研发与中试",
        3500,
        S.VISITING,
        20,
    ),
    (
        30,
        "article",
        ("office", "rent", 800),
        ("孙先生", "云廊智能软件有限公司"),
        "工业软件",
        200,
        S.CONTACTED,
        5,
    ),
    (
        22,
        "listing",
        ("factory", "rent", 1500),
        ("周经理", "上海锐驰机器人有限公司"),
        "协作机器人组装",
        300,
        S.CONTACTED,
        16,
    ),
    (15, "general", ("other", "", None), ("钱先生", ""), "跨境电商", None, S.SPAM, None),
    (
        9,
        "listing",
        ("warehouse", "rent", 2500),
        ("吴女士", "九亭供应链管理有限公司"),
        "电商仓配",
        80,
        S.VISITING,
        27,
    ),
    (
        4,
        "general",
        ("factory", "sale", 6000),
        ("郑总", "泗泾信创电子有限公司"),
        "服务器整机",
        1200,
        S.CONTACTED,
        9,
    ),
    (
        1,
        "park",
        ("office", "rent", 1200),
        ("冯先生", "G60数字科技有限公司"),
        "人工智能算法",
        400,
        S.NEW,
        None,
    ),
    (
        0,
        "listing",
        ("factory", "rent", 2000),
        ("蒋女士", "小昆山新材料有限公司"),
        "高分子新材料",
        500,
        S.NEW,
        None,
    ),
]


def _say(command, text):
    if command is not None:
        command.stdout.write(text)


def _subject(source, index):
    kind = SUBJECT_BY_KEY.get(source)
    if kind is None:
        return None
    candidates = list(kind.model.objects.published().order_by("pk")[:20])
    return candidates[index % len(candidates)] if candidates else None


def seed_rules(agents):
    count = 0
    for name, priority, conditions, positions in RULES:
        pool = [agents[i] for i in positions if i < len(agents)]
        if not pool:
            continue
        rule, _created = RoutingRule.objects.update_or_create(
            name=name, defaults={"priority": priority, "is_active": True, **conditions}
        )
        rule.agents.set(pool)
        count += 1
    return count


def seed_inquiries():
    now = timezone.now()
    created = 0
    for index, row in enumerate(INQUIRIES):
        days, source, (kind, deal, area), (name, company), industry, tax, status, minutes = row
        token = f"demo-{index + 1:03d}"
        if Inquiry.objects.filter(submission_token=token).exists():
            continue
        at = now - timedelta(days=days, hours=(index * 5) % 9)
        inquiry = services.submit_inquiry(
            subject=_subject(source, index),
            submission_token=token,
            now=at,
            name=name,
            mobile=f"1380000{index + 1:04d}",
            company=company,
            need_kind=kind,
            need_deal=deal,
            need_area=area,
            industry=industry,
            expected_tax=tax,
            message="演示数据：希望尽快安排看厂。",
            page_url=f"{settings.SITE_URL}/",
            utm_source="wechat" if index % 3 == 0 else "",
        )
        # Demo inquiries were "delivered" long ago: the worker must not mail anyone.
        inquiry.notifications.update(
            state=Notification.State.SENT, attempts=1, sent_at=at + timedelta(seconds=5)
        )
        if minutes is not None:
            contacted = at + timedelta(minutes=minutes)
            services.change_status(inquiry, Inquiry.Status.CONTACTED, now=contacted)
            services.add_note(inquiry, "已电话联系，了解面积与用途。", now=contacted)
            path = [S.VISITING, S.NEGOTIATING, S.WON]
            if status == S.LOST:
                path = [S.LOST]
            for step, next_status in enumerate(path, start=1):
                if status == S.CONTACTED:
                    break
                services.change_status(inquiry, next_status, now=contacted + timedelta(days=step))
                if next_status == status:
                    break
        elif status == S.SPAM:
            services.change_status(inquiry, S.SPAM, now=at + timedelta(minutes=3))
        created += 1
    return created


def seed(command=None, **options):
    if settings.PRODUCTION:
        _say(command, "leads: production mode, demo content skipped")
        return
    agents = list(Agent.objects.filter(is_active=True, accepts_leads=True).order_by("pk"))
    rules = seed_rules(agents)
    created = seed_inquiries()
    _say(command, f"leads: {rules} routing rules, {created} new demo inquiries")
