"""Matching a requirement to building listings and land parcels, with the fit explained.

A `Requirement` comes from the /match/ GET form (`RequirementForm`, bookmarkable) or from
an inquiry's need fields (`Requirement.from_inquiry`); the same code scores both.

Hard constraints filter in SQL: kind, deal, place (towns or parks) when given, and what
the public may see (`published()`). Every other constraint is scored per object as met,
a near miss or missed, each with a sentence ("层高 9 m ≥ 8 m ✓", "电力 400 kVA，差
230 kVA"). A near miss is within settings.MATCH_TOLERANCE_PERCENT of the asked value
(10 % by default). Flags (可环评, 独栋, ...) are met or missed, never near.

Speed: the objects that meet everything are asked of SQL first with the exact bounds,
then (when fewer than wanted) those within the loosened bounds; each query reads at most
CANDIDATES rows, newest first, so Python scores a bounded set however large the table.
Results rank by fit (fewest misses, then fewest near misses), then freshness.
"""

import re
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from core.numbers import number_text, plain_number, rmb, rmb_from_wan, wan_text
from leads.forms import RequirementForm
from leads.models import SUBJECT_BY_KEY, InquiryEvent, NeedKind
from leads.notifications import DeliveryError, absolute, send_email
from listings.models import SQM_PER_MU, LandParcel, Listing, Park
from listings.places import place_name

MET, NEAR, MISSED = "met", "near", "missed"
LAND = NeedKind.LAND.value
BUILDING_KINDS = tuple(Listing.Kind.values)

CANDIDATES = 200  # rows read per query, at most
MIN_FULL = 5  # fewer full matches than this: near misses follow under their own heading
# An inquiry names one area; it is read as the range ± this share (2,000 ㎡ → 1,600–2,400).
INQUIRY_AREA_SPREAD = Decimal("0.2")

STATUS_LABELS = {
    MET: gettext_lazy("符合"),
    NEAR: gettext_lazy("接近"),
    MISSED: gettext_lazy("不符"),
}


def tolerance():
    return Decimal(settings.MATCH_TOLERANCE_PERCENT) / 100


# Amounts in 万元 as English readers write them: (Chinese unit, English ending).
WAN_UNITS = (("万元", ""), ("万元/月", "/month"), ("万元/亩", " per mu"))


def _num(value, unit=""):
    value = Decimal(value).quantize(Decimal("0.01"))
    if unit and _english():
        unit_text = str(unit)
        for zh, ending in WAN_UNITS:
            if unit_text == _(zh):
                return f"{rmb_from_wan(value)}{ending}"
        if unit_text == _("元/㎡/天"):
            return f"{rmb(value, 2)}/m²/day"
    text = number_text(value)
    return f"{text} {unit}".strip()


def _english():
    return (translation.get_language() or "").startswith("en")


class Check:
    """One constraint's verdict: met, near (a near miss) or missed, and why in words.
    The words are made when first read (in the language active then): most candidates
    are ranked by status only and never shown."""

    __slots__ = ("_text", "_words", "status")

    def __init__(self, status, text=None, words=None):
        self.status = status
        self._text = text
        self._words = words  # (format string, values): formatted on first read

    @property
    def text(self):
        if self._text is None:
            template, values = self._words
            self._text = _(template) % {k: v() if callable(v) else v for k, v in values.items()}
        return self._text

    @property
    def label(self):
        return STATUS_LABELS[self.status]

    def __repr__(self):
        return f"Check({self.status!r}, {self.text!r})"


def _words(template, **values):
    """A check's sentence, made when read: each value a callable or a plain value."""
    return (template, values)


def _number(value, unit=""):
    return lambda: _num(value, unit)


