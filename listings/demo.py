"""Demo content for listings: parks, agents (with staff logins), listings, land parcels.

Idempotent: rows are matched by code, slug or mobile and updated. Every text is ours.
`seed(command, listings=N)` also builds N generated listings for benchmarks."""

import io
import random
import sys
from datetime import timedelta
from decimal import Decimal

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image, ImageDraw

from listings.models import Agent, LandParcel, Listing, ListingImage, Park, ParkImage
from listings.permissions import AGENTS_GROUP

DEMO_AGENT_PASSWORD = "g60-demo-agent"  # noqa: S105 - local demo only, refused in production
BIG_SET_PREFIX = "BX-"

# name, slug, town, planned km², core 亩, industries, summary, address, lng, lat
PARKS = [
    (
        "松江经济技术开发区",
        "songjiang-etdz",
        "永丰街道",
        "54.7",
        "12000",
        "电子信息、装备制造、新材料",
        "松江工业的主阵地，大型制造企业集聚。",
        "松江区荣乐东路2号",
        "121.235",
        "31.010",
    ),
    (
        "松江出口加工区",
        "songjiang-epz",
        "九亭镇",
        "5.98",
        "4500",
        "电子信息、精密制造、保税物流",
        "保税功能齐全，适合外向型制造与检测维修。",
        "松江区南乐路1276号",
        "121.260",
        "31.040",
    ),
    (
        "松江综合保税区",
        "songjiang-ftz",
        "新桥镇",
        "4.12",
        "3000",
        "保税物流、跨境电商、研发设计",
        "海关特殊监管区域，进出口通关便利。",
        "松江区新桥镇申港路",
        "121.305",
        "31.060",
    ),
    (
        "临港松江科技城",
        "lingang-songjiang",
        "新桥镇",
        "5.6",
        "2800",
        "人工智能、智能制造、信息服务",
        "研发总部与高标准厂房并举的产城融合园区。",
        "松江区新桥镇莘砖公路",
        "121.318",
        "31.083",
    ),
    (
        "漕河泾开发区松江园区",
        "caohejing-songjiang",
        "新桥镇",
        "3.7",
        "2100",
        "新一代信息技术、生物医药",
        "延续漕河泾的服务体系，擅长科技型企业孵化。",
        "松江区新桥镇明兴路",
        "121.329",
        "31.070",
    ),
    (
        "G60科创云廊",
        "g60-cloud-corridor",
        "九里亭街道",
        "0.3",
        "220",
        "人工智能、工业互联网、总部研发",
        "沿G60高速而建的总部研发集聚地，通勤便利。",
        "松江区九亭镇沪亭北路",
        "121.318",
        "31.132",
    ),
    (
        "G60松江信创产业园",
        "g60-xinchuang",
        "泗泾镇",
        "1.8",
        "1300",
        "信创、软件和信息服务、集成电路设计",
        "聚焦信息技术应用创新的专业园区。",
        "松江区泗泾镇望东中路",
        "121.260",
        "31.120",
    ),
    (
        "洞泾智能制造园",
        "dongjing-smart",
        "洞泾镇",
        "2.9",
        "1900",
        "机器人、智能装备、汽车零部件",
        "机器人与智能装备企业集中，配套完整。",
        "松江区洞泾镇长兴路",
        "121.221",
        "31.087",
    ),
    (
        "车墩影视与先进制造园",
        "chedun-industrial",
        "车墩镇",
        "3.2",
        "2300",
        "先进制造、文化创意、新材料",
        "南部工业板块，土地资源相对充裕。",
        "松江区车墩镇北松公路",
        "121.318",
        "30.990",
    ),
    (
        "小昆山生物医药产业基地",
        "xiaokunshan-bio",
        "小昆山镇",
        "2.4",
        "1600",
        "生物医药、医疗器械、绿色食品",
        "适合GMP厂房与医疗器械生产的专业基地。",
        "松江区小昆山镇光华路",
        "121.145",
        "31.020",
    ),
]

# name, pinyin for the login and WeChat ID
AGENTS = [
    ("王建国", "wangjianguo"),
    ("李敏", "limin"),
    ("张伟", "zhangwei"),
    ("刘洋", "liuyang"),
    ("陈静", "chenjing"),
    ("杨帆", "yangfan"),
    ("赵磊", "zhaolei"),
    ("周婷", "zhouting"),
]

