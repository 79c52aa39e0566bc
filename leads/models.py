from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from articles.models import Article
from core.pages import ShownOnPublicPages
from listings.models import Agent, LandParcel, Listing, Park
from listings.permissions import is_manager


class NeedKind(models.TextChoices):
    FACTORY = "factory", pgettext_lazy("listing kind", "厂房")
    WAREHOUSE = "warehouse", pgettext_lazy("listing kind", "仓库")
    OFFICE = "office", _("办公研发")
    LAND = "land", _("工业用地")
    OTHER = "other", _("其他")


class SourceKind(models.TextChoices):
    LISTING = "listing", _("房源")
    LAND = "land", _("土地")
    PARK = "park", _("园区")
    ARTICLE = "article", _("文章")
    GENERAL = "general", _("通用表单")


class SubjectKind(NamedTuple):
    """What an inquiry may be about: one row per kind of page with an inquiry form."""

    source: SourceKind  # its value is also the kind named in signed form references
    field: str  # the Inquiry foreign key that holds it
    model: type[models.Model]
    related: tuple[str, ...]  # select_related when loading it for routing

    @property
    def key(self):
        return self.source.value

    @property
    def label(self):
        return self.source.label


SUBJECT_KINDS = (
    SubjectKind(SourceKind.LISTING, "listing", Listing, ("agent", "park__agent")),
    SubjectKind(SourceKind.LAND, "land_parcel", LandParcel, ("agent", "park__agent")),
    SubjectKind(SourceKind.PARK, "park", Park, ("agent",)),
    SubjectKind(SourceKind.ARTICLE, "article", Article, ()),
)
SUBJECT_BY_KEY = {kind.key: kind for kind in SUBJECT_KINDS}
SUBJECT_BY_MODEL = {kind.model: kind for kind in SUBJECT_KINDS}
SUBJECT_FIELDS = tuple(kind.field for kind in SUBJECT_KINDS)


def subject_kind_of(obj):
    """The SubjectKind of an object, or None when inquiries cannot be about it."""
    return SUBJECT_BY_MODEL.get(type(obj)) if obj is not None else None


class InquiryQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=Inquiry.CLOSED_STATUSES)

    def closed(self):
        return self.filter(status__in=Inquiry.CLOSED_STATUSES)

    def overdue(self, now=None):
        """Still new after LEAD_SLA_MINUTES since it was (re)assigned, not yet escalated."""
        now = now or timezone.now()
        cutoff = now - timedelta(minutes=settings.LEAD_SLA_MINUTES)
        return self.filter(status=Inquiry.Status.NEW, escalated_at__isnull=True).filter(
            Q(assigned_at__lt=cutoff) | Q(assigned_at__isnull=True, created_at__lt=cutoff)
        )

    def sla_breached(self):
        """Left new past the SLA, or answered later than the SLA allowed."""
        sla = timedelta(minutes=settings.LEAD_SLA_MINUTES)
        late_answer = Q(first_contacted_at__gt=models.F("created_at") + sla)
        still_new = Q(status=Inquiry.Status.NEW, created_at__lt=timezone.now() - sla)
        return self.filter(late_answer | still_new)

    def visible_to(self, user):
        """Managers see every inquiry; an agent only those assigned to them."""
        if is_manager(user):
            return self
        return self.filter(assigned_agent__user=user, assigned_agent__isnull=False)


