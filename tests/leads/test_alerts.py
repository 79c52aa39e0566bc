"""Saved searches and alerts, end to end with the real worker: double opt-in, a daily
digest of what is new (never the same listing twice), one-click unsubscribe."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from leads import tasks
from leads.models import Subscription
from listings.models import Listing
from tests import factories
from tests.leads.conftest import make_manager

pytestmark = pytest.mark.django_db

START = timezone.make_aware(timezone.datetime(2026, 12, 1, 9, 0))
SUBSCRIBE = "/alerts/subscribe/"


def link(message, name):
    match = re.search(rf"http://127\.0\.0\.1:8000(/alerts/{name}/[^/\s]+/)", message.body)
    return match.group(1)


def factory(**kwargs):
    kwargs.setdefault("published_at", timezone.now())
    return factories.make_listing(**kwargs)


def digest_run(run_worker):
    mail.outbox.clear()
    tasks.send_alert_digests.enqueue()
    run_worker()
    return list(mail.outbox)


def test_the_alert_flow_end_to_end(client, run_worker, settings):
    with time_machine.travel(START, tick=False) as traveller:
        factory(title="旧厂房", published_at=START - timedelta(days=1))
        response = client.post(
            SUBSCRIBE,
            {"email": "Buyer@Example.com", "scope": "listings", "query": "kind=factory&town=新桥"},
        )
        assert "请查收确认邮件" in response.content.decode()
        mail.outbox.clear()
        run_worker()
        (confirmation,) = mail.outbox
        assert confirmation.to == ["buyer@example.com"]
        assert "/alerts/unsubscribe/" in confirmation.extra_headers["List-Unsubscribe"]
        assert digest_run(run_worker) == []  # not confirmed yet

        response = client.get(link(confirmation, "confirm"))
        assert "订阅已生效" in response.content.decode()
        assert digest_run(run_worker) == []  # nothing new since confirming

        traveller.shift(timedelta(hours=1))
        first = factory(title="新桥新厂房一")
        factory(title="新桥仓库", kind=Listing.Kind.WAREHOUSE)
        factory(title="泗泾厂房", town="泗泾镇")
        (digest,) = digest_run(run_worker)
        assert "新桥新厂房一" in digest.body
        assert f"http://127.0.0.1:8000/listings/{first.pk}/" in digest.body
        assert (
            "仓库" not in digest.body and "泗泾" not in digest.body and "旧厂房" not in digest.body
        )
        unsubscribe = link(digest, "unsubscribe")
        assert digest.extra_headers["List-Unsubscribe"] == f"<http://127.0.0.1:8000{unsubscribe}>"
        assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

        traveller.shift(timedelta(hours=2))
        factory(title="新桥新厂房二")
        assert digest_run(run_worker) == []  # one digest a day at most

        traveller.shift(timedelta(days=1))
        (digest,) = digest_run(run_worker)
        assert "新桥新厂房二" in digest.body
        assert "新桥新厂房一" not in digest.body  # never twice

        page = client.get(unsubscribe)
        assert "确定不再给 buyer@example.com 发送这项提醒" in page.content.decode()
        assert Subscription.objects.get().unsubscribed_at is None  # a GET changes nothing
        one_click = Client(enforce_csrf_checks=True)
        response = one_click.post(unsubscribe, {"List-Unsubscribe": "One-Click"})
        assert "已退订" in response.content.decode()

        traveller.shift(timedelta(days=1))
        factory(title="新桥新厂房三")
        assert digest_run(run_worker) == []


def test_a_requirement_can_be_subscribed(client, run_worker):
    with time_machine.travel(START, tick=False) as traveller:
        client.post(
            SUBSCRIBE,
            {"email": "a@example.com", "scope": "match", "query": "kind=factory&height_min=8&x=1"},
        )
        run_worker()
        subscription = Subscription.objects.get()
        assert subscription.query == "kind=factory&height_min=8"
        client.get(f"/alerts/confirm/{subscription.token}/")
        traveller.shift(timedelta(hours=1))
        factory(title="高厂房", floor_height=Decimal("9"))
        factory(title="矮厂房", floor_height=Decimal("5"))
        (digest,) = digest_run(run_worker)
        assert "高厂房" in digest.body and "矮厂房" not in digest.body


def test_limits_per_address(client, settings):
    settings.ALERT_MAX_PER_EMAIL = 2
    for n in range(2):
        client.post(
            SUBSCRIBE, {"email": "x@example.com", "scope": "land", "query": f"area_min={n}"}
        )
    response = client.post(SUBSCRIBE, {"email": "x@example.com", "scope": "land", "query": "q=1"})
    assert response.status_code == 429
    assert "已达上限" in response.content.decode()
    # The same search again is the same subscription, not another.
    response = client.post(
        SUBSCRIBE, {"email": "X@example.com", "scope": "land", "query": "area_min=1"}
    )
    assert response.status_code == 200
    assert Subscription.objects.count() == 2


def test_bad_input_and_bad_links(client):
    assert client.post(SUBSCRIBE, {"email": "nope", "scope": "listings"}).status_code == 400
    assert client.post(SUBSCRIBE, {"email": "a@b.cn", "scope": "castle"}).status_code == 400
    assert client.get("/alerts/confirm/forged/").status_code == 404
    assert client.post("/alerts/unsubscribe/forged/").status_code == 404
    page = client.get(SUBSCRIBE + "?scope=land&query=town%3D新桥镇")
    assert page.status_code == 200
    assert 'value="town=新桥镇"' in page.content.decode()


def test_list_pages_link_to_the_subscription(client):
    html = client.get("/listings/?kind=factory&page=2").content.decode()
    assert "/alerts/subscribe/?scope=listings&amp;query=kind%3Dfactory" in html


def test_managers_see_subscriptions_in_admin(client):
    Subscription.objects.create(email="s@example.com", scope="listings", token="t1")
    client.force_login(make_manager())
    html = client.get("/admin/leads/subscription/").content.decode()
    assert "s@example.com" in html
    agent_user = factories.make_user(is_staff=True)
    client.force_login(agent_user)
    assert client.get("/admin/leads/subscription/").status_code == 403