TOWN_CODES = {
    "新桥镇": "XQ", "泗泾镇": "SJ", "洞泾镇": "DJ", "九亭镇": "JT", "车墩镇": "CD",
    "佘山镇": "SS", "小昆山镇": "XK", "石湖荡镇": "SH", "泖港镇": "MG", "新浜镇": "XB",
    "叶榭镇": "YX", "永丰街道": "YF", "中山街道": "ZS", "九里亭街道": "JL",
}  # fmt: skip
TOWN_CENTRES = {
    "新桥镇": (121.318, 31.070), "泗泾镇": (121.265, 31.118), "洞泾镇": (121.222, 31.088),
    "九亭镇": (121.320, 31.130), "车墩镇": (121.318, 30.993), "佘山镇": (121.200, 31.098),
    "小昆山镇": (121.140, 31.025), "石湖荡镇": (121.150, 30.975), "泖港镇": (121.170, 30.940),
    "新浜镇": (121.060, 30.980), "叶榭镇": (121.300, 30.935), "永丰街道": (121.210, 31.010),
    "中山街道": (121.250, 31.010), "九里亭街道": (121.330, 31.137),
}  # fmt: skip
ROADS = ["申港路", "明兴路", "莘砖公路", "长兴路", "北松公路", "光华路", "民益路", "九新公路", "嘉松南路", "荣乐东路", "新格路", "泗砖公路"]  # fmt: skip
EXPRESSWAYS = ["G60 沪昆高速", "G1501 上海绕城高速", "G15 沈海高速", "S32 申嘉湖高速", "嘉闵高架"]
INDUSTRY_WORDS = {
    Listing.Kind.FACTORY: [
        "精密加工",
        "电子装配",
        "新能源配套",
        "食品包装",
        "医疗器械",
        "汽车零部件",
    ],
    Listing.Kind.WAREHOUSE: ["电商仓储", "冷链", "高标仓", "分拨中心", "丙二类仓库"],
    Listing.Kind.OFFICE: ["研发总部", "软件研发", "检测实验", "中试研发", "企业总部"],
}
PICTURE_POOL = 24
PICTURE_COLOURS = [(70, 110, 160), (120, 140, 120), (170, 120, 80), (90, 90, 120), (150, 150, 160), (60, 130, 140)]  # fmt: skip


def _say(command, text):
    if command is not None:
        command.stdout.write(text)


def seed(command=None, listings=0, **options):
    if settings.PRODUCTION:
        _say(command, "listings: production mode, demo content skipped")
        return
    pictures = ensure_pictures()
    agents = seed_agents()
    parks = seed_parks(agents, pictures)
    count = seed_listings(agents, parks, pictures)
    parcels = seed_parcels(agents, parks)
    _say(
        command,
        f"listings: {len(parks)} parks, {len(agents)} agents (logins agent1…agent{len(agents)}, "
        f"password {DEMO_AGENT_PASSWORD}), {count} listings, {parcels} land parcels",
    )
    if listings:
        build_big_set(listings, agents=agents, parks=parks, pictures=pictures, command=command)


# ---- pictures -----------------------------------------------------------------------


