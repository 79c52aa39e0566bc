import re
from datetime import timedelta
from email.utils import parseaddr
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, ProgrammingError, connection, models, transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from articles.models import Article
from core.pages import ShownOnPublicPages, pages_changed
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
        SHARED_LINK = "shared_link", _("顾问分享链接")

    CLOSED_STATUSES = (Status.WON, Status.LOST, Status.SPAM)

    reference = models.CharField(_("编号"), max_length=24, unique=True, editable=False)
    name = models.CharField(_("联系人"), max_length=50)
    # 11 digits for a mainland mobile; E.164 ("+4915123456789", at most 16 characters)
    # for a number given on the English form.
    mobile = models.CharField(_("手机号"), max_length=16, blank=True, db_index=True)
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
    requirement = models.CharField(
        _("匹配条件"),
        max_length=1000,
        blank=True,
        help_text=_("从“智能匹配”页提交时的完整需求（/match/ 的查询参数）。"),
    )

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
    share = models.ForeignKey(
        "leads.Share",
        verbose_name=_("来自分享链接"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries",
    )
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
        if self.mobile.startswith("+") and len(self.mobile) > 9:
            # An international number (E.164): the country code and the last digits.
            return f"{self.mobile[:5]}****{self.mobile[-4:]}"
        return self.mobile

    @property
    def in_english(self):
        """The prospect wrote from the English pages: answer in English."""
        return (self.language or "").startswith("en")

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


def rule_agents_changed(sender, action, **kwargs):
    """A rule's agents are part of what routing keeps per process (services.routing_table)
    and of no row's save(): renew the version it is kept under."""
    if action in ("post_add", "post_remove", "post_clear"):
        pages_changed()


m2m_changed.connect(rule_agents_changed, sender=RoutingRule.agents.through)


SEQUENCE_NAME = re.compile(r"[a-z0-9_]{1,60}")


def next_in_sequence(name):
    """The next value of the PostgreSQL sequence `leads_<name>`, made on first use.

    Daily reference numbers and rotation positions come from sequences: nextval() takes
    no row lock and is not undone by a rollback, so concurrent submissions never wait
    for one another (a rolled-back submission leaves a gap, nothing worse)."""
    if not SEQUENCE_NAME.fullmatch(name):
        raise ValueError(f"bad sequence name {name!r}")
    sequence = f"leads_{name}"
    with connection.cursor() as cursor:
        for _try in range(3):
            # One round trip when it exists; NULL instead of an error (which would abort
            # the transaction) when it does not: nextval() of NULL is NULL.
            cursor.execute("SELECT nextval(to_regclass(%s))", [sequence])
            value = cursor.fetchone()[0]
            if value is not None:
                return value
            try:
                with transaction.atomic():
                    cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence}")
            except (IntegrityError, ProgrammingError):
                pass  # made at the same moment by another submission: use theirs
    raise RuntimeError(f"the sequence {sequence} could not be made")


