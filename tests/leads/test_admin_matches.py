"""An inquiry in admin shows its ten best matches with their fit; ticked ones go to the
prospect (e-mail with links, a text for WeChat), recorded on the timeline."""

import time
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leads import services
from leads.models import InquiryEvent
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal


def days_ago(n):
    return timezone.now() - timezone.timedelta(days=n)


@pytest.fixture
def spaces():
    def factory(**kwargs):
        return factories.make_listing(**{"building_area": D("1200"), **kwargs})

    spaces = {
        "A": factory(title="甲厂房", rent_price=D("1.0"), published_at=days_ago(1)),
        "B": factory(title="乙厂房", rent_price=D("1.3"), published_at=days_ago(2)),
        "C": factory(title="丙厂房", building_area=D("3000"), published_at=days_ago(3)),
    }
    for n in range(12):
        factory(title=f"其他{n}", building_area=D("1100"), published_at=days_ago(10 + n))
    return spaces


@pytest.fixture
def inquiry():
    return services.submit_inquiry(
        name="张先生",
        mobile="13800138000",
        email="zhang@example.com",
        need_kind="factory",
        need_deal="rent",
        need_area=1250,  # read as 1,000–1,500 ㎡
        need_budget="1.2元/㎡/天以内",
    )


def change_url(inquiry):
    return reverse("admin:leads_inquiry_change", args=[inquiry.pk])


def test_the_inquiry_page_shows_its_ten_best_matches_with_the_fit(client, manager, spaces, inquiry):
    client.force_login(manager)
    started = time.perf_counter()
    html = client.get(change_url(inquiry)).content.decode()
    assert time.perf_counter() - started < 5
    assert "最匹配的十处" in html
    assert html.count('name="send_match"') == 10
    # A fits; the twelve others (1,100 ㎡ at 1.2) fit too; B is 0.1 over; C is 1,500 ㎡ over.
    assert html.index("甲厂房") < html.index("其他0")
    assert "乙厂房" not in html  # ten full matches come before the near miss
    assert "租金 1 元/㎡/天 ≤ 1.2 元/㎡/天 ✓" in html
    assert "面积 1200 ㎡，符合 1000–1500 ㎡ ✓" in html


def post_send(client, inquiry, refs):
    return client.post(
        change_url(inquiry),
        {
            "status": inquiry.status,
            "assigned_agent": inquiry.assigned_agent_id or "",
            "note": "",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
            "notifications-TOTAL_FORMS": "0",
            "notifications-INITIAL_FORMS": "0",
            "_send_matches": "1",
            "send_match": refs,
        },
    )


def test_ticked_matches_are_emailed_and_recorded(client, manager, spaces, inquiry):
    client.force_login(manager)
    mail.outbox.clear()
    a, b = spaces["A"], spaces["B"]
    response = post_send(client, inquiry, [f"listing:{a.pk}", f"listing:{b.pk}", "listing:x"])
    assert response.status_code == 302
    assert response.url == change_url(inquiry)
    (message,) = [m for m in mail.outbox if m.to == ["zhang@example.com"]]
    assert f"http://127.0.0.1:8000/listings/{a.pk}/" in message.body
    assert "租金 1.3 元/㎡/天，超 0.1 元/㎡/天" in message.body
    event = inquiry.events.get(kind=InquiryEvent.Kind.MATCHES_SENT)
    assert event.actor == manager
    assert event.data == {
        "matches": [f"listing:{a.pk}", f"listing:{b.pk}"],
        "emailed": True,
        "error": "",
    }
    assert (
        event.message.splitlines()[0] == f"张先生您好，按您的需求（{inquiry.reference}）为您推荐："
    )
    assert f"1. {a.code} 甲厂房 · 厂房 · 出租 · 1200 ㎡ · 新桥镇 · 1 元/㎡/天" in event.message


def test_without_an_email_the_wechat_text_is_recorded(client, manager, spaces):
    inquiry = services.submit_inquiry(name="李女士", mobile="13900139000", need_kind="factory")
    client.force_login(manager)
    mail.outbox.clear()
    response = post_send(client, inquiry, [f"listing:{spaces['C'].pk}"])
    assert response.status_code == 302
    assert not [m for m in mail.outbox if m.to == [""]]
    event = inquiry.events.get(kind=InquiryEvent.Kind.MATCHES_SENT)
    assert event.data["emailed"] is False
    assert spaces["C"].code in event.message
    page = client.get(change_url(inquiry)).content.decode()
    assert "客户未留邮箱" in page


def test_nothing_ticked_sends_nothing(client, manager, spaces, inquiry):
    client.force_login(manager)
    post_send(client, inquiry, [])
    assert not inquiry.events.filter(kind=InquiryEvent.Kind.MATCHES_SENT).exists()


def test_the_matches_on_the_inquiry_page_keep_to_a_query_budget(client, manager, spaces, inquiry):
    """Fifteen factories within the loosened bounds: one scan of the index finds them all
    (ids, then the rows with their parks); the page asks nothing per match."""
    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(change_url(inquiry)).content.decode()
    assert html.count('name="send_match"') == 10
    listing_queries = [q["sql"] for q in queries if 'FROM "listings_listing"' in q["sql"]]
    assert len(listing_queries) == 2, listing_queries
