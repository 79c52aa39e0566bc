"""Demo agents (with staff logins), parks, listings and land parcels from demo/data/.

Idempotent: rows are matched by code, slug or mobile and updated. The listings and some
parcel figures are generated with a seeded random generator, so they are the same every
time. `seed(command, listings=N)` also builds N generated listings for benchmarks."""

import random
import sys
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils import timezone

from demo.content import english, load
from demo.pictures import PICTURE_COLOURS, avatar, ensure_pictures, wechat_qr
from listings.models import Agent, LandParcel, Listing, ListingImage, Park, ParkImage
from listings.permissions import AGENTS_GROUP

DEMO_AGENT_PASSWORD = "g60-demo-agent"  # noqa: S105 - local demo only, refused in production
BIG_SET_PREFIX = "BX-"


def _number(value):
    return Decimal(str(value))


def _say(command, text):
    if command is not None:
        command.stdout.write(text)


def _towns():
    """{town name: town row} in the order of places.yaml."""
    return {town["name"]: town for town in load("places")["towns"]}


def seed(command=None, listings=0, **options):
    if settings.PRODUCTION:
        _say(command, "listings: production mode, demo content skipped")
        return
    pictures = ensure_pictures()
    agents = seed_agents()
    parks = seed_parks(pictures)
    count = seed_listings(agents, parks, pictures)
    parcels = seed_parcels(agents, parks)
    _say(
        command,
        f"listings: {len(parks)} parks, {len(agents)} agents (logins agent1…agent{len(agents)}, "
        f"password {DEMO_AGENT_PASSWORD}), {count} listings, {parcels} land parcels",
    )
    if listings:
        build_big_set(listings, agents=agents, parks=parks, pictures=pictures, command=command)


# ---- agents and parks -------------------------------------------------------------------


def seed_agents():
    User = get_user_model()
    group, _ = Group.objects.get_or_create(name=AGENTS_GROUP)
    agents = []
    for index, row in enumerate(load("agents")["agents"], start=1):
        user, created = User.objects.get_or_create(
            username=row["login"],
            defaults={"email": row["email"], "is_staff": True, "first_name": row["name"]},
        )
        if created or not user.check_password(DEMO_AGENT_PASSWORD):
            user.set_password(DEMO_AGENT_PASSWORD)
            user.is_staff = True
            user.save()
        user.groups.add(group)
        agent, _ = Agent.objects.update_or_create(
            mobile=row["mobile"],
            defaults={
                "name": row["name"],
                "title": row.get("title", ""),
                "wechat_id": row["wechat_id"],
                "email": row["email"],
                "user": user,
                "is_active": True,
                "accepts_leads": True,
                **english(row),
            },
        )
        if not agent.photo:
            photo = avatar(PICTURE_COLOURS[index % len(PICTURE_COLOURS)], row["pinyin"])
            agent.photo.save(photo.name, photo, save=False)
        if not agent.wechat_qr:
            qr = wechat_qr(agent.wechat_id)
            agent.wechat_qr.save(qr.name, qr, save=False)
        agent.save()
        agents.append(agent)
    return agents


def agents_by_login():
    return {agent.user.username: agent for agent in Agent.objects.filter(user__isnull=False)}