def _draw_building(rng, colour, size=(800, 600)):
    """A simple picture of a building: sky, ground, a block with windows and a door."""
    image = Image.new("RGB", size, (200, 220, 240))
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.rectangle([0, int(height * 0.75), width, height], fill=(120, 125, 115))
    left = rng.randint(40, 160)
    right = width - rng.randint(40, 160)
    top = rng.randint(120, 260)
    draw.rectangle([left, top, right, int(height * 0.78)], fill=colour)
    draw.polygon(
        [(left - 10, top), (right + 10, top), ((left + right) // 2, top - 60)], fill=(80, 80, 90)
    )
    for x in range(left + 30, right - 50, 70):
        for y in range(top + 30, int(height * 0.7) - 40, 70):
            draw.rectangle([x, y, x + 40, y + 35], fill=(225, 235, 245))
    door = (left + right) // 2
    draw.rectangle([door - 50, int(height * 0.6), door + 50, int(height * 0.78)], fill=(60, 60, 70))
    return image


def ensure_pictures():
    """A pool of generated pictures under MEDIA_ROOT/demo/, made once."""
    names = []
    for index in range(PICTURE_POOL):
        name = f"demo/building-{index:02d}.jpg"
        if not default_storage.exists(name):
            rng = random.Random(index)
            image = _draw_building(rng, PICTURE_COLOURS[index % len(PICTURE_COLOURS)])
            out = io.BytesIO()
            image.save(out, "JPEG", quality=80)
            name = default_storage.save(name, ContentFile(out.getvalue()))
        names.append(name)
    return names


def _avatar(initial_colour, name):
    image = Image.new("RGB", (240, 240), initial_colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse([70, 40, 170, 140], fill=(245, 225, 205))
    draw.rectangle([50, 150, 190, 240], fill=(40, 60, 90))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return ContentFile(out.getvalue(), name=f"{name}.jpg")


def _wechat_qr(wechat_id):
    out = io.BytesIO()
    segno.make(f"https://u.wechat.com/demo-{wechat_id}", error="m").save(out, kind="png", scale=6)
    return ContentFile(out.getvalue(), name=f"{wechat_id}-qr.png")


# ---- agents and parks -------------------------------------------------------------------


def seed_agents():
    User = get_user_model()
    group, _ = Group.objects.get_or_create(name=AGENTS_GROUP)
    agents = []
    for index, (name, pinyin) in enumerate(AGENTS, start=1):
        user, created = User.objects.get_or_create(
            username=f"agent{index}",
            defaults={"email": f"{pinyin}@example.com", "is_staff": True, "first_name": name},
        )
        if created or not user.check_password(DEMO_AGENT_PASSWORD):
            user.set_password(DEMO_AGENT_PASSWORD)
            user.is_staff = True
            user.save()
        user.groups.add(group)
        agent, _ = Agent.objects.update_or_create(
            mobile=f"1391600{index:04d}",
            defaults={
                "name": name,
                "wechat_id": f"g60_{pinyin}",
                "email": f"{pinyin}@example.com",
                "user": user,
                "is_active": True,
                "accepts_leads": True,
            },
        )
        if not agent.photo:
            agent.photo.save(*_named(_avatar(PICTURE_COLOURS[index % 6], pinyin)), save=False)
        if not agent.wechat_qr:
            agent.wechat_qr.save(*_named(_wechat_qr(agent.wechat_id)), save=False)
        agent.save()
        agents.append(agent)
    return agents


def _named(content):
    return content.name, content


def seed_parks(agents, pictures):
    parks = []
    for index, row in enumerate(PARKS):
        name, slug, town, planned, core, industries, summary, address, lng, lat = row
        introduction = (
            f"{name}位于松江区{town}，{summary}"
            f"园区重点引进{industries.replace('、', '、')}等方向的企业，"
            "提供从选址、环评咨询到工商注册的一站式服务。\n\n"
            "园区内道路、供电、供水和污水管网完善，周边有人才公寓和商业配套，"
            "距G60沪昆高速出入口车程约十分钟。欢迎联系招商顾问预约实地看房。"
        )
        park, _ = Park.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "district": "松江区",
                "town": town,
                "planned_area_km2": Decimal(planned),
                "core_area_mu": Decimal(core),
                "leading_industries": industries,
                "summary": summary,
                "introduction": introduction,
                "address": address,
                "longitude": Decimal(lng),
                "latitude": Decimal(lat),
                "agent": agents[index % len(agents)],
                "is_published": True,
                "position": index,
            },
        )
        if not park.cover:
            park.cover.name = pictures[index % len(pictures)]
            park.save(update_fields=["cover"])
        if not park.images.exists():
            ParkImage.objects.bulk_create(
                ParkImage(park=park, image=pictures[(index + k) % len(pictures)], position=k)
                for k in range(3)
            )
        parks.append(park)
    return parks


# ---- listings ----------------------------------------------------------------------------


def listing_values(index, rng, agents, parks, now):
    """Realistic values for generated listing number `index`."""
    kind = rng.choices(
        [Listing.Kind.FACTORY, Listing.Kind.WAREHOUSE, Listing.Kind.OFFICE], weights=[6, 2, 2]
    )[0]
    deal = Listing.Deal.RENT if rng.random() < 0.8 else Listing.Deal.SALE
    park = rng.choice(parks) if rng.random() < 0.7 else None
    town = park.town if park else rng.choice(list(TOWN_CODES))
    if kind == Listing.Kind.FACTORY:
        area = Decimal(
            rng.choice([600, 800, 1200, 1500, 2000, 2600, 3200, 4500, 6000, 8000, 12000])
        )
        floors = rng.choice([1, 1, 1, 2, 3, 4])
        height = Decimal(rng.choice(["6", "8", "9", "10", "12"])) if floors == 1 else Decimal("5.5")
        load = rng.choice([800, 1000, 1500, 2000, 3000])
        rent = Decimal(rng.randint(85, 160)) / 100
    elif kind == Listing.Kind.WAREHOUSE:
        area = Decimal(rng.choice([1000, 2000, 3500, 5000, 8000, 15000]))
        floors = rng.choice([1, 1, 2])
        height = Decimal(rng.choice(["9", "10", "12"]))
        load = rng.choice([2000, 3000, 5000])
        rent = Decimal(rng.randint(110, 150)) / 100
    else:
        area = Decimal(rng.choice([200, 350, 500, 800, 1200, 2000]))
        floors = rng.choice([4, 6, 8, 12])
        height = Decimal(rng.choice(["3.6", "4.2", "4.5"]))
        load = rng.choice([300, 400, 500])
        rent = Decimal(rng.randint(200, 380)) / 100
    storey = 1 if floors == 1 else rng.randint(1, floors)
    standalone = kind != Listing.Kind.OFFICE and rng.random() < 0.4
    divisible = area >= 1500 and rng.random() < 0.35
    status = rng.choices(
        [
            Listing.Status.AVAILABLE,
            Listing.Status.RESERVED,
            Listing.Status.LET,
            Listing.Status.DRAFT,
        ],
        weights=[86, 5, 5, 4],
    )[0]
    if status == Listing.Status.LET and deal == Listing.Deal.SALE:
        status = Listing.Status.SOLD
    verified_days = rng.randint(0, 80) if rng.random() < 0.93 else rng.randint(95, 200)
    published_days = verified_days + rng.randint(0, 200)
    lng, lat = TOWN_CENTRES.get(town, (121.23, 31.03))
    features = rng.choice(INDUSTRY_WORDS[kind])
    kind_word = {"factory": "厂房", "warehouse": "仓库", "office": "研发办公"}[kind]
    headline = ("独栋" if standalone else ("单层" if floors == 1 else f"{floors}层")) + kind_word
    title = f"{town.removesuffix('镇').removesuffix('街道')} {headline} {area:.0f}㎡ 适合{features}"
    negotiable = rng.random() < 0.05
    expressway_km = Decimal(rng.randint(5, 150)) / 10
    return {
        "kind": kind,
        "deal": deal,
        "status": status,
        "title": title[:120],
        "district": "松江区",
        "town": town,
        "park": park,
        "address": f"松江区{town}{rng.choice(ROADS)}{rng.randint(1, 2999)}号",
        "longitude": Decimal(str(round(lng + rng.uniform(-0.02, 0.02), 6))),
        "latitude": Decimal(str(round(lat + rng.uniform(-0.015, 0.015), 6))),
        "building_area": area,
        "land_area": (area * Decimal("1.6")).quantize(Decimal(1)) if standalone else None,
        "min_divisible_area": (area / rng.choice([2, 3, 4])).quantize(Decimal(1))
        if divisible
        else None,
        "floors": floors,
        "storey": storey,
        "floor_height": height,
        "floor_load": load,
        "power_kva": rng.choice([100, 200, 315, 400, 630, 800, 1000, 1250, 2000])
        if kind != Listing.Kind.OFFICE
        else rng.choice([50, 100, 200]),
        "crane_tonnage": Decimal(rng.choice([5, 10, 16, 20, 32]))
        if kind == Listing.Kind.FACTORY and floors == 1 and rng.random() < 0.3
        else None,
        "eia_approvable": kind != Listing.Kind.OFFICE and rng.random() < 0.6,
        "standalone": standalone,
        "single_storey": floors == 1,
        "has_certificate": rng.random() < 0.75,
        "truck_access": kind != Listing.Kind.OFFICE and rng.random() < 0.7,
        "expressway_km": expressway_km,
        "expressway_name": rng.choice(EXPRESSWAYS),
        "rent_price": None if deal == Listing.Deal.SALE or negotiable else rent,
        "sale_price": (area * Decimal(rng.randint(45, 95)) / 10).quantize(Decimal(1))
        if deal == Listing.Deal.SALE and not negotiable
        else None,
        "negotiable": negotiable,
        "property_fee": Decimal(rng.choice(["2", "3", "4.5", "6"]))
        if kind == Listing.Kind.OFFICE
        else Decimal(rng.choice(["0.8", "1", "1.5"])),
        "payment_terms": rng.choice(["押三付三", "押二付三", "押一付三", "押三付六"])
        if deal == Listing.Deal.RENT
        else "",
        "description": (
            f"{headline}，建筑面积{area:.0f}㎡，层高{height}米，"
            f"楼面承重{load}公斤/㎡。"
            + ("园区可办理环评，适合生产型企业。" if kind != Listing.Kind.OFFICE else "")
            + f"距{rng.choice(EXPRESSWAYS)}出入口约{expressway_km}公里，大车进出方便。"
            "业主直租，手续齐全，欢迎预约看房。"
        ),
        "agent": park.agent if park and park.agent_id else rng.choice(agents),
        "published_at": None
        if status == Listing.Status.DRAFT
        else now - timedelta(days=published_days),
        "last_verified_at": now - timedelta(days=verified_days, hours=rng.randint(0, 23)),
        "featured": rng.random() < 0.08,
    }


def listing_code(index, town, kind):
    return f"{TOWN_CODES.get(town, 'SJ')}-{kind[0].upper()}-{index:04d}"


def seed_listings(agents, parks, pictures, count=124):
    now = timezone.now()
    for index in range(1, count + 1):
        rng = random.Random(f"listing-{index}")
        values = listing_values(index, rng, agents, parks, now)
        code = listing_code(index, values["town"], values["kind"])
        listing, _ = Listing.objects.update_or_create(code=code, defaults=values)
        if not listing.images.exists():
            ListingImage.objects.bulk_create(
                ListingImage(
                    listing=listing,
                    image=pictures[(index * 3 + k) % len(pictures)],
                    caption=["外观", "内部", "园区环境"][k],
                    position=k,
                )
                for k in range(rng.randint(1, 3))
            )
    return count


# ---- land parcels ----------------------------------------------------------------------------


PARCEL_PLAN = [
    # town, block, use, area ㎡, price 万元, days from now the bidding closes, state
    ("永丰街道", 19, "industrial", "11875.3", "1104", 25, None),
    ("新桥镇", 7, "industrial", "20012.6", "1980", 18, None),
    ("九亭镇", 3, "rnd", "8650.0", "2350", 30, None),
    ("泗泾镇", 12, "industrial", "15320.8", "1390", 40, None),
    ("洞泾镇", 5, "industrial", "26800.0", "2410", 12, None),
    ("车墩镇", 21, "industrial", "33350.5", "2670", 35, None),
    ("小昆山镇", 9, "industrial", "18760.2", "1500", 22, None),
    ("石湖荡镇", 4, "warehousing", "24010.0", "1680", 45, None),
    ("泖港镇", 2, "industrial", "13340.0", "940", 28, None),
    ("新浜镇", 6, "industrial", "16675.0", "1050", 50, None),
    ("叶榭镇", 11, "industrial", "21340.7", "1600", 6, None),
    ("佘山镇", 8, "rnd", "9338.0", "1960", 3, None),
    ("中山街道", 15, "industrial", "12006.0", "1210", -10, "sold"),
    ("新桥镇", 22, "rnd", "10005.0", "2550", -30, "sold"),
    ("九亭镇", 14, "industrial", "14670.0", "1420", -5, None),
    ("永丰街道", 23, "industrial", "17340.0", "1650", 60, None),
    ("车墩镇", 30, "industrial", "12500.0", "1150", 20, "withdrawn"),
]


def seed_parcels(agents, parks):
    now = timezone.now()
    parks_by_town = {}
    for park in parks:
        parks_by_town.setdefault(park.town, park)
    for index, (town, block, use, area, price, closes_in, state) in enumerate(PARCEL_PLAN, start=1):
        rng = random.Random(f"parcel-{index}")
        closes = (now + timedelta(days=closes_in)).replace(
            hour=15, minute=0, second=0, microsecond=0
        )
        opens = closes - timedelta(days=10)
        registration = closes - timedelta(days=2)
        announced = min(opens - timedelta(days=20), now - timedelta(days=3))
        area_d, price_d = Decimal(area), Decimal(price)
        code = f"{TOWN_CODES[town]}-{block:02d}-{index:03d}"
        park = parks_by_town.get(town)
        lng, lat = TOWN_CENTRES[town]
        road = rng.choice(ROADS)
        LandParcel.objects.update_or_create(
            code=code,
            defaults={
                "title": f"{town}{road}以{rng.choice(['东', '南', '西', '北'])}地块",
                "district": "松江区",
                "town": town,
                "park": park,
                "location": f"松江区{town}{road}以{rng.choice(['东', '西'])}、规划{rng.randint(1, 9)}号路以{rng.choice(['南', '北'])}",
                "boundary_east": f"规划{rng.randint(1, 9)}号路",
                "boundary_south": rng.choice(["现状企业", "规划绿地", "河道"]),
                "boundary_west": road,
                "boundary_north": rng.choice(["规划道路", "现状厂区", "防护绿带"]),
                "longitude": Decimal(str(round(lng + rng.uniform(-0.02, 0.02), 6))),
                "latitude": Decimal(str(round(lat + rng.uniform(-0.015, 0.015), 6))),
                "land_use": use,
                "area": area_d,
                "plot_ratio_min": Decimal("1.2"),
                "plot_ratio_max": Decimal(rng.choice(["1.6", "2.0", "2.5"])),
                "building_density": Decimal(rng.choice(["40", "45", "50"])),
                "green_ratio": Decimal(rng.choice(["10", "15", "20"])),
                "height_limit": Decimal(rng.choice(["24", "36", "50"])),
                "lease_years": 20 if use == "industrial" and rng.random() < 0.5 else 50,
                "investment_intensity": Decimal(rng.choice([800, 1000, 1200, 1500])),
                "method": "listing" if rng.random() < 0.8 else "auction",
                "announcement_no": f"沪松规划资源告字〔{now.year}〕{index + 20}号",
                "announced_at": announced,
                "registration_closes_at": registration,
                "bidding_opens_at": opens,
                "bidding_closes_at": closes,
                "starting_price": price_d,
                "deposit": (price_d * Decimal("0.2")).quantize(Decimal(1)),
                "increment": Decimal(rng.choice([10, 20, 50])),
                "status": state or LandParcel.Status.ANNOUNCED,
                "result_price": (price_d * Decimal("1.08")).quantize(Decimal(1))
                if state == "sold"
                else None,
                "winner": "上海某智能装备有限公司" if state == "sold" else "",
                "agent": park.agent if park else agents[index % len(agents)],
                "published_at": announced,
                "featured": index <= 3,
            },
        )
    return len(PARCEL_PLAN)


# ---- the big set for benchmarks -------------------------------------------------------------


def build_big_set(total, *, agents=None, parks=None, pictures=None, command=None, batch=5000):
    """Make sure at least `total` generated listings (code BX-……) exist, in batches."""
    agents = agents or list(Agent.objects.all())
    parks = parks or list(Park.objects.all())
    pictures = pictures or ensure_pictures()
    existing = Listing.objects.filter(code__startswith=BIG_SET_PREFIX).count()
    if existing >= total:
        _say(command, f"listings: {existing} generated listings already in place")
        return existing
    now = timezone.now()
    out = command.stdout if command is not None else sys.stdout
    for start in range(existing + 1, total + 1, batch):
        stop = min(start + batch, total + 1)
        rows = []
        for index in range(start, stop):
            rng = random.Random(f"big-{index}")
            values = listing_values(index, rng, agents, parks, now)
            rows.append(Listing(code=f"{BIG_SET_PREFIX}{index:06d}", **values))
        created = Listing.objects.bulk_create(rows, batch_size=1000)
        ListingImage.objects.bulk_create(
            (
                ListingImage(listing=listing, image=pictures[listing.pk % len(pictures)])
                for listing in created
            ),
            batch_size=2000,
        )
        done = stop - 1
        filled = int(30 * done / total)
        _progress(out, f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} listings")
    _progress(out, "\n")
    return total


def _progress(out, text):
    # Django's OutputWrapper adds a newline unless told otherwise; a bare stream doesn't.
    if hasattr(out, "ending"):
        out.write(text, ending="")
    else:
        out.write(text)
    out.flush()