def at_least(label, value, asked, unit):
    if value is None:
        return Check(
            MISSED,
            words=_words(
                gettext_noop("%(label)s未注明（要求 ≥ %(asked)s）"),
                label=label,
                asked=_number(asked, unit),
            ),
        )
    value, asked = Decimal(value), Decimal(asked)
    if value >= asked:
        return Check(
            MET,
            words=_words(
                gettext_noop("%(label)s %(value)s ≥ %(asked)s ✓"),
                label=label,
                value=_number(value, unit),
                asked=_number(asked, unit),
            ),
        )
    status = NEAR if value >= asked * (1 - tolerance()) else MISSED
    return Check(
        status,
        words=_words(
            gettext_noop("%(label)s %(value)s，差 %(gap)s"),
            label=label,
            value=_number(value, unit),
            gap=_number(asked - value, unit),
        ),
    )


def at_most(label, value, asked, unit):
    if value is None:
        return Check(NEAR, words=_words(gettext_noop("%(label)s面议"), label=label))
    value, asked = Decimal(value), Decimal(asked)
    if value <= asked:
        return Check(
            MET,
            words=_words(
                gettext_noop("%(label)s %(value)s ≤ %(asked)s ✓"),
                label=label,
                value=_number(value, unit),
                asked=_number(asked, unit),
            ),
        )
    status = NEAR if value <= asked * (1 + tolerance()) else MISSED
    return Check(
        status,
        words=_words(
            gettext_noop("%(label)s %(value)s，超 %(gap)s"),
            label=label,
            value=_number(value, unit),
            gap=_number(value - asked, unit),
        ),
    )


def within(label, low, high, asked_min, asked_max, unit):
    """An offer that can be taken anywhere from low to high (a divisible space) against
    an asked range; either end of the asked range may be open."""

    def value():
        return _num(high, unit) if low == high else f"{_num(low)}–{_num(high, unit)}"

    if asked_min is not None and high < asked_min:
        status = NEAR if high >= asked_min * (1 - tolerance()) else MISSED
        return Check(
            status,
            words=_words(
                gettext_noop("%(label)s %(value)s，差 %(gap)s"),
                label=label,
                value=value,
                gap=_number(asked_min - high, unit),
            ),
        )
    if asked_max is not None and low > asked_max:
        status = NEAR if low <= asked_max * (1 + tolerance()) else MISSED
        return Check(
            status,
            words=_words(
                gettext_noop("%(label)s %(value)s，超 %(gap)s"),
                label=label,
                value=value,
                gap=_number(low - asked_max, unit),
            ),
        )

    def asked():
        if asked_min is not None and asked_max is not None:
            return f"{_num(asked_min)}–{_num(asked_max, unit)}"
        if asked_min is not None:
            return f"≥ {_num(asked_min, unit)}"
        return f"≤ {_num(asked_max, unit)}"

    return Check(
        MET,
        words=_words(
            gettext_noop("%(label)s %(value)s，符合 %(asked)s ✓"),
            label=label,
            value=value,
            asked=asked,
        ),
    )


def flag(label, value):
    if value:
        return Check(MET, words=_words(gettext_noop("%(label)s ✓"), label=label))
    return Check(MISSED, words=_words(gettext_noop("%(label)s ✗"), label=label))


@dataclass
class Match:
    obj: object
    checks: list

    # Counted once: ranking reads them for every candidate, several times.
    @cached_property
    def missed(self):
        return sum(1 for c in self.checks if c.status == MISSED)

    @cached_property
    def near(self):
        return sum(1 for c in self.checks if c.status == NEAR)

    @property
    def is_full(self):
        return self.missed == 0 and self.near == 0

    @property
    def is_land(self):
        return isinstance(self.obj, LandParcel)

    @property
    def title(self):
        return self.obj.title or getattr(self.obj, "location", "")

    @property
    def summary(self):
        """Kind, size, place and price in one line, as cards show them."""
        obj = self.obj
        if self.is_land:
            price = _("起始价 %(price)s 万元") % {
                "price": wan_text(plain_number(obj.starting_price))
            }
            parts = [
                obj.get_land_use_display(),
                _num(obj.area_mu, _("亩")),
                place_name(obj.town),
                price,
            ]
        else:
            area = _num(obj.building_area, _("㎡"))
            parts = [obj.get_kind_display(), obj.get_deal_display(), area, obj.place_name]
            parts.append(obj.price_text)
        return " · ".join(str(p) for p in parts if p)

    def sort_key(self):
        published = self.obj.published_at.timestamp() if self.obj.published_at else 0
        return (self.missed, self.near, -published, -self.obj.pk)

    @property
    def fit_text(self):
        return "；".join(c.text for c in self.checks)