def drop_old_reference_sequences(today, keep_days=2):
    """Daily reference sequences of past days are never used again."""
    cutoff = int((today - timedelta(days=keep_days)).strftime("%Y%m%d"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'S' AND relname ~ '^leads_ref_[0-9]{8}$'"
        )
        old = [n for (n,) in cursor.fetchall() if n[10:].isdigit() and int(n[10:]) < cutoff]
        for name in old:
            cursor.execute(f"DROP SEQUENCE IF EXISTS {name}")
    return len(old)


class RateCount(models.Model):
    """Inquiry submissions counted per key (scope, hashed visitor, fixed window) for the
    rate limits: one INSERT … ON CONFLICT … RETURNING counts and reads them all (see
    count_submissions), instead of a cache's read-modify-write round trips. Rows of
    past windows are dropped by the periodic job."""

    key = models.CharField(max_length=80, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("提交计数")
        verbose_name_plural = _("提交计数")

    def __str__(self):
        return f"{self.key}: {self.count}"


def count_submissions(keys, expires_at):
    """Add one to each key's counter (made at 1 if new) and return {key: count}, in one
    statement that commits on its own; keys in a fixed order so two submissions that
    share keys lock them in the same order."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO leads_ratecount (key, count, expires_at) "
            "SELECT k, 1, %s FROM unnest(%s::varchar[]) AS k ORDER BY k "
            "ON CONFLICT (key) DO UPDATE SET count = leads_ratecount.count + 1 "
            "RETURNING key, count",
            [expires_at, keys],
        )
        return dict(cursor.fetchall())


def check_stamp_and_count(nonce, keys, expires_at):
    """One round trip for a submission about to be saved: whether an inquiry already
    used the form stamp `nonce` ((pk, mobile) of it, or None), and, only when none did,
    count one submission against each rate-limit key as count_submissions does.

    Returns (used, {key: count}); the counts are empty when the stamp was used."""
    keys = sorted(set(keys))
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH used AS ("
            "  SELECT id, mobile FROM leads_inquiry WHERE submission_token = %s"
            "), counted AS ("
            "  INSERT INTO leads_ratecount (key, count, expires_at) "
            "  SELECT k, 1, %s FROM unnest(%s::varchar[]) AS k "
            "  WHERE NOT EXISTS (SELECT 1 FROM used) ORDER BY k "
            "  ON CONFLICT (key) DO UPDATE SET count = leads_ratecount.count + 1 "
            "  RETURNING key, count"
            ") "
            "SELECT id, mobile, NULL, NULL FROM used "
            "UNION ALL SELECT NULL, NULL, key, count FROM counted",
            [nonce, expires_at, keys],
        )
        used, counts = None, {}
        for pk, mobile, key, count in cursor.fetchall():
            if pk is not None:
                used = (pk, mobile)
            else:
                counts[key] = count
        return used, counts


def drop_expired_rate_counts(now=None):
    return RateCount.objects.filter(expires_at__lt=now or timezone.now()).delete()[0]


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
        MATCHES_SENT = "matches", _("发送匹配推荐")

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
        # Local time: the admin prints this above each timeline row.
        return f"{self.get_kind_display()} {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"


class NotificationQuerySet(models.QuerySet):
    def late(self, now=None):
        """Still pending LEAD_NOTIFY_LATE_MINUTES after it was created."""
        now = now or timezone.now()
        cutoff = now - timedelta(minutes=settings.LEAD_NOTIFY_LATE_MINUTES)
        return self.filter(state=Notification.State.PENDING, created_at__lt=cutoff)

    def problems(self, now=None):
        """Failed or late deliveries about inquiries still open from the last 30 days:
        what the admin banner counts."""
        now = now or timezone.now()
        cutoff = now - timedelta(minutes=settings.LEAD_NOTIFY_LATE_MINUTES)
        return self.filter(
            Q(state=Notification.State.FAILED)
            | Q(state=Notification.State.PENDING, created_at__lt=cutoff),
            inquiry__created_at__gte=now - timedelta(days=30),
        ).exclude(inquiry__status__in=Inquiry.CLOSED_STATUSES)

    def concerning(self, agent):
        """Deliveries to the agent or about inquiries assigned to them."""
        return self.filter(Q(agent=agent) | Q(inquiry__assigned_agent=agent))


class Notification(models.Model):
    """One message to deliver about one inquiry. The unique key makes enqueueing it
    idempotent. A worker claims it with a short lease committed before sending
    (lease_until), and marks it sent after the channel accepted it; a lease that
    expires (worker killed, database lost mid-send) lets another attempt take it, which
    is then flagged as a possible duplicate."""

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
        UNDELIVERED = "undelivered", _("通知失败上报")

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
    lease_until = models.DateTimeField(
        _("发送占用至"),
        null=True,
        blank=True,
        help_text=_("一个发送进程正在发送；到期未完成则由其他进程重试。"),
    )
    possible_duplicate = models.BooleanField(
        _("可能重复"),
        default=False,
        help_text=_("某次发送中途中断，之后的重发可能让对方收到两次。"),
    )
    about = models.ForeignKey(
        "self",
        verbose_name=_("所报告的通知"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        help_text=_("通知失败上报：最终未能送达的那条通知。"),
    )
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(
                fields=["created_at"],
                name="leads_notification_open",
                condition=Q(state="pending") | Q(state="failed"),
            ),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} · {self.get_purpose_display()}"

    @property
    def message_id(self):
        """The same Message-ID on every attempt, so a mail client shows a resend as one
        message and a duplicate can be recognised."""
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]
        stamp = int(self.created_at.timestamp())
        return f"<notification-{self.pk}-{stamp}@{domain or 'g60portal.localhost'}>"


class Share(models.Model):
    """An agent's share link for one page: the ?ref= of the link names this row.

    One row per agent and page, so the link (and the QR code on a poster) stays the same
    however often the agent shares it; made_count counts how often they did."""

    agent = models.ForeignKey(
        Agent, verbose_name=_("招商顾问"), on_delete=models.CASCADE, related_name="shares"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=SourceKind)
    object_id = models.PositiveBigIntegerField(_("对象编号"))
    path = models.CharField(_("页面地址"), max_length=500)
    made_count = models.PositiveIntegerField(_("分享次数"), default=0)
    created_at = models.DateTimeField(_("首次分享时间"), default=timezone.now)
    last_made_at = models.DateTimeField(_("最近分享时间"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-last_made_at", "-pk"]
        verbose_name = _("分享链接")
        verbose_name_plural = _("分享链接")
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "kind", "object_id"], name="share_one_per_agent_and_page"
            )
        ]

    def __str__(self):
        return f"{self.agent} · {self.path}"


class ShareMade(models.Model):
    """One time an agent made their link of a page, or its poster: the log behind the
    "shares made" figures."""

    class Form(models.TextChoices):
        LINK = "link", _("链接")
        POSTER = "poster", _("海报")

    share = models.ForeignKey(
        Share, verbose_name=_("分享链接"), on_delete=models.CASCADE, related_name="made"
    )
    form = models.CharField(_("形式"), max_length=6, choices=Form, default=Form.LINK)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("分享记录")
        verbose_name_plural = _("分享记录")

    def __str__(self):
        return f"{self.share} {self.get_form_display()}"


class ShareVisit(models.Model):
    """A visitor who arrived through a share link (the visitor keeps it in a cookie)."""

    share = models.ForeignKey(
        Share, verbose_name=_("分享链接"), on_delete=models.CASCADE, related_name="visits"
    )
    created_at = models.DateTimeField(_("访问时间"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("分享访问")
        verbose_name_plural = _("分享访问")

    def __str__(self):
        return f"{self.share} {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"


class SubscriptionQuerySet(models.QuerySet):
    def active(self):
        """Confirmed and not unsubscribed: these receive digests."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)

    def due(self, now=None):
        """Active and past ALERT_DIGEST_HOURS since their last digest."""
        now = now or timezone.now()
        cutoff = now - timedelta(hours=settings.ALERT_DIGEST_HOURS)
        return self.active().filter(Q(last_sent_at__isnull=True) | Q(last_sent_at__lte=cutoff))


class Subscription(models.Model):
    """A saved search: a /listings/ or /land/ filter or a /match/ requirement, whose new
    results are e-mailed as a digest (double opt-in, one-click unsubscribe)."""

    class Scope(models.TextChoices):
        LISTINGS = "listings", _("房源筛选")
        LAND = "land", _("土地筛选")
        MATCH = "match", _("智能匹配")

    email = models.EmailField(_("邮箱"), db_index=True)
    scope = models.CharField(_("范围"), max_length=10, choices=Scope)
    query = models.CharField(_("条件"), max_length=1000, blank=True)
    token = models.CharField(max_length=64, unique=True, editable=False)
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    created_at = models.DateTimeField(_("订阅时间"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("退订时间"), null=True, blank=True)
    last_sent_at = models.DateTimeField(_("最近推送"), null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("订阅")
        verbose_name_plural = _("订阅提醒")
        indexes = [models.Index(fields=["confirmed_at", "unsubscribed_at", "last_sent_at"])]

    def __str__(self):
        return f"{self.email} · {self.get_scope_display()}"

    @property
    def is_active(self):
        return self.confirmed_at is not None and self.unsubscribed_at is None

    @property
    def status(self):
        if self.unsubscribed_at:
            return _("已退订")
        return _("生效中") if self.confirmed_at else _("待确认")

    def conditions(self):
        """The saved filter as 'name=value' texts, for people to read (escape on output)."""
        return [f"{k}={v}" for k, values in QueryDict(self.query).lists() for v in values][:20]

    def search_path(self):
        """The page whose results this subscription follows."""
        name = {"listings": "listings:listing-list", "land": "listings:land-list"}.get(
            self.scope, "leads:match"
        )
        return reverse(name) + (f"?{self.query}" if self.query else "")


class SubscriptionItem(models.Model):
    """What a subscription was sent: the same listing never goes twice."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=10)  # listing / land
    object_id = models.PositiveBigIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("已推送")
        verbose_name_plural = _("已推送")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "kind", "object_id"], name="subscription_item_once"
            )
        ]