def seed_parks(pictures):
    agents = agents_by_login()
    parks = []
    for index, row in enumerate(load("parks")["parks"]):
        park, _ = Park.objects.update_or_create(
            slug=row["slug"],
            defaults={
                "name": row["name"],
                "district": "松江区",
                "town": row["town"],
                "planned_area_km2": _number(row["planned_area_km2"]),
                "core_area_mu": _number(row["core_area_mu"]),
                "leading_industries": row["leading_industries"],
                "summary": row["summary"],
                "introduction": row["introduction"].strip(),
                "address": row["address"],
                "longitude": _number(row["longitude"]),
                "latitude": _number(row["latitude"]),
                "agent": agents.get(row.get("agent")),
                "is_published": True,
                "position": index,
                **english(row),
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
    words = load("listings")
    places = load("places")
    towns = _towns()
    kind = rng.choices(
        [Listing.Kind.FACTORY, Listing.Kind.WAREHOUSE, Listing.Kind.OFFICE], weights=[6, 2, 2]
    )[0]
    deal = Listing.Deal.RENT if rng.random() < 0.8 else Listing.Deal.SALE
    park = rng.choice(parks) if rng.random() < 0.7 else None
    town = park.town if park else rng.choice(list(towns))
    if kind == Listing.Kind.FACTORY:
        area = Decimal(
            rng.choice([600, 800, 1200, 1500, 2000, 2600, 3200, 4500, 6000, 8000, 12000])
        )
        floors = rng.choice([1, 1, 1, 2, 3, 4])
        height = Decimal(rng.choice(["6", "8", "9", "10", "12"])) if floors == 1 else Decimal("5.5")
        load_kg = rng.choice([800, 1000, 1500, 2000, 3000])
        rent = Decimal(rng.randint(85, 160)) / 100
    elif kind == Listing.Kind.WAREHOUSE:
        area = Decimal(rng.choice([1000, 2000, 3500, 5000, 8000, 15000]))
        floors = rng.choice([1, 1, 2])
        height = Decimal(rng.choice(["9", "10", "12"]))
        load_kg = rng.choice([2000, 3000, 5000])
        rent = Decimal(rng.randint(110, 150)) / 100
    else:
        area = Decimal(rng.choice([200, 350, 500, 800, 1200, 2000]))
        floors = rng.choice([4, 6, 8, 12])
        height = Decimal(rng.choice(["3.6", "4.2", "4.5"]))
        load_kg = rng.choice([300, 400, 500])
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
    centre = towns.get(town)
    lng, lat = (centre["longitude"], centre["latitude"]) if centre else (121.23, 31.03)
    features = rng.choice(words["suited_for"][kind])
    kind_word = words["kind_words"][kind]
    headline = ("独栋" if standalone else ("单层" if floors == 1 else f"{floors}层")) + kind_word
    title = f"{town.removesuffix('镇').removesuffix('街道')} {headline} {area:.0f}㎡ 适合{features}"
    negotiable = rng.random() < 0.05
    expressway_km = Decimal(rng.randint(5, 150)) / 10
    roads, expressways = places["roads"], places["expressways"]
    road, number = rng.choice(roads), rng.randint(1, 2999)
    values = {
        "kind": kind,
        "deal": deal,
        "status": status,
        "title": title[:120],
        "district": "松江区",
        "town": town,
        "park": park,
        "address": f"松江区{town}{road}{number}号",
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
        "floor_load": load_kg,
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
        "expressway_name": rng.choice(expressways),
        "rent_price": None if deal == Listing.Deal.SALE or negotiable else rent,
        "sale_price": (area * Decimal(rng.randint(45, 95)) / 10).quantize(Decimal(1))
        if deal == Listing.Deal.SALE and not negotiable
        else None,
        "negotiable": negotiable,
        "property_fee": Decimal(rng.choice(["2", "3", "4.5", "6"]))
        if kind == Listing.Kind.OFFICE
        else Decimal(rng.choice(["0.8", "1", "1.5"])),
        "payment_terms": rng.choice(words["payment_terms"]) if deal == Listing.Deal.RENT else "",
        "description": (
            f"{headline}，建筑面积{area:.0f}㎡，层高{height}米，"
            f"楼面承重{load_kg}公斤/㎡。"
            + ("园区可办理环评，适合生产型企业。" if kind != Listing.Kind.OFFICE else "")
            + f"距{(nearest := rng.choice(expressways))}出入口约{expressway_km}公里，大车进出方便。"
            "业主直租，手续齐全，欢迎预约看房。"
        ),
        "agent": park.agent if park and park.agent_id else rng.choice(agents),
        "published_at": None
        if status == Listing.Status.DRAFT
        else now - timedelta(days=published_days),
        "last_verified_at": now - timedelta(days=verified_days, hours=rng.randint(0, 23)),
        "featured": rng.random() < 0.08,
    }
    values.update(
        listing_english(
            values,
            features=features,
            standalone=standalone,
            road=road,
            number=number,
            nearest=nearest,
        )
    )
    return values


def listing_english(values, *, features, standalone, road, number, nearest):
    """The hand-written English (listings.yaml and places.yaml `en:`) of a generated listing,
    as `<field>_en` values."""
    en, places = load("listings")["en"], load("places")["en"]
    kind, floors, town = values["kind"], values["floors"], values["town"]
    kind_word = en["kind_words"][kind]
    if standalone:
        headline = en["headline"]["standalone"].format(kind=kind_word)
    elif floors == 1:
        headline = en["headline"]["single_storey"].format(kind=kind_word)
    else:
        headline = en["headline"]["storeys"].format(kind=kind_word, floors=floors)
    area = f"{values['building_area']:,.0f}"
    description = en["description"].format(
        headline=headline,
        area=area,
        height=values["floor_height"],
        load=f"{values['floor_load']:,}",
    )
    if kind != Listing.Kind.OFFICE:
        description += en["description_eia"]
    description += " " + en["description_end"].format(
        km=values["expressway_km"], expressway=places["expressways"][nearest]
    )
    return {
        "title_en": en["title"].format(
            headline=headline,
            area=area,
            town=places["town_short"][town],
            features=en["suited_for"][features],
        )[:120],
        "address_en": en["address"].format(
            number=number, road=places["roads"][road], town=places["towns"][town]
        ),
        "expressway_name_en": places["expressways"][values["expressway_name"]],
        "payment_terms_en": en["payment_terms"].get(values["payment_terms"], ""),
        "description_en": description,
    }


def listing_code(index, town, kind):
    town_row = _towns().get(town)
    return f"{town_row['code'] if town_row else 'SJ'}-{kind[0].upper()}-{index:04d}"


def seed_listings(agents, parks, pictures):
    content = load("listings")
    captions = content["picture_captions"]
    captions_en = content["en"]["picture_captions"]
    count = content["count"]
    now = timezone.now()
    codes = []
    for index in range(1, count + 1):
        rng = random.Random(f"listing-{index}")
        values = listing_values(index, rng, agents, parks, now)
        code = listing_code(index, values["town"], values["kind"])
        listing, _ = Listing.objects.update_or_create(code=code, defaults=values)
        codes.append(code)
        if not listing.images.exists():
            ListingImage.objects.bulk_create(
                ListingImage(
                    listing=listing,
                    image=pictures[(index * 3 + k) % len(pictures)],
                    caption=captions[k % len(captions)],
                    caption_en=captions_en[captions[k % len(captions)]],
                    position=k,
                )
                for k in range(rng.randint(1, 3))
            )
    # Pictures made before the English captions existed get them too.
    for caption, caption_en in captions_en.items():
        ListingImage.objects.filter(
            Q(caption_en="") | Q(caption_en__isnull=True),
            listing__code__in=codes,
            caption_zh_hans=caption,
        ).update(caption_en=caption_en)
    return count


# ---- land parcels ----------------------------------------------------------------------------


def seed_parcels(agents, parks):
    content = load("land")
    towns = _towns()
    roads = load("places")["roads"]
    now = timezone.now()
    parks_by_town = {}
    for park in parks:
        parks_by_town.setdefault(park.town, park)
    for index, row in enumerate(content["parcels"], start=1):
        town, use, state = row["town"], row["land_use"], row.get("status")
        rng = random.Random(f"parcel-{index}")
        closes = (now + timedelta(days=row["bidding_closes_in_days"])).replace(
            hour=15, minute=0, second=0, microsecond=0
        )
        opens = closes - timedelta(days=10)
        registration = closes - timedelta(days=2)
        announced = min(opens - timedelta(days=20), now - timedelta(days=3))
        area, price = _number(row["area"]), _number(row["starting_price"])
        code = f"{towns[town]['code']}-{row['block']:02d}-{index:03d}"
        park = parks_by_town.get(town)
        lng, lat = towns[town]["longitude"], towns[town]["latitude"]
        road = rng.choice(roads)
        side, side2, street, side3 = (
            rng.choice(["东", "南", "西", "北"]),
            rng.choice(["东", "西"]),
            rng.randint(1, 9),
            rng.choice(["南", "北"]),
        )
        east, south = rng.randint(1, 9), rng.choice(content["south_boundaries"])
        north = rng.choice(content["north_boundaries"])
        sold = state == LandParcel.Status.SOLD
        texts = {
            "title": f"{town}{road}以{side}地块",
            "location": f"松江区{town}{road}以{side2}、规划{street}号路以{side3}",
            "boundary_east": f"规划{east}号路",
            "boundary_south": south,
            "boundary_west": road,
            "boundary_north": north,
            "winner": content["winner"] if sold else "",
        }
        LandParcel.objects.update_or_create(
            code=code,
            defaults={
                **texts,
                **parcel_english(
                    texts, town=town, road=road, sides=(side, side2, side3), streets=(street, east)
                ),
                "district": "松江区",
                "town": town,
                "park": park,
                "longitude": Decimal(str(round(lng + rng.uniform(-0.02, 0.02), 6))),
                "latitude": Decimal(str(round(lat + rng.uniform(-0.015, 0.015), 6))),
                "land_use": use,
                "area": area,
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
                "starting_price": price,
                "deposit": (price * Decimal("0.2")).quantize(Decimal(1)),
                "increment": Decimal(rng.choice([10, 20, 50])),
                "status": state or LandParcel.Status.ANNOUNCED,
                "result_price": (price * Decimal("1.08")).quantize(Decimal(1)) if sold else None,
                "agent": park.agent if park else agents[index % len(agents)],
                "published_at": announced,
                "featured": index <= 3,
                **english(row),
            },
        )
    return len(content["parcels"])


def parcel_english(texts, *, town, road, sides, streets):
    """The hand-written English (land.yaml and places.yaml `en:`) of a parcel's generated
    texts, as `<field>_en` values."""
    en, places = load("land")["en"], load("places")["en"]
    side, side2, side3 = (en["directions"][word] for word in sides)
    town_en, road_en = places["towns"][town], places["roads"][road]
    street, east = streets
    return {
        "title_en": en["title"].format(side=side, road=road_en, town=town_en),
        "location_en": en["location"].format(
            town=town_en, road=road_en, side2=side2.capitalize(), side3=side3, n=street
        ),
        "boundary_east_en": en["boundary_east"].format(n=east),
        "boundary_south_en": en["south_boundaries"][texts["boundary_south"]],
        "boundary_west_en": road_en,
        "boundary_north_en": en["north_boundaries"][texts["boundary_north"]],
        "winner_en": en["winner"] if texts["winner"] else "",
    }


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