@dataclass
class Results:
    full: list
    near: list
    others: list = field(default_factory=list)  # with a miss: only when asked for
    with_misses: bool = False  # the admin's view: every near miss ranks before misses

    @property
    def show_near(self):
        return len(self.full) < MIN_FULL

    def best(self, count):
        """The first count in rank order: near misses only where the page shows them
        (fewer than five full matches), or always when misses were asked for."""
        near = self.near if self.show_near or self.with_misses else []
        return (self.full + near + self.others)[:count]

    def __len__(self):
        return len(self.full) + len(self.near) + len(self.others)


def _decimal(value):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() and number >= 0 else None


@dataclass
class Requirement:
    """What a company needs. Areas of buildings in ㎡, of land in 亩; rent in 元/㎡/天 or
    as a monthly total in 万元/月; sale in 万元; land in 万元/亩; investment and annual
    tax in 万元."""

    kind: str = ""  # factory / warehouse / office / land; empty: any building
    deal: str = ""  # rent / sale (buildings)
    towns: tuple = ()
    parks: tuple = ()  # slugs
    area_min: Decimal | None = None
    area_max: Decimal | None = None
    mu_min: Decimal | None = None
    mu_max: Decimal | None = None
    height_min: Decimal | None = None
    load_min: Decimal | None = None
    power_min: Decimal | None = None
    crane_min: Decimal | None = None
    eia: bool = False
    standalone: bool = False
    single_storey: bool = False
    certificate: bool = False
    rent_max: Decimal | None = None
    monthly_max: Decimal | None = None
    sale_max: Decimal | None = None
    land_price_max: Decimal | None = None
    investment: Decimal | None = None
    tax: Decimal | None = None

    def __post_init__(self):
        # A budget names the deal when the deal was left open.
        if not self.deal and not self.is_land:
            if (self.rent_max or self.monthly_max) and not self.sale_max:
                self.deal = Listing.Deal.RENT
            elif self.sale_max and not (self.rent_max or self.monthly_max):
                self.deal = Listing.Deal.SALE

    @property
    def is_land(self):
        return self.kind == LAND

    @classmethod
    def from_cleaned(cls, data):
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names and v not in (None, "", [], ())}
        for name in ("towns", "parks"):
            if name in values:
                values[name] = tuple(values[name])
        return cls(**values)

    @classmethod
    def from_query(cls, data):
        """From GET parameters (a QueryDict or a dict); bad values are left out."""
        return cls.from_cleaned(RequirementForm(data).requirement_data())

    @classmethod
    def from_inquiry(cls, inquiry):
        """An inquiry's need: the full /match/ requirement when it came from there, else
        its need fields (kind, deal, area ± INQUIRY_AREA_SPREAD, budget text, tax, the
        attached park)."""
        if inquiry.requirement:
            return cls.from_query(QueryDict(inquiry.requirement))
        kind = inquiry.need_kind if inquiry.need_kind in (*BUILDING_KINDS, LAND) else ""
        values = {"kind": kind, "tax": inquiry.expected_tax}
        if kind != LAND:
            values["deal"] = inquiry.need_deal
        area = _decimal(inquiry.need_area)
        if area:
            low, high = area * (1 - INQUIRY_AREA_SPREAD), area * (1 + INQUIRY_AREA_SPREAD)
            if kind == LAND:
                values["mu_min"] = (low / SQM_PER_MU).quantize(Decimal("0.01"))
                values["mu_max"] = (high / SQM_PER_MU).quantize(Decimal("0.01"))
            else:
                values["area_min"], values["area_max"] = low, high
        values.update(parse_budget(inquiry.need_budget, land=kind == LAND))
        if inquiry.park_id and inquiry.park:
            values["parks"] = (inquiry.park.slug,)
        return cls(**{k: v for k, v in values.items() if v not in (None, "")})

    def query(self):
        """The requirement as /match/ GET parameters (a list of pairs)."""
        pairs = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, "", False, ()):
                continue
            if isinstance(value, tuple):
                name = {"towns": "town", "parks": "park"}[f.name]
                pairs.extend((name, v) for v in value)
            elif value is True:
                pairs.append((f.name, "1"))
            elif isinstance(value, Decimal):
                pairs.append((f.name, plain_number(value)))
            else:
                pairs.append((f.name, str(value)))
        return pairs

    def querystring(self):
        return urlencode(self.query())

    def is_empty(self):
        return not self.query()

    def need_budget_text(self):
        """The budget as the inquiry form's free-text 预算 says it."""
        parts = []
        if self.rent_max:
            parts.append(_("%(v)s元/㎡/天以内") % {"v": plain_number(self.rent_max)})
        if self.monthly_max:
            parts.append(_("每月%(v)s万元以内") % {"v": wan_text(plain_number(self.monthly_max))})
        if self.sale_max:
            parts.append(_("总价%(v)s万元以内") % {"v": wan_text(plain_number(self.sale_max))})
        if self.land_price_max:
            parts.append(_("%(v)s万元/亩以内") % {"v": wan_text(plain_number(self.land_price_max))})
        return "，".join(parts)[:50]

    def need_area(self):
        """One area in ㎡ for the inquiry's need_area."""
        if self.is_land:
            mu = self.mu_max or self.mu_min
            return int(mu * SQM_PER_MU) if mu else None
        area = self.area_max or self.area_min
        return int(area) if area else None


