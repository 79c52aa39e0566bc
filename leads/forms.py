import hashlib
import re
import secrets
import time
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from phonenumbers import (
    NumberParseException,
    PhoneNumberFormat,
    PhoneNumberType,
    format_number,
    is_valid_number,
    number_type,
)
from phonenumbers import parse as parse_phone_number

from leads.models import (
    SUBJECT_BY_KEY,
    Inquiry,
    NeedKind,
    Subscription,
    check_stamp_and_count,
    count_submissions,
    subject_kind_of,
)
from listings.forms import ALL, FilterForm, FlagField, number_field
from listings.models import PARK_CHOICES_CACHE_KEY, Park
from listings.places import TOWNS, normalize_town, place_label

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# People type +86, 0086, spaces, dashes, dots and brackets around their number.
MOBILE_NOISE_RE = re.compile(r"[\s\-\.\(\)（）\u3000]")

STAMP_SALT = "leads.stamp"
SUBJECT_SALT = "leads.subject"
MATCHES_SALT = "leads.matches"
STAMP_MAX_AGE = 2 * 24 * 3600  # a page left open over a weekend still submits
USED_STAMP_MESSAGE = _("此页面已提交过一次咨询。如需再次提交，请确认信息后重新提交。")

UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
TRACKING_FIELDS = ("page_url", "referrer", *UTM_FIELDS)


