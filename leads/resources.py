"""Inquiry exports (django-import-export): the columns managers get in Excel and CSV.

Every cell is text as a manager reads it: choices by their label, times in Shanghai
time, people and subjects by name. Formula escaping is the export format's job
(settings.IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT, core.exports)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from leads.models import SUBJECT_FIELDS, Inquiry


class TextWidget(widgets.Widget):
    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if hasattr(value, "tzinfo"):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        return str(value).replace("\x00", "")


def column(attribute, label):
    return fields.Field(attribute=attribute, column_name=label, widget=TextWidget())


class InquiryResource(resources.ModelResource):
    reference = column("reference", _("编号"))
    created_at = column("created_at", _("提交时间"))
    status = column("get_status_display", _("状态"))
    name = column("name", _("联系人"))
    mobile = column("mobile", _("手机号"))
    wechat_id = column("wechat_id", _("微信号"))
    email = column("email", _("邮箱"))
    company = column("company", _("公司"))
    need_kind = column("get_need_kind_display", _("需求类型"))
    need_deal = column("get_need_deal_display", _("租或买"))
    need_area = column("need_area", _("需求面积（㎡）"))
    need_budget = column("need_budget", _("预算"))
    industry = column("industry", _("用途/行业"))
    expected_tax = column("expected_tax", _("预计年纳税（万元）"))
    message = column("message", _("留言"))
    source_kind = column("get_source_kind_display", _("来源"))
    subject = column("subject", _("咨询对象"))
    assigned_agent = column("assigned_agent", _("招商顾问"))
    routing_reason = column("get_routing_reason_display", _("分配依据"))
    first_contacted_at = column("first_contacted_at", _("首次联系时间"))
    duplicate_of = column("duplicate_of__reference", _("重复于"))
    utm_source = column("utm_source", "utm_source")
    utm_medium = column("utm_medium", "utm_medium")
    utm_campaign = column("utm_campaign", "utm_campaign")

    class Meta:
        model = Inquiry
        fields = [
            "reference",
            "created_at",
            "status",
            "name",
            "mobile",
            "wechat_id",
            "email",
            "company",
            "need_kind",
            "need_deal",
            "need_area",
            "need_budget",
            "industry",
            "expected_tax",
            "message",
            "source_kind",
            "subject",
            "assigned_agent",
            "routing_reason",
            "first_contacted_at",
            "duplicate_of",
            "utm_source",
            "utm_medium",
            "utm_campaign",
        ]
        export_order = fields
        chunk_size = 500

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("assigned_agent", "duplicate_of", *SUBJECT_FIELDS).order_by(
            "created_at", "pk"
        )