BUDGET_PATTERNS = [
    (re.compile(r"(\d+(?:\.\d+)?)\s*万(?:元)?\s*/\s*亩"), "land_price_max"),
    (re.compile(r"(\d+(?:\.\d+)?)\s*元\s*/\s*(?:㎡|平(?:米|方米)?|m2)\s*/\s*天"), "rent_max"),
    (
        re.compile(r"(?:每月|月租?)\s*(\d+(?:\.\d+)?)\s*万|(\d+(?:\.\d+)?)\s*万(?:元)?\s*/\s*月"),
        "monthly_max",
    ),
    (re.compile(r"(\d+(?:\.\d+)?)\s*万"), "sale_max"),
]


def parse_budget(text, land=False):
    """The budget a prospect typed ("1元/㎡/天以内", "总价3000万元", "60万/亩") as
    Requirement fields; what it cannot read it leaves out."""
    text = (text or "").replace("，", ",").replace("／", "/").replace(" ", "")
    found = {}
    for pattern, name in BUDGET_PATTERNS:
        match = pattern.search(text)
        if match:
            number = next(g for g in match.groups() if g)
            found[name] = _decimal(number)
            text = text[: match.start()] + text[match.end() :]
    if land and "sale_max" in found:
        found.pop("sale_max")
    return {k: v for k, v in found.items() if v is not None}


# ---- scoring ------------------------------------------------------------------------


def taken_area(req, listing):
    """The area the prospect would rent: all of it, or for a divisible space the asked
    area within what can be let alone."""
    asked = req.area_max or req.area_min
    if asked is None or not listing.is_divisible:
        return listing.building_area
    return max(listing.min_divisible_area, min(listing.building_area, asked))


