"""Agents' share links: the button on public pages, the signed ?ref=, the visitor's
cookie and the routing of their inquiry to the agent who shared."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from leads.models import Inquiry, Share, ShareVisit
from leads.sharing import COOKIE_NAME, share_reference
from tests import factories
from tests.leads.conftest import form_data, make_agent_user, make_manager

pytestmark = pytest.mark.django_db

MAKE = reverse("leads:agent-share-make")


@pytest.fixture
def sharer():
    return make_agent_user(name="分享顾问")


@pytest.fixture
def page_owner():
    """The agent the listing names: who gets inquiries that came without a link."""
    return factories.make_agent(name="房源顾问")


@pytest.fixture
def listing(page_owner):
    return factories.make_listing(agent=page_owner)


def make_link(client, user, obj, kind):
    client.force_login(user)
    response = client.post(MAKE, {"kind": kind, "id": obj.pk})
    assert response.status_code == 302
    page = client.get(response["Location"])
    match = re.search(
        r'data-share-url value="([^"]+)"|value="([^"]+)" data-share-url', page.content.decode()
    )
    url = match.group(1) or match.group(2)
    client.logout()
    return url.replace("&amp;", "&")


def visit(client, url):
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def test_a_logged_in_agent_sees_the_share_button_on_every_kind_of_page(client, sharer, listing):
    user, _agent = sharer
    pages = {
        "listing": listing,
        "land": factories.make_parcel(),
        "park": factories.make_park(),
        "article": factories.make_article(),
    }
    client.force_login(user)
    for kind, obj in pages.items():
        html = client.get(obj.get_absolute_url()).content.decode()
        assert f'action="{MAKE}"' in html, kind
        assert f'name="kind" value="{kind}"' in html


def test_visitors_and_staff_without_an_agent_see_no_share_button(client, listing):
    assert f'action="{MAKE}"' not in client.get(listing.get_absolute_url()).content.decode()
    client.force_login(make_manager())
    assert f'action="{MAKE}"' not in client.get(listing.get_absolute_url()).content.decode()


def test_making_a_link_gives_a_signed_reference_and_counts_each_share(client, sharer, listing):
    user, agent = sharer
    url = make_link(client, user, listing, "listing")
    assert url.startswith(f"http://testserver{listing.get_absolute_url()}?ref=")
    again = make_link(client, user, listing, "listing")
    share = Share.objects.get()
    assert (share.agent, share.kind, share.object_id) == (agent, "listing", listing.pk)
    assert share.made_count == 2
    assert again == url  # the same link, so a poster's QR code stays valid


def test_forged_or_unpublished_share_requests_are_refused(client, sharer, listing):
    user, _agent = sharer
    client.force_login(user)
    draft = factories.make_listing(status="draft")
    assert client.post(MAKE, {"kind": "listing", "id": draft.pk}).status_code == 404
    assert client.post(MAKE, {"kind": "nope", "id": listing.pk}).status_code == 404
    assert client.post(MAKE, {"kind": "listing", "id": "x"}).status_code == 404
    assert client.get(MAKE).status_code == 405
    client.force_login(make_manager())
    assert client.post(MAKE, {"kind": "listing", "id": listing.pk}).status_code == 403
    assert not Share.objects.exists()


def test_an_agent_cannot_open_another_agents_share(client, sharer, listing):
    user, _agent = sharer
    make_link(client, user, listing, "listing")
    share = Share.objects.get()
    other, _ = make_agent_user()
    client.force_login(other)
    assert client.get(reverse("leads:agent-share", args=[share.pk])).status_code == 404
    client.force_login(make_manager())
    assert client.get(reverse("leads:agent-share", args=[share.pk])).status_code == 200


def test_a_visitor_through_the_link_lands_with_the_agent(client, sharer, listing):
    user, agent = sharer
    url = make_link(client, user, listing, "listing")
    visitor = Client()
    response = visit(visitor, url + "&utm_source=wechat")
    assert response.status_code == 302
    assert response["Location"] == f"{listing.get_absolute_url()}?utm_source=wechat"
    assert COOKIE_NAME in response.cookies
    assert response.cookies[COOKIE_NAME]["max-age"] == 30 * 86400
    assert ShareVisit.objects.filter(share__agent=agent).count() == 1
    assert visitor.get(response["Location"]).status_code == 200
    visitor.post(reverse("leads:inquiry"), form_data(listing))
    inquiry = Inquiry.objects.get()
    assert inquiry.assigned_agent == agent
    assert inquiry.routing_reason == "shared_link"
    assert inquiry.share == Share.objects.get()


def test_a_forged_reference_is_dropped(client, listing, page_owner):
    response = client.get(f"{listing.get_absolute_url()}?ref=MTI:forged:xyz")
    assert response.status_code == 302
    assert response["Location"] == listing.get_absolute_url()
    assert COOKIE_NAME not in response.cookies
    client.post(reverse("leads:inquiry"), form_data(listing))
    assert Inquiry.objects.get().assigned_agent == page_owner


def test_an_expired_link_is_ignored(client, sharer, listing, settings):
    settings.LEAD_SHARE_LINK_DAYS = 10
    _user, agent = sharer
    with time_machine.travel(timezone.now() - timedelta(days=11)):
        share = Share.objects.create(agent=agent, kind="listing", object_id=listing.pk, path="/")
    ref = share_reference(share)
    response = client.get(f"{listing.get_absolute_url()}?ref={ref}")
    assert COOKIE_NAME not in response.cookies
    assert not ShareVisit.objects.exists()


def test_the_visitor_keeps_the_reference_30_days_and_not_longer(
    client, sharer, listing, page_owner
):
    user, agent = sharer
    url = make_link(client, user, listing, "listing")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        visit(client, url)
    with time_machine.travel(start + timedelta(days=29), tick=False):
        client.post(reverse("leads:inquiry"), form_data(listing, mobile="13800138001"))
    with time_machine.travel(start + timedelta(days=31), tick=False):
        client.post(reverse("leads:inquiry"), form_data(listing, mobile="13800138002"))
    assert Inquiry.objects.get(mobile="13800138001").assigned_agent == agent
    late = Inquiry.objects.get(mobile="13800138002")
    assert late.assigned_agent == page_owner
    assert late.share is None


def test_a_forged_cookie_is_ignored(client, listing, page_owner):
    client.cookies[COOKIE_NAME] = "1"
    client.post(reverse("leads:inquiry"), form_data(listing))
    assert Inquiry.objects.get().assigned_agent == page_owner


@pytest.mark.parametrize("change", [{"is_active": False}, {"accepts_leads": False}])
def test_an_agent_not_taking_leads_lets_routing_go_on_as_today(
    client, sharer, listing, page_owner, change
):
    user, agent = sharer
    url = make_link(client, user, listing, "listing")
    visit(client, url)
    for field, value in change.items():
        setattr(agent, field, value)
    agent.save()
    client.post(reverse("leads:inquiry"), form_data(listing))
    inquiry = Inquiry.objects.get()
    assert inquiry.assigned_agent == page_owner
    assert inquiry.routing_reason == "object"
    assert inquiry.share is not None  # it still came through the link, for the figures


def test_superusers_see_share_links_in_the_admin(client, sharer, listing):
    _user, agent = sharer
    share = Share.objects.create(agent=agent, kind="listing", object_id=listing.pk, path="/x/")
    ShareVisit.objects.create(share=share)
    client.force_login(factories.make_user(is_staff=True, is_superuser=True))
    html = client.get(reverse("admin:leads_share_changelist")).content.decode()
    assert "分享顾问" in html
    assert 'href="/x/"' in html
