"""Saved searches: the per-address limit on confirmation mails, and the page where a
subscriber sees every subscription of their address and stops any or all of them."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from django.core import mail, signing
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from leads import alerts
from leads.models import Subscription

pytestmark = pytest.mark.django_db

START = timezone.make_aware(timezone.datetime(2026, 12, 1, 9, 0))
SUBSCRIBE = "/alerts/subscribe/"


def post(client, email="victim@example.com", query="kind=factory", ip="10.0.0.1", scope="listings"):
    return client.post(SUBSCRIBE, {"email": email, "scope": scope, "query": query}, REMOTE_ADDR=ip)


def mails_after(run_worker):
    mail.outbox.clear()
    run_worker()
    return list(mail.outbox)


def manage_link(message):
    match = re.search(r"http://127\.0\.0\.1:8000(/alerts/manage/[^/\s]+/)", message.body)
    return match.group(1)


def test_an_address_gets_a_few_confirmation_mails_a_day_whoever_submits(
    client, run_worker, settings
):
    settings.ALERT_CONFIRMATIONS_PER_EMAIL = 3
    with time_machine.travel(START, tick=False) as traveller:
        codes = []
        for n in range(6):  # from six addresses, alternating searches
            traveller.shift(timedelta(minutes=11))  # past the double-submit window
            response = post(client, query=f"kind=factory&area_min={n % 2}", ip=f"10.0.0.{n}")
            codes.append(response.status_code)
        assert codes == [200, 200, 200, 429, 429, 429]
        assert "今天已向这个邮箱发送过多封确认邮件" in response.content.decode()
        assert len(mails_after(run_worker)) == 3
        assert Subscription.objects.count() == 2  # the refused ones made nothing
        # Other addresses are not affected.
        assert post(client, email="other@example.com").status_code == 200
        assert [m.to for m in mails_after(run_worker)] == [["other@example.com"]]
        # The next day (UTC) the address may be asked again.
        traveller.shift(timedelta(days=1))
        assert post(client).status_code == 200
        (again,) = mails_after(run_worker)
        assert again.to == ["victim@example.com"]


def test_a_double_submit_mails_once(client, run_worker):
    with time_machine.travel(START, tick=False) as traveller:
        assert post(client).status_code == 200
        traveller.shift(timedelta(seconds=2))
        response = post(client, email="VICTIM@example.com")
        assert "请查收确认邮件" in response.content.decode()
        assert len(mails_after(run_worker)) == 1
        traveller.shift(timedelta(minutes=11))  # a real re-send later is mailed
        post(client)
        assert len(mails_after(run_worker)) == 1
    assert Subscription.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submits_make_one_subscription_and_one_mail():
    start = threading.Barrier(6)

    def one(n):
        try:
            start.wait(timeout=10)
            return post(Client(), ip=f"10.1.0.{n}").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as executor:
        codes = list(executor.map(one, range(6)))
    assert codes == [200] * 6
    assert Subscription.objects.count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="send_alert_confirmation").count() == 1


def make(email, query="", **kwargs):
    return Subscription.objects.create(
        email=email, scope="listings", query=query, token=f"tok-{email}-{query}"[:64], **kwargs
    )


def manage_path(subscription):
    return f"/alerts/manage/{alerts.manage_token(subscription)}/"


def test_every_mail_links_to_the_manage_page_which_lists_only_that_address(
    client, run_worker, django_assert_max_num_queries
):
    with time_machine.travel(START, tick=False):
        post(client, query="kind=factory&q=<script>alert(1)</script>")
        (confirmation,) = mails_after(run_worker)
        path = manage_link(confirmation)
        assert manage_link(confirmation) in confirmation.alternatives[0].content
        mine = Subscription.objects.get()
        make("victim@example.com", "kind=land", confirmed_at=START)
        make("victim@example.com", "kind=office", unsubscribed_at=START)
        make("someone@example.com", "area_min=777")
        with django_assert_max_num_queries(4):
            page = client.get(path)
    html = page.content.decode()
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "no-referrer"
    assert "victim@example.com" in html and "someone@example.com" not in html
    assert "area_min=777" not in html
    assert "<script>alert(1)" not in html
    assert "q=&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count('name="stop"') == 2  # the unsubscribed one has no box
    assert "已退订" in html and "待确认" in html and "生效中" in html
    assert f'value="{mine.pk}"' in html


def test_stop_ticked_ones_or_all_without_javascript():
    browser = Client(enforce_csrf_checks=True)
    first = make("s@example.com", "kind=factory", confirmed_at=START)
    second = make("s@example.com", "kind=land", confirmed_at=START)
    third = make("s@example.com", "kind=office")
    stranger = make("t@example.com", "kind=factory", confirmed_at=START)
    path = manage_path(first)
    browser.get(path)
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        path, {"csrfmiddlewaretoken": token, "stop": [str(second.pk), str(stranger.pk), "x", "-1"]}
    )
    assert "已退订 1 项提醒" in response.content.decode()
    live = set(
        Subscription.objects.filter(unsubscribed_at__isnull=True).values_list("pk", flat=True)
    )
    assert live == {first.pk, third.pk, stranger.pk}  # another address's id is ignored

    response = browser.post(path, {"csrfmiddlewaretoken": token, "all": "1"})
    assert "已退订 2 项提醒" in response.content.decode()
    assert Subscription.objects.filter(unsubscribed_at__isnull=True).get() == stranger
    # Nothing ticked: nothing changes, no error.
    response = browser.post(path, {"csrfmiddlewaretoken": token})
    assert response.status_code == 200 and "已退订 0 项提醒" in response.content.decode()
    # The page still opens from an unsubscribed subscription's link.
    assert browser.get(manage_path(second)).status_code == 200
    # A post without the CSRF token is refused, not a 500, and stops nothing.
    assert Client(enforce_csrf_checks=True).post(path, {"all": "1"}).status_code == 403


def test_bad_and_expired_manage_links(client):
    subscription = make("s@example.com", confirmed_at=START)
    forged = signing.dumps(subscription.pk, salt="another.salt")
    for token in ["forged", forged, "x" * 400, signing.dumps("1", salt=alerts.MANAGE_SALT)]:
        response = client.get(f"/alerts/manage/{token}/")
        assert response.status_code == 404
        assert "链接无效" in response.content.decode()
    assert client.post("/alerts/manage/forged/", {"all": "1"}).status_code == 404
    with time_machine.travel(START, tick=False) as traveller:
        path = manage_path(subscription)
        traveller.shift(timedelta(days=91))
        response = client.post(path, {"all": "1"})
        assert response.status_code == 410
        assert "管理链接已过期" in response.content.decode()
    assert Subscription.objects.get().unsubscribed_at is None
    gone = make("g@example.com")
    path = manage_path(gone)
    gone.delete()
    assert client.get(path).status_code == 404


def test_the_unsubscribe_and_confirm_pages_link_to_the_manage_page(client):
    subscription = make("s@example.com")
    html = client.get(f"/alerts/confirm/{subscription.token}/").content.decode()
    assert "/alerts/manage/" in html
    html = client.get(f"/alerts/unsubscribe/{subscription.token}/").content.decode()
    assert "管理这个邮箱的全部订阅" in html