# Labels and units of the checks, made lazy once (not per candidate scored).
WORDS = {
    "面积": gettext_lazy("面积"),
    "㎡": gettext_lazy("㎡"),
    "层高": gettext_lazy("层高"),
    "承重": gettext_lazy("承重"),
    "kg/㎡": gettext_lazy("kg/㎡"),
    "电力": gettext_lazy("电力"),
    "行车": gettext_lazy("行车"),
    "可环评": gettext_lazy("可环评"),
    "独栋": gettext_lazy("独栋"),
    "单层": gettext_lazy("单层"),
    "有产证": gettext_lazy("有产证"),
    "租金": gettext_lazy("租金"),
    "元/㎡/天": gettext_lazy("元/㎡/天"),
    "月租金": gettext_lazy("月租金"),
    "万元/月": gettext_lazy("万元/月"),
    "售价": gettext_lazy("售价"),
    "万元": gettext_lazy("万元"),
    "亩": gettext_lazy("亩"),
    "单价": gettext_lazy("单价"),
    "万元/亩": gettext_lazy("万元/亩"),
    "投资强度": gettext_lazy("投资强度"),
    "亩均税收": gettext_lazy("亩均税收"),
}


def listing_checks(req, listing):
    checks = []
    if req.area_min is not None or req.area_max is not None:
        low = listing.min_divisible_area if listing.is_divisible else listing.building_area
        checks.append(
            within(
                WORDS["面积"],
                low,
                listing.building_area,
                req.area_min,
                req.area_max,
                WORDS["㎡"],
            )
        )
    if req.height_min is not None:
        checks.append(at_least(WORDS["层高"], listing.floor_height, req.height_min, "m"))
    if req.load_min is not None:
        checks.append(at_least(WORDS["承重"], listing.floor_load, req.load_min, WORDS["kg/㎡"]))
    if req.power_min is not None:
        checks.append(at_least(WORDS["电力"], listing.power_kva, req.power_min, "kVA"))
    if req.crane_min is not None:
        checks.append(at_least(WORDS["行车"], listing.crane_tonnage, req.crane_min, "t"))
    if req.eia:
        checks.append(flag(WORDS["可环评"], listing.eia_approvable))
    if req.standalone:
        checks.append(flag(WORDS["独栋"], listing.standalone))
    if req.single_storey:
        checks.append(flag(WORDS["单层"], listing.single_storey))
    if req.certificate:
        checks.append(flag(WORDS["有产证"], listing.has_certificate))
    price = listing.asking_price
    if listing.deal == Listing.Deal.RENT:
        if req.rent_max is not None:
            checks.append(at_most(WORDS["租金"], price, req.rent_max, WORDS["元/㎡/天"]))
        if req.monthly_max is not None:
            monthly = None
            if price is not None:
                monthly = price * taken_area(req, listing) * 30 / Decimal(10000)
            checks.append(at_most(WORDS["月租金"], monthly, req.monthly_max, WORDS["万元/月"]))
    elif req.sale_max is not None:
        checks.append(at_most(WORDS["售价"], price, req.sale_max, WORDS["万元"]))
    return checks


def parcel_checks(req, parcel):
    checks = []
    mu = parcel.area_mu
    if req.mu_min is not None or req.mu_max is not None:
        checks.append(within(WORDS["面积"], mu, mu, req.mu_min, req.mu_max, WORDS["亩"]))
    if req.land_price_max is not None:
        checks.append(
            at_most(
                WORDS["单价"],
                parcel.price_per_mu,
                req.land_price_max,
                WORDS["万元/亩"],
            )
        )
    if req.investment is not None and parcel.investment_intensity is not None and mu:
        intensity = req.investment / mu
        checks.append(
            at_least(
                WORDS["投资强度"],
                intensity,
                parcel.investment_intensity,
                WORDS["万元/亩"],
            )
        )
    if req.tax is not None and parcel.tax_per_mu is not None and mu:
        checks.append(
            at_least(WORDS["亩均税收"], req.tax / mu, parcel.tax_per_mu, WORDS["万元/亩"])
        )
    return checks


def score(req, obj):
    """The checks of one listing or parcel against a requirement."""
    return parcel_checks(req, obj) if isinstance(obj, LandParcel) else listing_checks(req, obj)


# ---- candidates from SQL ------------------------------------------------------------


def place_q(req):
    q = Q()
    if req.towns:
        q |= Q(town__in=req.towns)
    if req.parks:
        q |= Q(park_id__in=Park.objects.published().filter(slug__in=req.parks).values("pk"))
    return q


