from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.numbers import plain_number, rmb, rmb_from_wan
from core.pages import ShownOnPublicPages
from core.search import filter_queryset as search_filter
from core.search import labels, update_dependent_search_vectors
from core.translations import Translated, translated_q
from core.uploads import CheckedImageField
from listings.places import Place
from listings.places import place_name as place_in_language

SQM_PER_MU = Decimal("666.67")

mobile_validator = RegexValidator(r"^1[3-9]\d{9}$", _("请输入11位中国大陆手机号。"))


class Agent(Translated, ShownOnPublicPages, models.Model):
    english_fields = ("name",)

    class WebhookKind(models.TextChoices):
        WECOM = "wecom", _("企业微信")
        DINGTALK = "dingtalk", _("钉钉")
        FEISHU = "feishu", _("飞书")

    name = models.CharField(_("名称"), max_length=50)
    title = models.CharField(_("职务"), max_length=50, blank=True, help_text=_("如：招商经理"))
    mobile = models.CharField(_("手机号"), max_length=11, validators=[mobile_validator])
    wechat_id = models.CharField(_("微信号"), max_length=50, blank=True)
    wechat_qr = CheckedImageField(_("微信二维码"), upload_to="agents/qr/", blank=True)
    photo = CheckedImageField(_("照片"), upload_to="agents/photos/", blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("后台账号"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agent",
    )
    is_active = models.BooleanField(_("在职"), default=True)
    accepts_leads = models.BooleanField(_("接收咨询"), default=True, help_text=_("参与咨询分配。"))
    webhook_kind = models.CharField(
        _("群机器人平台"), max_length=10, choices=WebhookKind, blank=True
    )
    webhook_url = models.URLField(_("群机器人Webhook地址"), max_length=500, blank=True)
    webhook_secret = models.CharField(
        _("群机器人加签密钥"),
        max_length=200,
        blank=True,
        help_text=_("开启加签的钉钉、飞书机器人需要填写此密钥。"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("招商顾问")
        verbose_name_plural = _("招商顾问")

    def __str__(self):
        return self.name

    def clean(self):
        if self.webhook_url and not self.webhook_kind:
            raise ValidationError({"webhook_kind": _("填写了Webhook地址时请选择群机器人平台。")})
        if self.is_active and self.accepts_leads and not (self.email or self.webhook_url):
            # Routing would give this agent inquiries nobody could tell them about.
            raise ValidationError(
                {
                    "accepts_leads": _(
                        "接收咨询的顾问需要邮箱或群机器人Webhook地址，才能收到咨询通知。"
                    )
                }
            )

    @property
    def tel(self):
        return f"+86{self.mobile}" if self.mobile else ""


class ParkQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def translated(self):
        return self.filter(translated_q(self.model.english_fields))


# The /listings/ park filter's choices, cached by listings.forms.
PARK_CHOICES_CACHE_KEY = "listings:park-choices"


class Park(Translated, Place):
    english_fields = ("name", "summary", "introduction")

    name = models.CharField(_("名称"), max_length=100, unique=True)
    slug = models.SlugField(_("网址标识"), max_length=100, unique=True, allow_unicode=False)
    planned_area_km2 = models.DecimalField(
        _("规划面积（km²）"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    core_area_mu = models.DecimalField(
        _("核心区面积（亩）"),
        max_digits=10,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    leading_industries = models.CharField(
        _("主导产业"),
        max_length=300,
        blank=True,
        help_text=_("用顿号或逗号分隔，如：集成电路、生物医药、智能制造"),
    )
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    introduction = models.TextField(_("简介"), blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    cover = CheckedImageField(_("封面图"), upload_to="parks/", blank=True)
    agent = models.ForeignKey(
        Agent,
        verbose_name=_("招商顾问"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="parks",
    )
    is_published = models.BooleanField(_("已发布"), default=True)
    position = models.PositiveIntegerField(_("排序"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # English full-text search (docs/english.md): written on save from these fields.
    english_search = {
        "A": ["name_en"],
        "B": ["leading_industries_en", "summary_en"],
        "C": ["address_en", "introduction_en"],
    }
    search_vector_en = SearchVectorField(null=True, editable=False)

    objects = ParkQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("园区")
        verbose_name_plural = _("园区")
        indexes = [
            GinIndex(fields=["search_vector"], name="park_search_vector"),
            GinIndex(fields=["search_vector_en"], name="park_search_vector_en"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        update_dependent_search_vectors(self, "listings", "land_parcels")
        cache.delete(PARK_CHOICES_CACHE_KEY)

    def get_absolute_url(self):
        return reverse("listings:park-detail", kwargs={"slug": self.slug})

    def search_document(self):
        return {
            "A": [self.name],
            "B": [self.district, self.town, self.leading_industries, self.summary],
            "C": [self.address, self.introduction],
        }

    def map_name(self):
        return self.name

    @property
    def industries(self):
        raw = self.leading_industries.replace("、", ",").replace("，", ",")
        return [part.strip() for part in raw.split(",") if part.strip()]


class ParkImage(ShownOnPublicPages, models.Model):
    park = models.ForeignKey(Park, on_delete=models.CASCADE, related_name="images")
    image = CheckedImageField(_("图片"), upload_to="parks/")
    caption = models.CharField(_("说明"), max_length=100, blank=True)
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("园区图片")
        verbose_name_plural = _("园区图片")


@dataclass(frozen=True)
class Price:
    """A listing's asking price as every page, the admin, search and exports show it."""

    amount: Decimal | None  # None: 面议
    unit: str = ""
    monthly_wan: Decimal | None = None  # a rent's monthly total in 万元

    def __str__(self):
        if self.amount is None:
            return str(_("面议"))
        if (get_language() or "").startswith("en"):
            # "RMB 1.23/m²/day", "RMB 126 million" (docs/english.md).
            if self.monthly_wan is not None or self.unit == _("元/㎡/天"):
                return f"{rmb(self.amount, 2)}/m²/day"
            return rmb_from_wan(self.amount)
        return f"{plain_number(self.amount)} {self.unit}"


class ListingStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    AVAILABLE = "available", _("可租售")
    RESERVED = "reserved", _("已预订")
    LET = "let", _("已出租")
    SOLD = "sold", _("已售")
    WITHDRAWN = "withdrawn", _("已撤回")


# On the market: the statuses of `ListingQuerySet.published` and of the partial indexes
# that serve it. Outside the model so that its Meta can use them too.
LISTING_PUBLIC_STATUSES = [ListingStatus.AVAILABLE, ListingStatus.RESERVED]
# What the covering browse indexes carry besides their keys (and last_verified_at, which
# `published()` reads, and updated_at, which keys a list's kept cards): every filter and
# scoring column, so lists and matching read only the index.
BROWSE_COLUMNS = [
    "district",
    "town",
    "park",
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
    "negotiable",
]


def published_q(prefix=""):
    """The condition of `ListingQuerySet.published` as a Q, for use across relations
    (e.g. counting a park's public listings)."""
    now = timezone.now()
    cutoff = now - timedelta(days=settings.LISTING_STALE_DAYS)
    return Q(
        **{
            f"{prefix}status__in": LISTING_PUBLIC_STATUSES,
            f"{prefix}published_at__isnull": False,
            f"{prefix}published_at__lte": now,
            f"{prefix}last_verified_at__gte": cutoff,
        }
    )


class ListingQuerySet(models.QuerySet):
    def translated(self):
        """Rows with their English version (docs/english.md)."""
        return self.filter(translated_q(self.model.english_fields))

    def fresh(self):
        cutoff = timezone.now() - timedelta(days=settings.LISTING_STALE_DAYS)
        return self.filter(last_verified_at__gte=cutoff)

    def stale(self):
        cutoff = timezone.now() - timedelta(days=settings.LISTING_STALE_DAYS)
        return self.filter(Q(last_verified_at__lt=cutoff) | Q(last_verified_at__isnull=True))

    def published(self):
        """What the public may see: on the market, published, verified recently."""
        return self.filter(published_q())

    def similar_to(self, listing):
        """Same kind and deal, half to twice the area; the same town first, then the
        closest area."""
        area = listing.building_area
        return (
            self.filter(
                kind=listing.kind,
                deal=listing.deal,
                building_area__gte=area / 2,
                building_area__lte=area * 2,
            )
            .exclude(pk=listing.pk)
            .annotate(
                same_town=models.Case(
                    models.When(town=listing.town, then=models.Value(0)),
                    default=models.Value(1),
                ),
                area_gap=models.Func(models.F("building_area") - area, function="ABS"),
            )
            .order_by("same_town", "area_gap", "-pk")
        )

    def search_text(self, q):
        """Listings matching q by the site search's rules (Chinese words, codes, an area
        such as "1000平")."""
        return search_filter(self, q)


class Listing(Translated, Place):
    english_fields = ("title", "description")

    class Kind(models.TextChoices):
        FACTORY = "factory", pgettext_lazy("listing kind", "厂房")
        WAREHOUSE = "warehouse", pgettext_lazy("listing kind", "仓库")
        OFFICE = "office", _("办公研发")

    class Deal(models.TextChoices):
        RENT = "rent", _("出租")
        SALE = "sale", _("出售")

    Status = ListingStatus
    PUBLIC_STATUSES = LISTING_PUBLIC_STATUSES

    code = models.CharField(_("编号"), max_length=30, unique=True, help_text=_("如 XQ-F-0012"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind, default=Kind.FACTORY)
    deal = models.CharField(_("交易方式"), max_length=5, choices=Deal, default=Deal.RENT)
    status = models.CharField(_("状态"), max_length=10, choices=Status, default=Status.DRAFT)
    title = models.CharField(_("标题"), max_length=120)
    park = models.ForeignKey(
        Park,
        verbose_name=_("园区"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="listings",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    building_area = models.DecimalField(
        _("建筑面积（㎡）"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    land_area = models.DecimalField(
        _("占地面积（㎡）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    min_divisible_area = models.DecimalField(
        _("最小分割面积（㎡）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("仅整体出租或出售时留空。"),
    )
    floors = models.PositiveSmallIntegerField(_("总层数"), null=True, blank=True)
    storey = models.SmallIntegerField(_("所在楼层"), null=True, blank=True)
    floor_height = models.DecimalField(
        _("层高（m）"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    floor_load = models.PositiveIntegerField(_("楼面承重（kg/㎡）"), null=True, blank=True)
    power_kva = models.PositiveIntegerField(_("配电（kVA）"), null=True, blank=True)
    crane_tonnage = models.DecimalField(
        _("行车（t）"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    eia_approvable = models.BooleanField(_("可环评"), default=False)
    standalone = models.BooleanField(_("独栋"), default=False)
    single_storey = models.BooleanField(_("单层"), default=False)
    has_certificate = models.BooleanField(_("有产证"), default=False)
    truck_access = models.BooleanField(_("大车可进"), default=False)
    expressway_km = models.DecimalField(
        _("距高速口（km）"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    expressway_name = models.CharField(
        _("最近高速"), max_length=40, blank=True, help_text=_("如：G60 沪昆高速")
    )
    rent_price = models.DecimalField(
        _("租金（元/㎡/天）"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    sale_price = models.DecimalField(
        _("售价（万元）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    negotiable = models.BooleanField(_("面议"), default=False)
    property_fee = models.DecimalField(
        _("物业费（元/㎡/月）"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    payment_terms = models.CharField(
        _("付款方式"), max_length=60, blank=True, help_text=_("如：押三付三")
    )
    description = models.TextField(_("描述"), blank=True)
    agent = models.ForeignKey(
        Agent,
        verbose_name=_("招商顾问"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="listings",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    last_verified_at = models.DateTimeField(
        _("最近核实"),
        default=timezone.now,
        help_text=_("招商顾问最近一次确认房源在租售且信息属实的时间。"),
    )
    featured = models.BooleanField(_("推荐"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # English full-text search (docs/english.md): written on save from these fields.
    english_search = {
        "A": ["code", "title_en"],
        "B": ["address_en", "payment_terms_en", "expressway_name_en"],
        "C": ["description_en"],
    }
    search_vector_en = SearchVectorField(null=True, editable=False)

    objects = ListingQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("房源")
        verbose_name_plural = _("房源")
        constraints = [
            models.CheckConstraint(
                condition=Q(building_area__gte=0), name="listing_building_area_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(land_area__isnull=True) | Q(land_area__gte=0),
                name="listing_land_area_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(min_divisible_area__isnull=True)
                | Q(min_divisible_area__gte=0, min_divisible_area__lte=models.F("building_area")),
                name="listing_min_divisible_within_building_area",
            ),
            models.CheckConstraint(
                condition=Q(rent_price__isnull=True) | Q(rent_price__gte=0),
                name="listing_rent_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(sale_price__isnull=True) | Q(sale_price__gte=0),
                name="listing_sale_price_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(floor_height__isnull=True) | Q(floor_height__gte=0),
                name="listing_floor_height_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(crane_tonnage__isnull=True) | Q(crane_tonnage__gte=0),
                name="listing_crane_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(expressway_km__isnull=True) | Q(expressway_km__gte=0),
                name="listing_expressway_km_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(property_fee__isnull=True) | Q(property_fee__gte=0),
                name="listing_property_fee_non_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "kind", "deal", "-published_at"]),
            models.Index(fields=["town"]),
            models.Index(fields=["building_area"]),
            models.Index(fields=["rent_price"]),
            models.Index(fields=["sale_price"]),
            models.Index(fields=["last_verified_at"]),
            GinIndex(fields=["search_vector"], name="listing_search_vector"),
            GinIndex(fields=["search_vector_en"], name="listing_search_vector_en"),
            # /listings/ counts and pages the public listings with index-only scans of this
            # narrow partial index: it holds the date parts of published() that change with
            # time and every filter and sort column, and walks newest first.
            models.Index(
                fields=["-published_at", "-id"],
                include=["last_verified_at", "updated_at", "kind", "deal", *BROWSE_COLUMNS],
                condition=Q(status__in=LISTING_PUBLIC_STATUSES, published_at__isnull=False),
                name="listing_public_browse",
            ),
            # Matching (leads.matching) and filters naming a kind and a deal walk just those
            # public listings newest first, index-only: a rare requirement (an office for
            # sale, 4 % of them) reads a few thousand entries, not all 100,000.
            models.Index(
                fields=["kind", "deal", "-published_at", "-id"],
                include=["last_verified_at", "updated_at", *BROWSE_COLUMNS],
                condition=Q(status__in=LISTING_PUBLIC_STATUSES, published_at__isnull=False),
                name="listing_public_kind_deal",
            ),
            # sort=-price walks this instead of sorting every public listing.
            models.Index(
                F("rent_price").desc(nulls_last=True),
                F("sale_price").desc(nulls_last=True),
                F("id").desc(),
                condition=Q(status__in=LISTING_PUBLIC_STATUSES, published_at__isnull=False),
                name="listing_public_price_desc",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def get_absolute_url(self):
        return reverse("listings:listing-detail", kwargs={"pk": self.pk})

    search_related = ("park",)
    search_area_fields = ("building_area", "min_divisible_area")

    def search_document(self):
        park = self.park if self.park_id else None
        facts = list(self.badges)
        if self.has_certificate:
            facts.append("有产证")
        if self.truck_access:
            facts.append("大车可进")
        if self.asking_price is None:
            facts.append("面议")
        return {
            "A": [self.title, self.code],
            "B": labels(
                park.name if park else "",
                self.district,
                self.town,
                self.get_kind_display(),
                self.get_deal_display(),
                *facts,
                self.expressway_name,
            ),
            "C": [self.address, self.payment_terms, self.description],
            "D": [self.kind, self.deal],
        }

    def clean_more(self, errors):
        self.code = (self.code or "").strip().upper()
        if self.floors is not None and self.storey is not None and self.storey > self.floors:
            errors["storey"] = _("所在楼层不能高于总层数。")
        if self.single_storey and self.floors is not None and self.floors > 1:
            errors["single_storey"] = _("总层数大于 1 的房源不能标为单层。")
        if (
            self.min_divisible_area is not None
            and self.building_area is not None
            and self.min_divisible_area > self.building_area
        ):
            errors["min_divisible_area"] = _("最小分割面积不能大于建筑面积。")
        if self.deal == self.Deal.RENT and self.rent_price is None and not self.negotiable:
            errors["rent_price"] = _("请填写租金（元/㎡/天），或勾选“面议”。")
        if self.deal == self.Deal.SALE and self.sale_price is None and not self.negotiable:
            errors["sale_price"] = _("请填写售价（万元），或勾选“面议”。")

    @property
    def is_stale(self):
        if self.last_verified_at is None:
            return True
        return self.last_verified_at < timezone.now() - timedelta(days=settings.LISTING_STALE_DAYS)

    @property
    def monthly_rent_wan(self):
        """Monthly total in 万元 at 30 days: price × area × 30 ÷ 10,000."""
        if self.rent_price is None or self.building_area is None:
            return None
        return (self.rent_price * self.building_area * 30 / Decimal(10000)).quantize(
            Decimal("0.01")
        )

    @property
    def asking_price(self):
        """The one price rule: a rent listing asks its rent, a sale its sale price; None
        (面议) when negotiable or when the deal's price is not given."""
        if self.negotiable:
            return None
        return self.rent_price if self.deal == self.Deal.RENT else self.sale_price

    @property
    def price(self):
        """The asking price with its unit (元/㎡/天 with the monthly total, or 万元)."""
        amount = self.asking_price
        if amount is None:
            return Price(None)
        if self.deal == self.Deal.RENT:
            return Price(amount, _("元/㎡/天"), self.monthly_rent_wan)
        return Price(amount, _("万元"))

    @property
    def price_text(self):
        """The price in plain text: "1.2 元/㎡/天", "2500 万元" or "面议"."""
        return str(self.price)

    @property
    def is_divisible(self):
        return self.min_divisible_area is not None and self.min_divisible_area < self.building_area

    @property
    def cover(self):
        """The first picture; uses the prefetched pictures when a list view has them."""
        images = self.images.all()
        return images[0] if images else None

    @property
    def badges(self):
        badges = []
        if self.eia_approvable:
            badges.append(_("可环评"))
        if self.standalone:
            badges.append(_("独栋"))
        if self.single_storey:
            badges.append(_("单层"))
        if self.crane_tonnage:
            badges.append(_("行车"))
        if self.is_divisible:
            badges.append(_("可分割"))
        return badges

    @property
    def place_name(self):
        return self.park.name if self.park_id and self.park else place_in_language(self.town)

    def map_name(self):
        return self.title

    @property
    def floor_load_tonnes(self):
        if self.floor_load is None:
            return None
        return (Decimal(self.floor_load) / 1000).quantize(Decimal("0.1"))


class ListingImage(ShownOnPublicPages, models.Model):
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="images")
    image = CheckedImageField(_("图片"), upload_to="listings/")
    caption = models.CharField(_("说明"), max_length=100, blank=True)
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("房源图片")
        verbose_name_plural = _("房源图片")


class LandParcelQuerySet(models.QuerySet):
    def translated(self):
        """Rows with their English version (docs/english.md)."""
        return self.filter(translated_q(self.model.english_fields))

    def published(self):
        return self.filter(published_at__isnull=False, published_at__lte=timezone.now())

    def open_for_bidding(self):
        """Announced or open for bids: not sold, not withdrawn, bidding not yet closed."""
        return self.exclude(status__in=LandParcel.FINAL_STATUSES).filter(
            bidding_closes_at__gte=timezone.now()
        )

    def search_text(self, q):
        """Parcels matching q by the site search's rules."""
        return search_filter(self, q)

    def in_status(self, status):
        """Parcels whose status, derived from the dates as `current_status` does, is `status`."""
        Status = LandParcel.Status
        if status in LandParcel.FINAL_STATUSES:
            return self.filter(status=status)
        now = timezone.now()
        live = self.exclude(status__in=LandParcel.FINAL_STATUSES)
        no_dates = Q(bidding_opens_at__isnull=True, bidding_closes_at__isnull=True)
        closed = Q(bidding_closes_at__lt=now)
        if status == Status.CLOSED:
            return live.filter(closed | (no_dates & Q(status=Status.CLOSED)))
        if status == Status.OPEN:
            return live.filter(
                ~closed & (Q(bidding_opens_at__lte=now) | (no_dates & Q(status=Status.OPEN)))
            )
        if status == Status.ANNOUNCED:
            return live.filter(
                ~closed & ~Q(bidding_opens_at__lte=now) & (~no_dates | Q(status=Status.ANNOUNCED))
            )
        return self.none()


class LandParcel(Translated, Place):
    english_fields = ("title", "location")

    class Use(models.TextChoices):
        INDUSTRIAL = "industrial", _("工业用地")
        RND = "rnd", _("研发用地")
        WAREHOUSING = "warehousing", _("仓储用地")
        COMMERCIAL = "commercial", _("商办用地")

    class Method(models.TextChoices):
        LISTING = "listing", _("挂牌")
        AUCTION = "auction", _("拍卖")
        TENDER = "tender", _("招标")

    class Status(models.TextChoices):
        ANNOUNCED = "announced", _("公告中")
        OPEN = "open", _("挂牌中")
        CLOSED = "closed", _("挂牌结束")
        SOLD = "sold", _("已售")
        WITHDRAWN = "withdrawn", _("已撤回")

    # Sold or withdrawn: no longer an offer, and the dates no longer decide the status.
    FINAL_STATUSES = [Status.SOLD, Status.WITHDRAWN]

    code = models.CharField(_("宗地编号"), max_length=40, unique=True, help_text=_("如 YF-19-001"))
    title = models.CharField(_("标题"), max_length=120, blank=True)
    park = models.ForeignKey(
        Park,
        verbose_name=_("园区"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="land_parcels",
    )
    location = models.CharField(_("坐落"), max_length=200)
    boundary_east = models.CharField(_("东至"), max_length=100, blank=True)
    boundary_south = models.CharField(_("南至"), max_length=100, blank=True)
    boundary_west = models.CharField(_("西至"), max_length=100, blank=True)
    boundary_north = models.CharField(_("北至"), max_length=100, blank=True)
    land_use = models.CharField(_("用地性质"), max_length=12, choices=Use, default=Use.INDUSTRIAL)
    area = models.DecimalField(
        _("出让面积（㎡）"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    plot_ratio_min = models.DecimalField(
        _("容积率下限"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    plot_ratio_max = models.DecimalField(
        _("容积率上限"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    building_density = models.DecimalField(
        _("建筑密度（%）"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    green_ratio = models.DecimalField(
        _("绿地率（%）"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    height_limit = models.DecimalField(
        _("建筑限高（m）"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    lease_years = models.PositiveSmallIntegerField(
        _("出让年限（年）"), default=50, validators=[MaxValueValidator(70)]
    )
    investment_intensity = models.DecimalField(
        _("投资强度（万元/亩）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    tax_per_mu = models.DecimalField(
        _("亩均税收要求（万元/亩/年）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("出让合同约定的达产后亩均税收下限；留空表示未规定。"),
    )
    method = models.CharField(_("出让方式"), max_length=10, choices=Method, default=Method.LISTING)
    announcement_no = models.CharField(_("公告编号"), max_length=60, blank=True)
    announced_at = models.DateTimeField(_("公告时间"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("报名截止"), null=True, blank=True)
    bidding_opens_at = models.DateTimeField(_("挂牌开始"), null=True, blank=True)
    bidding_closes_at = models.DateTimeField(_("挂牌截止"), null=True, blank=True)
    starting_price = models.DecimalField(
        _("起始价（万元）"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    deposit = models.DecimalField(
        _("保证金（万元）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    increment = models.DecimalField(
        _("加价幅度（万元）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=Status,
        default=Status.ANNOUNCED,
        help_text=_("除已成交或已撤回外，状态按日期自动推算。"),
    )
    result_price = models.DecimalField(
        _("成交价（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    winner = models.CharField(_("竞得人"), max_length=100, blank=True)
    notes = models.TextField(_("备注"), blank=True, help_text=_("出让条件、配套等补充说明。"))
    source_url = models.URLField(_("来源链接"), max_length=500, blank=True)
    agent = models.ForeignKey(
        Agent,
        verbose_name=_("招商顾问"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="land_parcels",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    featured = models.BooleanField(_("推荐"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # English full-text search (docs/english.md): written on save from these fields.
    english_search = {
        "A": ["code", "title_en"],
        "B": [
            "location_en",
            "boundary_east_en",
            "boundary_south_en",
            "boundary_west_en",
            "boundary_north_en",
        ],
        "C": ["notes_en"],
    }
    search_vector_en = SearchVectorField(null=True, editable=False)

    objects = LandParcelQuerySet.as_manager()

    class Meta:
        ordering = ["-announced_at", "-pk"]
        verbose_name = _("土地")
        verbose_name_plural = _("土地")
        constraints = [
            models.CheckConstraint(condition=Q(area__gte=0), name="parcel_area_non_negative"),
            models.CheckConstraint(
                condition=Q(starting_price__gte=0), name="parcel_starting_price_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(deposit__isnull=True) | Q(deposit__gte=0),
                name="parcel_deposit_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(increment__isnull=True) | Q(increment__gte=0),
                name="parcel_increment_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(result_price__isnull=True) | Q(result_price__gte=0),
                name="parcel_result_price_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(investment_intensity__isnull=True) | Q(investment_intensity__gte=0),
                name="parcel_investment_intensity_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(plot_ratio_min__isnull=True)
                | Q(plot_ratio_max__isnull=True)
                | Q(plot_ratio_min__lte=models.F("plot_ratio_max")),
                name="parcel_plot_ratio_range",
            ),
            models.CheckConstraint(
                condition=Q(bidding_opens_at__isnull=True)
                | Q(bidding_closes_at__isnull=True)
                | Q(bidding_opens_at__lte=models.F("bidding_closes_at")),
                name="parcel_bidding_window_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "bidding_closes_at"]),
            models.Index(fields=["town"]),
            models.Index(fields=["land_use"]),
            models.Index(fields=["area"]),
            models.Index(fields=["starting_price"]),
            GinIndex(fields=["search_vector"], name="parcel_search_vector"),
            GinIndex(fields=["search_vector_en"], name="parcel_search_vector_en"),
        ]

    def __str__(self):
        return f"{self.code} {self.location}"

    def get_absolute_url(self):
        return reverse("listings:land-detail", kwargs={"pk": self.pk})

    search_related = ("park",)
    search_area_fields = ("area", None)

    def search_document(self):
        park = self.park if self.park_id else None
        return {
            "A": [self.code, self.title],
            "B": labels(
                park.name if park else "",
                self.district,
                self.town,
                self.location,
                self.get_land_use_display(),
                self.get_method_display(),
                self.announcement_no,
            ),
            "C": [self.boundary_east, self.boundary_south, self.boundary_west, self.boundary_north],
            "D": [self.land_use],
        }

    @property
    def area_mu(self):
        return (self.area / SQM_PER_MU).quantize(Decimal("0.01"))

    @property
    def price_per_mu(self):
        """Starting price in 万元/亩."""
        if not self.area or self.starting_price is None:
            return None
        return (self.starting_price * SQM_PER_MU / self.area).quantize(Decimal("0.1"))

    @property
    def price_per_sqm(self):
        """Starting price in 元/㎡."""
        if not self.area or self.starting_price is None:
            return None
        return (self.starting_price * 10000 / self.area).quantize(Decimal("1"))

    @property
    def current_status(self):
        """The status the dates say, unless the parcel was sold or withdrawn."""
        if self.status in self.FINAL_STATUSES:
            return self.status
        now = timezone.now()
        opens, closes = self.bidding_opens_at, self.bidding_closes_at
        if opens is None and closes is None:
            return self.status
        if closes is not None and closes < now:
            return self.Status.CLOSED
        if opens is not None and opens <= now:
            return self.Status.OPEN
        return self.Status.ANNOUNCED

    def get_current_status_display(self):
        return self.Status(self.current_status).label

    @property
    def next_event(self):
        """(label, time) of the next date in the announcement, or None."""
        if self.current_status in self.FINAL_STATUSES:
            return None
        now = timezone.now()
        events = [
            (_("报名截止"), self.registration_closes_at),
            (_("挂牌开始"), self.bidding_opens_at),
            (_("挂牌截止"), self.bidding_closes_at),
        ]
        upcoming = sorted((when, label) for label, when in events if when and when > now)
        if not upcoming:
            return None
        when, label = upcoming[0]
        return label, when

    def map_name(self):
        return f"{self.code} {self.location}"

    def clean_more(self, errors):
        self.code = (self.code or "").strip().upper()
        if (
            self.plot_ratio_min is not None
            and self.plot_ratio_max is not None
            and self.plot_ratio_min > self.plot_ratio_max
        ):
            errors["plot_ratio_max"] = _("容积率上限不能小于下限。")
        if (
            self.bidding_opens_at
            and self.bidding_closes_at
            and self.bidding_opens_at > self.bidding_closes_at
        ):
            errors["bidding_closes_at"] = _("挂牌截止时间不能早于挂牌开始时间。")
        if (
            self.registration_closes_at
            and self.bidding_closes_at
            and self.registration_closes_at > self.bidding_closes_at
        ):
            errors["registration_closes_at"] = _("报名截止时间不能晚于挂牌截止时间。")
        if (
            self.announced_at
            and self.registration_closes_at
            and self.announced_at > self.registration_closes_at
        ):
            errors["announced_at"] = _("公告时间不能晚于报名截止时间。")
        if self.status == self.Status.SOLD and self.result_price is None:
            errors["result_price"] = _("已成交的地块请填写成交价（万元）。")
