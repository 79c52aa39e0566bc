"""A second factor for staff: TOTP codes from an authenticator app (django-otp).

Any staff member may add an authenticator at /admin/otp/setup/; from then on a login
with the password alone is not enough: the site asks for a code before any page.
Managers must add one when settings.OTP_REQUIRED_FOR_MANAGERS is on (production): until
they do, every page sends them to the set-up page. A lost phone: a superuser deletes the
device under "TOTP devices" in the admin and the person adds a new one."""

from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.qrcode import qr_svg
from listings.permissions import is_manager

# Pages a person who still owes a code may open: the two steps, leaving, and files.
EXEMPT_PREFIXES = ("/admin/otp/", "/admin/logout/", "/admin/login/", "/static/", "/healthz")


def confirmed_device(user):
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def second_factor_step(request):
    """The URL name of the step the request's user still owes, or None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return None
    if user.is_verified() or request.path_info.startswith(EXEMPT_PREFIXES):
        return None
    if confirmed_device(user) is not None:
        return "otp-verify"
    if settings.OTP_REQUIRED_FOR_MANAGERS and is_manager(user):
        return "otp-setup"
    return None


class StaffSecondFactorMiddleware:
    """After OTPMiddleware: sends staff who owe a code (or, managers in production, an
    authenticator) to that step before any other page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        step = second_factor_step(request)
        if step is not None:
            return redirect(f"{reverse(step)}?next={quote(request.get_full_path())}")
        return self.get_response(request)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("验证码"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
        help_text=_(
            "身份验证器应用（如微信小程序“腾讯身份验证器”、Google Authenticator）显示的6位数字。"
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split())


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("admin:index")


def _page(request, template, **context):
    return render(
        request,
        template,
        {**admin.site.each_context(request), **context, "next": _next_url(request)},
    )


def setup(request):
    """Add an authenticator: scan the QR code, type one code to confirm it."""
    user = request.user
    existing = confirmed_device(user)
    if existing is not None and user.is_verified():
        return _page(request, "admin/otp_setup.html", title=_("两步验证"), device=existing)
    if existing is not None:
        return redirect(f"{reverse('otp-verify')}?next={quote(_next_url(request))}")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("身份验证器"), confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, _("两步验证已启用：以后登录时需输入验证码。"))
            return redirect(_next_url(request))
        form.add_error("code", _("验证码不正确，请确认手机时间准确后重试。"))
    return _page(
        request,
        "admin/otp_setup.html",
        title=_("启用两步验证"),
        form=form,
        qr=qr_svg(device.config_url, scale=5, title=str(_("两步验证二维码"))),
        secret=device.config_url.split("secret=", 1)[1].split("&", 1)[0],
        required=settings.OTP_REQUIRED_FOR_MANAGERS and is_manager(user),
    )


def verify(request):
    """The code from the authenticator, asked once per login."""
    user = request.user
    device = confirmed_device(user)
    if device is None or user.is_verified():
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("code", _("验证码不正确或尝试过于频繁，请稍候再试。"))
    return _page(request, "admin/otp_verify.html", title=_("输入验证码"), form=form)