def listing_base(req):
    queryset = Listing.objects.published()
    if req.kind in BUILDING_KINDS:
        queryset = queryset.filter(kind=req.kind)
    if req.deal in Listing.Deal.values:
        queryset = queryset.filter(deal=req.deal)
    if req.towns or req.parks:
        queryset = queryset.filter(place_q(req))
    return queryset


def listing_bounds(req, slack):
    """The SQL bounds of every soft constraint, loosened by slack (0: exact)."""
    low, high = 1 - slack, 1 + slack
    q = Q()
    if req.area_min is not None:
        q &= Q(building_area__gte=req.area_min * low)
    if req.area_max is not None:
        q &= Q(smallest_area__lte=req.area_max * high)
    for name, column in (
        ("height_min", "floor_height"),
        ("load_min", "floor_load"),
        ("power_min", "power_kva"),
        ("crane_min", "crane_tonnage"),
    ):
        if getattr(req, name) is not None:
            q &= Q(**{f"{column}__gte": getattr(req, name) * low})
    for name, column in (
        ("eia", "eia_approvable"),
        ("standalone", "standalone"),
        ("single_storey", "single_storey"),
        ("certificate", "has_certificate"),
    ):
        if getattr(req, name):
            q &= Q(**{column: True})
    if req.rent_max is not None:
        q &= price_bound("rent", Q(rent_price__lte=req.rent_max * high), slack)
    if req.monthly_max is not None:
        # The smallest part's total is a lower bound of what Python computes.
        cap = req.monthly_max * 10000 / 30 * high
        q &= price_bound("rent", Q(rent_price__lte=cap / F("smallest_area")), slack)
    if req.sale_max is not None:
        q &= price_bound("sale", Q(sale_price__lte=req.sale_max * high), slack)
    return q


def price_bound(deal, within_budget, slack):
    """Other deals pass. No price (面议) is a near miss, so only the loosened bounds let
    it in. `negotiable` is left to Python (the SQL bound reads the stored price): a listing
    marked 面议 whose stored price is over the loosened budget is not a candidate."""
    column = f"{deal}_price"
    q = ~Q(deal=deal) | within_budget
    if slack:
        q |= Q(**{f"{column}__isnull": True})
    return q


def parcel_base(req):
    queryset = (
        LandParcel.objects.published()
        .exclude(status__in=LandParcel.FINAL_STATUSES)
        .exclude(bidding_closes_at__lt=timezone.now())
    )
    if req.towns or req.parks:
        queryset = queryset.filter(place_q(req))
    return queryset


def parcel_bounds(req, slack):
    low, high = 1 - slack, 1 + slack
    q = Q()
    if req.mu_min is not None:
        q &= Q(area__gte=req.mu_min * SQM_PER_MU * low)
    if req.mu_max is not None:
        q &= Q(area__lte=req.mu_max * SQM_PER_MU * high)
    if req.land_price_max is not None:
        q &= Q(starting_price__lte=F("area") * (req.land_price_max * high / SQM_PER_MU))
    return q


# What scoring reads: candidates are loaded with these columns only, and just the few
# that are shown are loaded whole afterwards (one query).
LISTING_SCORE_FIELDS = (
    "id",
    "published_at",
    "deal",
    "negotiable",
    "building_area",
    "min_divisible_area",
    "rent_price",
    "sale_price",
    "floor_height",
    "floor_load",
    "power_kva",
    "crane_tonnage",
    "eia_approvable",
    "standalone",
    "single_storey",
    "has_certificate",
)
PARCEL_SCORE_FIELDS = (
    "id",
    "published_at",
    "area",
    "starting_price",
    "investment_intensity",
    "tax_per_mu",
)