def normalize_mobile(raw):
    value = MOBILE_NOISE_RE.sub("", raw or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    return value


MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def international_mobile(raw):
    """A mobile number from anywhere, as E.164 ("+49 151 23456789" → "+4915123456789");
    a mainland number as its 11 digits, as the Chinese form stores it; None if invalid."""
    try:
        number = parse_phone_number((raw or "")[:30], "CN")
    except NumberParseException:
        return None
    if not is_valid_number(number) or number_type(number) not in MOBILE_TYPES:
        return None
    if number.country_code == 86:
        return str(number.national_number)
    return format_number(number, PhoneNumberFormat.E164)


def subject_kind(obj):
    """The short kind ("listing", "land", ...) the inquiry form is shown for."""
    kind = subject_kind_of(obj)
    return kind.key if kind else None


def sign_subject(obj):
    kind = subject_kind(obj)
    if kind is None or obj.pk is None:
        return ""
    return signing.dumps(f"{kind}:{obj.pk}", salt=SUBJECT_SALT)


def load_subject(token):
    """The object a signed reference names, or None when there is none.

    Raises ValidationError when the reference was tampered with."""
    if not token:
        return None
    try:
        value = signing.loads(token, salt=SUBJECT_SALT)
        kind, pk = str(value).split(":", 1)
        subject = SUBJECT_BY_KEY[kind]
        pk = int(pk)
    except (signing.BadSignature, ValueError, KeyError):
        raise ValidationError(
            _("页面信息有误，请刷新页面后重新提交。"), code="bad_subject"
        ) from None
    # A subject deleted since the page was shown is no reason to lose the inquiry.
    queryset = subject.model.objects.all()
    if subject.related:  # select_related() with no names would follow every relation
        queryset = queryset.select_related(*subject.related)
    return queryset.filter(pk=pk).first()


def sign_matches(objects):
    refs = [f"{subject_kind(obj)}:{obj.pk}" for obj in objects if subject_kind(obj)]
    return signing.dumps(refs, salt=MATCHES_SALT) if refs else ""


def load_matches(token):
    """The published objects a signed list of matches names, in its order."""
    try:
        refs = signing.loads(token, salt=MATCHES_SALT) if token else []
        pairs = [
            (SUBJECT_BY_KEY[kind], int(pk)) for kind, pk in (str(r).split(":", 1) for r in refs)
        ]
    except (signing.BadSignature, ValueError, KeyError, TypeError):
        return []
    found = {}
    for kind in {kind for kind, _pk in pairs}:
        pks = [pk for k, pk in pairs if k is kind]
        found.update({(kind, o.pk): o for o in kind.model.objects.published().filter(pk__in=pks)})
    return [found[pair] for pair in pairs[:10] if pair in found]


def new_stamp(shared=False):
    """A signed form stamp: when the form was given out, and a nonce that makes one
    submission of it single-use.

    A shared stamp is the one in a page kept in the page cache, the same for every
    visitor of that page (site.js swaps it for a personal one from /inquiry/token/; a
    visitor without JavaScript sends it as it is). Its submission nonce is made from its
    nonce and the mobile number sent, so that each person's submission of that page is
    single-use and a double click still gives one inquiry."""
    value = {"n": secrets.token_urlsafe(18), "t": int(time.time())}
    if shared:
        value["s"] = 1
    return signing.dumps(value, salt=STAMP_SALT)


def read_stamp(token, max_age=STAMP_MAX_AGE, mobile=""):
    """(submission nonce, issued unix time) from a form stamp, or None when it is not
    ours. `mobile`: the normalized number sent with it (used by shared stamps)."""
    try:
        value = signing.loads(token or "", salt=STAMP_SALT, max_age=max_age)
        nonce, issued = str(value["n"])[:64], int(value["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if value.get("s"):
        digest = hashlib.sha256(f"{nonce}:{mobile}".encode()).hexdigest()[:40]
        nonce = f"s:{digest}"
    return nonce, issued


def rate_limit_key(scope, ident, window):
    digest = hashlib.sha256(f"{scope}:{ident}".encode()).hexdigest()[:32]
    return f"{scope}:{digest}:{window}"


def rate_limit_keys(limits, window=3600):
    """{counter key: (scope, limit)} for (scope, ident, limit) in the current fixed
    window of `window` seconds, and when the window's counters may be dropped."""
    current = int(time.time() // window)
    keys = {rate_limit_key(scope, ident, current): (scope, limit) for scope, ident, limit in limits}
    return keys, timezone.now() + timedelta(seconds=window + 60)


def over_limit(keys, counts):
    return [scope for key, (scope, limit) in keys.items() if counts[key] > limit]


def rate_limits_hit(limits, window=3600):
    """Count one submission against each (scope, ident, limit) in a fixed window of
    `window` seconds, all in one statement; the scopes that are now over their limit."""
    keys, expires_at = rate_limit_keys(limits, window)
    return over_limit(keys, count_submissions(keys, expires_at))


class InquiryForm(forms.ModelForm):
    mobile = forms.CharField(
        label=_("手机号"),
        max_length=30,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel", "maxlength": 30}
        ),
        help_text=_("11位中国大陆手机号，招商顾问将通过此号码联系您。"),
    )
    consent = forms.BooleanField(
        label=_("同意隐私政策"),
        error_messages={"required": _("请勾选同意隐私政策后再提交。")},
    )
    # Honeypot: hidden from people by CSS, filled in by form-stuffing bots.
    website = forms.CharField(
        label=_("网站（请留空）"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)
    subject = forms.CharField(required=False, widget=forms.HiddenInput)
    # From /match/: the spaces shown (signed) and the one the prospect picked, if any
    # (a radio button next to each result, outside the form element).
    # Not "matches": a form control of that name hides the form element's .matches().
    matched = forms.CharField(required=False, widget=forms.HiddenInput)
    pick = forms.CharField(required=False)  # not rendered by the form: see above
    page_url = forms.CharField(required=False, widget=forms.HiddenInput)
    referrer = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_source = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_medium = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_campaign = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_term = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_content = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Inquiry
        fields = [
            "need_kind",
            "need_deal",
            "need_area",
            "need_budget",
            "industry",
            "expected_tax",
            "company",
            "name",
            "mobile",
            "wechat_id",
            "email",
            "message",
            "requirement",
        ]
        labels = {"name": _("您的称呼")}
        help_texts = {
            "industry": _("如：新能源汽车零部件、集成电路封测、生物医药"),
            "expected_tax": _("园区看重亩均税收，可填大致数字"),
            "need_budget": _("如：1元/㎡/天以内，或总价3000万元"),
        }
        widgets = {
            "need_area": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "expected_tax": forms.NumberInput(
                attrs={"inputmode": "decimal", "min": 0, "step": "0.01"}
            ),
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "company": forms.TextInput(attrs={"autocomplete": "organization"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "message": forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
            "requirement": forms.HiddenInput,
        }

    def __init__(self, *args, ip=None, **kwargs):
        self.ip = ip
        self.subject_object = None
        self.nonce = None
        # The pk of the inquiry this very page already sent, by the same mobile (a double
        # click or a resubmitted page): the view answers with its thank-you page.
        self.resubmitted = None
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name in ("need_kind", "need_deal"):
            self.fields[name].choices = [("", _("请选择"))] + list(self.fields[name].choices)[1:]
        # The English form takes a mobile number from any country (E.164).
        self.international = (get_language() or "").startswith("en")
        if self.international:
            self.fields["mobile"].help_text = _(
                "手机号（外国号码请加国际区号，如 +49 151 23456789），招商顾问将通过此号码联系您。"
            )

    # Visitors cannot fix hidden fields: keep what fits instead of refusing.
    def _clean_tracking(self, name, limit):
        value = self.cleaned_data.get(name, "")
        return value.replace("\x00", "")[:limit]

    def clean_page_url(self):
        return self._clean_tracking("page_url", 500)

    def clean_referrer(self):
        return self._clean_tracking("referrer", 500)

    def clean_utm_source(self):
        return self._clean_tracking("utm_source", 100)

    def clean_utm_medium(self):
        return self._clean_tracking("utm_medium", 100)

    def clean_utm_campaign(self):
        return self._clean_tracking("utm_campaign", 100)

    def clean_utm_term(self):
        return self._clean_tracking("utm_term", 100)

    def clean_utm_content(self):
        return self._clean_tracking("utm_content", 100)

    def clean_requirement(self):
        return self._clean_tracking("requirement", 1000)

    def clean_matched(self):
        """The matched objects the page showed; a bad reference is dropped."""
        self.matched_objects = load_matches(self.cleaned_data.get("matched"))
        return self.cleaned_data.get("matched", "")

    def clean_pick(self):
        try:
            self.picked_object = load_subject(self.cleaned_data.get("pick"))
        except ValidationError:
            self.picked_object = None
        return ""

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("请填写您的称呼。"), code="required")
        return name

    def clean_mobile(self):
        mobile = normalize_mobile(self.cleaned_data["mobile"])
        if self.international and not MOBILE_RE.match(mobile):
            mobile = international_mobile(self.cleaned_data["mobile"])
            if mobile is None:
                raise ValidationError(
                    _("请输入带国际区号的手机号，如 +49 151 23456789。"), code="invalid_mobile"
                )
            return mobile
        if not MOBILE_RE.match(mobile):
            raise ValidationError(
                _("请输入11位中国大陆手机号，如 138 0013 8000。"), code="invalid_mobile"
            )
        return mobile

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise ValidationError(_("提交未通过校验，请清空“网站”一栏后重试。"), code="honeypot")
        return ""

    def clean_stamp(self):
        mobile = normalize_mobile(self.data.get("mobile", ""))[:30]
        stamp = read_stamp(self.cleaned_data.get("stamp"), mobile=mobile)
        if stamp is None:
            raise ValidationError(_("页面已过期，请确认信息后再次提交。"), code="bad_stamp")
        self.nonce, issued = stamp
        if time.time() - issued < settings.LEAD_MIN_FILL_SECONDS:
            raise ValidationError(_("提交过快，请稍候几秒再提交。"), code="too_fast")
        # Whether it was used already is asked in clean(), with the rate limits.
        return self.cleaned_data["stamp"]

    def clean_subject(self):
        self.subject_object = load_subject(self.cleaned_data.get("subject"))
        return self.cleaned_data.get("subject", "")

    def clean(self):
        cleaned = super().clean()
        # Count a submission against the limits only when it would be saved otherwise.
        if self._errors:
            return cleaned
        limits = []
        if self.ip:
            limits.append(("ip", self.ip, settings.LEAD_RATE_LIMIT_IP))
        if cleaned.get("mobile"):
            limits.append(("mobile", cleaned["mobile"], settings.LEAD_RATE_LIMIT_MOBILE))
        keys, expires_at = rate_limit_keys(limits)
        # One statement: is the stamp used, and if not, count this submission.
        used, counts = check_stamp_and_count(self.nonce, keys, expires_at)
        if used is not None:
            # Single use, or one stamp would pass the minimum fill time for any number
            # of posts; the same person sending the same page again gets its answer.
            if used[1] == cleaned.get("mobile"):
                self.resubmitted = used[0]
            self.add_error("stamp", ValidationError(USED_STAMP_MESSAGE, code="used_stamp"))
            return cleaned
        if over_limit(keys, counts):
            limited = _("提交过于频繁，请稍后再试，或直接拨打热线 %(hotline)s。") % {
                "hotline": settings.SITE_HOTLINE
            }
            raise ValidationError(limited, code="rate_limited")
        return cleaned

    def inquiry_data(self):
        """Keyword arguments for services.submit_inquiry."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data.update({name: self.cleaned_data[name] for name in TRACKING_FIELDS})
        data["subject"] = self.subject_object or getattr(self, "picked_object", None)
        matched = getattr(self, "matched_objects", [])
        if matched:
            lines = [str(_("智能匹配推荐："))]
            lines += [f"{obj} {settings.SITE_URL}{obj.get_absolute_url()}" for obj in matched]
            data["message"] = "\n".join([data["message"], *lines]).strip()[:2000]
        data["submission_token"] = self.nonce
        data["ip_address"] = self.ip
        return data


class PlaceChoiceField(forms.MultipleChoiceField):
    """?town=新桥镇&town=泗泾 (several allowed; short town names accepted)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = [value]
        return [normalize_town(str(v)) for v in super().to_python(value) if str(v).strip()]


class RequirementForm(FilterForm):
    """The /match/ requirement (GET, bookmarkable). Like the /listings/ filter, each
    field is cleaned on its own and a bad value is left out."""

    kind = forms.ChoiceField(
        label=_("需求类型"),
        required=False,
        choices=[ALL, *((k.value, k.label) for k in NeedKind if k != NeedKind.OTHER)],
    )
    deal = forms.ChoiceField(
        label=_("租或买"), required=False, choices=[ALL, *Inquiry.Deal.choices]
    )
    town = PlaceChoiceField(
        label=_("镇/街道"), required=False, choices=[(t, place_label(t)) for t in TOWNS]
    )
    park = forms.MultipleChoiceField(label=_("园区"), required=False)
    area_min = number_field(_("面积不小于（㎡）"), 10_000_000, unit="㎡")
    area_max = number_field(_("面积不大于（㎡）"), 10_000_000, unit="㎡")
    mu_min = number_field(_("土地面积不小于（亩）"), 1_000_000, unit=_("亩"))
    mu_max = number_field(_("土地面积不大于（亩）"), 1_000_000, unit=_("亩"))
    height_min = number_field(_("层高不低于（m）"), 1_000, unit="m")
    load_min = number_field(_("承重不低于（kg/㎡）"), 1_000_000, unit="kg/㎡")
    power_min = number_field(_("配电不低于（kVA）"), 1_000_000, unit="kVA")
    crane_min = number_field(_("行车不低于（t）"), 10_000, unit="t")
    eia = FlagField(label=_("可环评"), required=False)
    standalone = FlagField(label=_("独栋"), required=False)
    single_storey = FlagField(label=_("单层"), required=False)
    certificate = FlagField(label=_("有产证"), required=False)
    rent_max = number_field(_("租金不高于（元/㎡/天）"), 10_000, unit=_("元/㎡/天"))
    monthly_max = number_field(_("月租金不高于（万元/月）"), 1_000_000, unit=_("万元/月"))
    sale_max = number_field(_("售价不高于（万元）"), 100_000_000, unit=_("万元"))
    land_price_max = number_field(_("地价不高于（万元/亩）"), 1_000_000, unit=_("万元/亩"))
    investment = number_field(_("计划总投资（万元）"), 100_000_000, unit=_("万元"))
    tax = number_field(_("预计年纳税（万元）"), 100_000_000, unit=_("万元"))

    MAIN = ("kind", "deal", "area_min", "area_max", "rent_max", "monthly_max", "sale_max")
    FLAGS = ("eia", "standalone", "single_storey", "certificate")
    MORE = ("height_min", "load_min", "power_min", "crane_min")
    LAND = ("mu_min", "mu_max", "land_price_max", "investment", "tax")
    # form field → Requirement field, where the names differ
    RENAMED = {"town": "towns", "park": "parks"}

    def full_clean(self):
        # The entry the /listings/ filter keeps (listings.forms): both names, the page's shown.
        parks = cache.get_or_set(
            PARK_CHOICES_CACHE_KEY,
            lambda: list(
                Park.objects.published().values_list("slug", "name_zh_hans", "name_en", "pk")
            ),
            300,
        )
        english = (get_language() or "").startswith("en")
        self._parks = [
            (slug, (english and name_en) or name_zh, pk) for slug, name_zh, name_en, pk in parks
        ]
        self.fields["park"].choices = [(slug, name) for slug, name, _pk in self._parks]
        super().full_clean()

    def land_fields(self):
        return [self[name] for name in self.LAND]

    def land_open(self):
        return self.cleaned_data.get("kind") == NeedKind.LAND or any(
            name in self.filters for name in self.LAND
        )

    def requirement_data(self):
        return {self.RENAMED.get(k, k): v for k, v in self.filters.items()}

    def selected(self, name):
        return self.cleaned_data.get(name) or []


class AlertForm(forms.Form):
    """Subscribe the filter or requirement on the page (POST /alerts/subscribe/)."""

    email = forms.EmailField(label=_("邮箱"), max_length=254)
    scope = forms.ChoiceField(choices=Subscription.Scope.choices, widget=forms.HiddenInput)
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    website = forms.CharField(label=_("网站（请留空）"), required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise ValidationError(_("提交未通过校验，请清空“网站”一栏后重试。"), code="honeypot")
        return ""
