"""Login throttling (django-axes) and the staff second factor (django-otp): issue 11, 3."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"
LOGIN = "/admin/login/?next=/admin/"


def staff(group, username=None):
    user = factories.make_user(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def log_in(client, username, password=PASSWORD, ip="203.0.113.5"):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, follow=False
    )


def code_for(device):
    # A wrong code makes django-otp wait a moment before the next try; tests don't wait.
    device.refresh_from_db()
    device.throttle_reset()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


# ---- throttling ------------------------------------------------------------------------


def test_thirty_wrong_passwords_lock_the_account_out_even_for_the_right_one(client):
    staff("agents", username="agent5")
    for _ in range(30):
        response = log_in(client, "agent5", "wrong")
        assert response.status_code in (200, 429)
    response = log_in(client, "agent5")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_account_is_locked_from_every_address(client):
    staff("agents", username="agent6")
    for n in range(5):
        log_in(client, "agent6", "wrong", ip=f"198.51.100.{n}")
    assert log_in(client, "agent6", ip="192.0.2.77").status_code == 429


def test_an_address_that_guesses_many_accounts_is_locked(client):
    staff("agents", username="victim")
    for n in range(5):
        log_in(client, f"guess{n}", "wrong", ip="203.0.113.9")
    assert log_in(client, "victim", ip="203.0.113.9").status_code == 429
    # Another address is not affected.
    assert log_in(client, "victim", ip="203.0.113.10").status_code == 302


def test_a_few_mistakes_then_the_right_password_log_in(client):
    staff("agents", username="agent7")
    for _ in range(3):
        assert log_in(client, "agent7", "wrong").status_code == 200
    assert log_in(client, "agent7").status_code == 302


def test_a_manager_lifts_a_lockout_in_the_admin(client):
    staff("agents", username="agent8")
    for _ in range(6):
        log_in(client, "agent8", "wrong")
    assert log_in(client, "agent8").status_code == 429
    attempts = AccessAttempt.objects.filter(username="agent8")
    assert attempts.exists()

    manager_client = client_class()
    manager_client.force_login(staff("managers"))
    listing = manager_client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "agent8" in listing.content.decode()
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    response = manager_client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert log_in(client, "agent8").status_code == 302


def client_class():

    return Client()


# ---- second factor -----------------------------------------------------------------------


def test_staff_without_an_authenticator_log_in_with_the_password(client):
    staff("agents", username="plain")
    assert log_in(client, "plain").status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_manager_must_add_an_authenticator_when_required(client, settings):
    settings.OTP_REQUIRED_FOR_MANAGERS = True
    manager = staff("managers", username="boss")
    assert log_in(client, "boss").status_code == 302
    response = client.get("/admin/leads/inquiry/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/otp/setup/")

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "管理员账号必须启用两步验证" in html
    device = TOTPDevice.objects.get(user=manager, confirmed=False)

    wrong = client.post("/admin/otp/setup/", {"code": "000000", "next": "/admin/"})
    assert "验证码不正确" in wrong.content.decode()
    done = client.post("/admin/otp/setup/", {"code": code_for(device), "next": "/admin/"})
    assert done.status_code == 302 and done["Location"] == "/admin/"
    assert client.get("/admin/leads/inquiry/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_managers_need_no_authenticator_when_not_required(client, settings):
    settings.OTP_REQUIRED_FOR_MANAGERS = False
    staff("managers", username="boss2")
    log_in(client, "boss2")
    assert client.get("/admin/").status_code == 200


def test_staff_with_an_authenticator_must_give_a_code_after_the_password(client):
    user = staff("agents", username="careful")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    assert log_in(client, "careful").status_code == 302
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/otp/verify/")
    # Public pages do not leak staff previews either.
    assert client.get("/listings/").status_code == 302

    wrong = client.post("/admin/otp/verify/", {"code": "123456", "next": "/admin/"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    ok = client.post("/admin/otp/verify/", {"code": code_for(device), "next": "/admin/"})
    assert ok.status_code == 302 and ok["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_verify_step_does_not_redirect_off_site(client):
    user = staff("agents", username="careful2")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.force_login(user)
    ok = client.post(
        "/admin/otp/verify/", {"code": code_for(device), "next": "https://evil.example/"}
    )
    assert ok["Location"] == "/admin/"


def test_every_staff_member_can_reach_the_set_up_page(client):
    client.force_login(staff("editors"))
    html = client.get("/admin/").content.decode()
    assert 'href="/admin/otp/setup/"' in html
    assert client.get("/admin/otp/setup/").status_code == 200