class ScoredListing:
    """A candidate listing with just what scoring reads (LISTING_SCORE_FIELDS), read as
    plain values from a covering index (no model instance): the long looks score up to
    CANDIDATES of them, and only the few shown are loaded whole afterwards."""

    __slots__ = LISTING_SCORE_FIELDS
    Deal = Listing.Deal
    is_divisible = Listing.is_divisible
    asking_price = Listing.asking_price

    def __init__(self, row):
        for name, value in zip(LISTING_SCORE_FIELDS, row, strict=True):
            setattr(self, name, value)

    @property
    def pk(self):
        return self.id


def listing_candidates(queryset, count):
    """The first `count` of queryset with their scoring columns, in one index-only scan."""
    return [ScoredListing(row) for row in queryset.values_list(*LISTING_SCORE_FIELDS)[:count]]


def parcel_candidates(queryset, count):
    """The first `count` of queryset: their ids, then their scoring columns."""
    ids = list(queryset.values_list("pk", flat=True)[:count])
    if not ids:
        return []
    by_pk = {
        row.pk: row for row in LandParcel.objects.only(*PARCEL_SCORE_FIELDS).filter(pk__in=ids)
    }
    return [by_pk[pk] for pk in ids if pk in by_pk]


def _ranked(req, base, narrow, rows, bounds, score, limit, include_misses):
    """base: the hard constraints; narrow(queryset, count): many candidates with just
    what scoring reads; rows: how to load rows whole. A short look takes the ids from the
    narrow covering index (an index-only scan), then just those rows."""
    ordered = base.order_by("-published_at", "-pk")
    seen = set()
    narrowed = set()  # candidates loaded with their scoring columns only
    matches = []

    def take(queryset, count, whole=False):
        """Score the next `count` rows of queryset; a short look loads its rows whole,
        a long one only what scoring reads. Returns how many rows there were."""
        if seen:
            queryset = queryset.exclude(pk__in=seen)
        if whole:
            ids = list(queryset.values_list("pk", flat=True)[:count])
            by_pk = {row.pk: row for row in rows.filter(pk__in=ids)} if ids else {}
            seen.update(ids)
            found = [by_pk[pk] for pk in ids if pk in by_pk]
        else:
            found = narrow(queryset, count)
            ids = [obj.pk for obj in found]
            seen.update(ids)
            narrowed.update(ids)
        matches.extend(Match(obj, score(req, obj)) for obj in found)
        return len(ids)

    def full_count():
        return sum(1 for m in matches if m.is_full)

    # First the newest few within the loosened bounds (the newest full matches are among
    # them). Fewer than asked for: that was all of them, full and near, in one scan (a
    # rare requirement walks the index once, not twice). Else, unless they hold `limit`
    # full matches, the exact bounds give more full matches newest first (a few spare for
    # the candidate Python demotes, e.g. 面议), and near misses are looked for further
    # only when needed. Only the first look loads rows whole; the later ones read the
    # scoring columns, and those of them that are shown are loaded whole at the end.
    window = limit + 10
    loosened = ordered.filter(bounds(req, tolerance()))
    exhausted = take(loosened, window, whole=True) < window
    wanted = limit if include_misses else MIN_FULL
    if not exhausted and full_count() < limit:
        take(ordered.filter(bounds(req, Decimal(0))), limit + 10)
        if full_count() < wanted:
            take(loosened, CANDIDATES)
    if include_misses and sum(1 for m in matches if not m.missed) < limit:
        take(ordered, CANDIDATES)
    matches.sort(key=Match.sort_key)
    full = [m for m in matches if m.is_full][:limit]
    near = [m for m in matches if not m.missed and m.near][:limit]
    others = [m for m in matches if m.missed][:limit] if include_misses else []
    reload = [m for m in [*full, *near, *others] if m.obj.pk in narrowed]
    if reload:
        whole = {row.pk: row for row in rows.filter(pk__in=[m.obj.pk for m in reload])}
        gone = set()
        for m in reload:
            if m.obj.pk in whole:
                m.obj = whole[m.obj.pk]
            else:  # withdrawn meanwhile
                gone.add(m.obj.pk)
        if gone:
            full, near, others = (
                [m for m in ms if m.obj.pk not in gone] for ms in (full, near, others)
            )
    return Results(full, near, others, with_misses=include_misses)