class Inquiry(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("新咨询")
        CONTACTED = "contacted", _("已联系")
        VISITING = "visiting", _("带看中")
        NEGOTIATING = "negotiating", _("洽谈中")
        WON = "won", _("已成交")
        LOST = "lost", _("未成交")
        SPAM = "spam", _("无效")

    class Deal(models.TextChoices):
        RENT = "rent", _("租")
        BUY = "sale", _("买")

    class RoutingReason(models.TextChoices):
        OBJECT = "object", _("所咨询对象的顾问")
        DUPLICATE = "duplicate", _("重复咨询，沿用原顾问")
        RULE = "rule", _("分配规则轮转")
        ROTATION = "rotation", _("全员轮转")
        UNASSIGNED = "unassigned", _("无可分配顾问，已通知主管")
        MANUAL = "manual", _("主管改派")
        SLA = "sla", _("超时改派")

    CLOSED_STATUSES = (Status.WON, Status.LOST, Status.SPAM)

    reference = models.CharField(_("编号"), max_length=24, unique=True, editable=False)
    name = models.CharField(_("联系人"), max_length=50)
    mobile = models.CharField(_("手机号"), max_length=11, blank=True, db_index=True)
    wechat_id = models.CharField(_("微信号"), max_length=50, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    company = models.CharField(_("公司"), max_length=100, blank=True)
    need_kind = models.CharField(_("需求类型"), max_length=10, choices=NeedKind, blank=True)
    need_deal = models.CharField(_("租或买"), max_length=5, choices=Deal, blank=True)
    need_area = models.PositiveIntegerField(
        _("需求面积（㎡）"), null=True, blank=True, validators=[MaxValueValidator(10_000_000)]
    )
    need_budget = models.CharField(_("预算"), max_length=50, blank=True)
    industry = models.CharField(_("用途/行业"), max_length=100, blank=True)
    expected_tax = models.DecimalField(
        _("预计年纳税（万元）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    message = models.TextField(_("留言"), max_length=2000, blank=True)

    source_kind = models.CharField(
        _("来源"), max_length=10, choices=SourceKind, default=SourceKind.GENERAL
    )
    listing = models.ForeignKey(
        "listings.Listing",
        verbose_name=_("房源"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries",
    )
    land_parcel = models.ForeignKey(
        "listings.LandParcel",
        verbose_name=_("土地"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries",
    )
    park = models.ForeignKey(
        "listings.Park",
        verbose_name=_("园区"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries",
    )
    article = models.ForeignKey(
        "articles.Article",
        verbose_name=_("文章"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries",
    )
    page_url = models.CharField(_("页面地址"), max_length=500, blank=True)
    referrer = models.CharField(_("来源页面"), max_length=500, blank=True)
    utm_source = models.CharField("utm_source", max_length=100, blank=True)
    utm_medium = models.CharField("utm_medium", max_length=100, blank=True)
    utm_campaign = models.CharField("utm_campaign", max_length=100, blank=True)
    utm_term = models.CharField("utm_term", max_length=100, blank=True)
    utm_content = models.CharField("utm_content", max_length=100, blank=True)
    ip_address = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    language = models.CharField(_("语言"), max_length=10, default="zh-hans", editable=False)
    consent_at = models.DateTimeField(_("同意隐私政策时间"), null=True, blank=True)
    submission_token = models.CharField(max_length=64, unique=True, null=True, editable=False)

    status = models.CharField(_("状态"), max_length=12, choices=Status, default=Status.NEW)
    assigned_agent = models.ForeignKey(
        Agent,
        verbose_name=_("招商顾问"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries",
    )
    assigned_at = models.DateTimeField(_("分配时间"), null=True, blank=True)
    routing_reason = models.CharField(
        _("分配依据"), max_length=12, choices=RoutingReason, blank=True
    )
    routing_rule = models.ForeignKey(
        "leads.RoutingRule",
        verbose_name=_("分配规则"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries",
    )
    reassign_count = models.PositiveSmallIntegerField(_("超时改派次数"), default=0)
    escalated_at = models.DateTimeField(_("上报主管时间"), null=True, blank=True)
    first_contacted_at = models.DateTimeField(_("首次联系时间"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("重复于"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="repeats",
    )
    anonymized_at = models.DateTimeField(_("匿名化时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InquiryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("咨询")
        verbose_name_plural = _("咨询记录")
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["assigned_agent", "status"]),
            models.Index(fields=["mobile", "created_at"]),
        ]
        permissions = [
            ("export_inquiry", _("可以导出咨询")),
            ("view_dashboard", _("可以查看咨询统计看板")),
        ]

    def __str__(self):
        return f"{self.reference} {self.name}"

    def get_admin_url(self):
        return reverse("admin:leads_inquiry_change", args=[self.pk])

    @property
    def is_closed(self):
        return self.status in self.CLOSED_STATUSES

    @property
    def masked_mobile(self):
        if len(self.mobile) == 11:
            return f"{self.mobile[:3]}****{self.mobile[-4:]}"
        return self.mobile

    @property
    def subject(self):
        """The attached object, if any."""
        for kind in SUBJECT_KINDS:
            if getattr(self, f"{kind.field}_id") is not None:
                return getattr(self, kind.field)
        return None

    @property
    def sla_due_at(self):
        start = self.assigned_at or self.created_at
        return start + timedelta(minutes=settings.LEAD_SLA_MINUTES)

    @property
    def is_overdue(self):
        return self.status == self.Status.NEW and timezone.now() > self.sla_due_at


class RoutingRule(ShownOnPublicPages, models.Model):
    """Who gets inquiries that no attached object's agent takes: the first active rule
    whose conditions all hold, by priority, rotating through its agents."""

    name = models.CharField(_("名称"), max_length=100)
    priority = models.PositiveIntegerField(
        _("优先级"), default=100, help_text=_("数字越小越先匹配。")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    kind = models.CharField(
        _("需求类型"), max_length=10, choices=NeedKind, blank=True, help_text=_("留空表示不限。")
    )
    deal = models.CharField(
        _("租或买"), max_length=5, choices=Inquiry.Deal, blank=True, help_text=_("留空表示不限。")
    )
    town = models.CharField(_("镇/街道"), max_length=20, blank=True, help_text=_("留空表示不限。"))
    park = models.ForeignKey(
        "listings.Park",
        verbose_name=_("园区"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("留空表示不限。"),
    )
    area_min = models.PositiveIntegerField(_("面积下限（㎡）"), null=True, blank=True)
    area_max = models.PositiveIntegerField(_("面积上限（㎡）"), null=True, blank=True)
    agents = models.ManyToManyField(
        Agent,
        verbose_name=_("轮转顾问"),
        related_name="routing_rules",
        help_text=_("按顺序轮流分配；只分配给在职且接收咨询的顾问。"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "pk"]
        verbose_name = _("分配规则")
        verbose_name_plural = _("分配规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(area_min__isnull=True)
                | Q(area_max__isnull=True)
                | Q(area_min__lte=models.F("area_max")),
                name="routingrule_area_range_ordered",
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if (
            self.area_min is not None
            and self.area_max is not None
            and self.area_min > self.area_max
        ):
            raise ValidationError({"area_max": _("面积上限不能小于下限。")})

    def matches(self, facts):
        """facts: dict with kind, deal, town, park_id, area (any may be None)."""
        if self.kind and facts.get("kind") != self.kind:
            return False
        if self.deal and facts.get("deal") != self.deal:
            return False
        if self.town and facts.get("town") != self.town:
            return False
        if self.park_id and facts.get("park_id") != self.park_id:
            return False
        area = facts.get("area")
        if self.area_min is not None and (area is None or area < self.area_min):
            return False
        return not (self.area_max is not None and (area is None or area > self.area_max))


class Counter(models.Model):
    """Named counters advanced atomically: rotation positions and daily reference numbers."""

    key = models.CharField(max_length=60, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("计数器")
        verbose_name_plural = _("计数器")

    def __str__(self):
        return f"{self.key}={self.value}"

    @classmethod
    def advance(cls, key):
        """Add one and return the new value. The upsert keeps the row locked until the
        surrounding transaction ends, so concurrent submissions take turns: that is what
        keeps the rotation fair (one query instead of get_or_create + select_for_update)."""
        table = connection.ops.quote_name(cls._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (key, value) VALUES (%s, 1) "  # noqa: S608 - table name is ours
                f"ON CONFLICT (key) DO UPDATE SET value = {table}.value + 1 RETURNING value",
                [key],
            )
            return cursor.fetchone()[0]


class InquiryEvent(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", _("已提交")
        ASSIGNED = "assigned", _("分配")
        REASSIGNED = "reassigned", _("改派")
        ESCALATED = "escalated", _("上报主管")
        STATUS = "status", _("状态变更")
        NOTE = "note", _("跟进记录")
        NOTIFICATION_SENT = "notify_ok", _("通知已发送")
        NOTIFICATION_FAILED = "notify_fail", _("通知发送失败")
        EXPORT = "export", _("导出")
        ANONYMIZED = "anonymized", _("匿名化")

    inquiry = models.ForeignKey(
        Inquiry,
        verbose_name=_("咨询"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        help_text=_("导出等涉及多条咨询的事件不指向单条咨询。"),
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    agent = models.ForeignKey(
        Agent,
        verbose_name=_("招商顾问"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    message = models.TextField(_("内容"), blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("咨询动态")
        verbose_name_plural = _("咨询动态")

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """One message to deliver about one inquiry. The unique key makes enqueueing it
    idempotent; it is marked sent only after the channel accepted it."""

    class Channel(models.TextChoices):
        AGENT_EMAIL = "agent_email", _("顾问邮件")
        AGENT_WEBHOOK = "agent_hook", _("顾问群机器人")
        SITE_WEBHOOK = "site_hook", _("平台群机器人")
        MANAGERS_EMAIL = "mgr_email", _("主管邮件")
        PROSPECT_EMAIL = "prospect", _("客户确认邮件")

    class Purpose(models.TextChoices):
        NEW = "new", _("新咨询")
        REPEAT = "repeat", _("重复咨询")
        REASSIGNED = "reassigned", _("改派")
        UNASSIGNED = "unassigned", _("无人接收")
        ESCALATED = "escalated", _("超时上报")
        CONFIRMATION = "confirm", _("提交确认")

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    key = models.CharField(max_length=120, unique=True)
    inquiry = models.ForeignKey(
        Inquiry, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("咨询")
    )
    channel = models.CharField(_("渠道"), max_length=12, choices=Channel)
    purpose = models.CharField(_("事由"), max_length=12, choices=Purpose)
    agent = models.ForeignKey(
        Agent,
        verbose_name=_("招商顾问"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recipient = models.CharField(_("收件人"), max_length=500, blank=True)
    state = models.CharField(_("发送状态"), max_length=8, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self):
        return f"{self.get_channel_display()} · {self.get_purpose_display()}"