def match(req, limit=20, include_misses=False):
    """The ranked Results for a requirement: land parcels for kind=land, else listings."""
    if req.is_land:
        rows = LandParcel.objects.select_related("park").defer("search_vector")
        return _ranked(
            req,
            parcel_base(req),
            parcel_candidates,
            rows,
            parcel_bounds,
            parcel_checks,
            limit,
            include_misses,
        )
    base = listing_base(req).annotate(smallest_area=Coalesce("min_divisible_area", "building_area"))
    rows = Listing.objects.select_related("park").defer(
        "search_vector", "description", "park__search_vector", "park__introduction"
    )
    return _ranked(
        req, base, listing_candidates, rows, listing_bounds, listing_checks, limit, include_misses
    )


def match_inquiry(inquiry, count=10):
    """The inquiry's `count` best matches, misses included when there are too few."""
    return match(Requirement.from_inquiry(inquiry), limit=count, include_misses=True).best(count)


# ---- sending chosen matches to the prospect (admin) ---------------------------------


def ref_of(obj):
    return f"{'land' if isinstance(obj, LandParcel) else 'listing'}:{obj.pk}"


def objects_from_refs(refs):
    """Published listings and parcels named "listing:12" / "land:3", in the given order."""
    pairs = []
    for ref in refs[:10]:
        kind, _sep, pk = str(ref).partition(":")
        if kind in ("listing", "land") and pk.isdigit() and len(pk) < 12:
            pairs.append((kind, int(pk)))
    found = {}
    for kind in {kind for kind, _pk in pairs}:
        model = SUBJECT_BY_KEY[kind].model
        pks = [pk for k, pk in pairs if k == kind]
        found.update({(kind, o.pk): o for o in model.objects.published().filter(pk__in=pks)})
    return [found[pair] for pair in pairs if pair in found]


def wechat_text(inquiry, matches):
    """A message to paste into WeChat: a greeting, each match with its link, the agent."""
    lines = [
        _("%(name)s您好，按您的需求（%(ref)s）为您推荐：")
        % {"name": inquiry.name, "ref": inquiry.reference}
    ]
    for number, each in enumerate(matches, 1):
        lines.append(f"{number}. {each.obj.code} {each.title} · {each.summary}")
        lines.append(f"   {absolute(each.obj.get_absolute_url())}")
    agent = inquiry.assigned_agent
    if agent is not None:
        lines.append(
            _("招商顾问 %(name)s %(mobile)s") % {"name": agent.name, "mobile": agent.mobile}
        )
    return "\n".join(lines)


def send_matches(*, inquiry, objects, actor=None):
    """Send chosen matches to the prospect: by e-mail when they gave an address, and as a
    text for the agent to paste into WeChat; recorded on the inquiry's timeline.
    Returns (emailed, error, text)."""
    requirement = Requirement.from_inquiry(inquiry)
    with translation.override(inquiry.language or settings.LANGUAGE_CODE):
        matches = [Match(obj, score(requirement, obj)) for obj in objects]
        text = wechat_text(inquiry, matches)
        emailed, error = False, ""
        if inquiry.email:
            context = {
                "inquiry": inquiry,
                "matches": [(m, absolute(m.obj.get_absolute_url())) for m in matches],
                "agent": inquiry.assigned_agent,
                "site_name": settings.SITE_NAME,
                "site_url": settings.SITE_URL,
                "site_hotline": settings.SITE_HOTLINE,
            }
            try:
                send_email("matches", [inquiry.email], context)
                emailed = True
            except DeliveryError as exc:
                error = str(exc)[:500]
    InquiryEvent.objects.create(
        inquiry=inquiry,
        kind=InquiryEvent.Kind.MATCHES_SENT,
        actor=actor,
        agent=inquiry.assigned_agent,
        message=text,
        data={"matches": [ref_of(o) for o in objects], "emailed": emailed, "error": error},
    )
    return emailed, error, text
