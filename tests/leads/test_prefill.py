"""The inquiry form is pre-filled from the page it is on; the thank-you page offers the
agent's WeChat and contact card (issue 12)."""

import re
from decimal import Decimal

import pytest

from demo.pictures import wechat_qr
from leads.models import Inquiry
from leads.views import thanks_url
from tests import factories

pytestmark = pytest.mark.django_db


def field_value(html, name):
    """What the visitor sees in a field: an input's value, a select's chosen option, a
    textarea's text."""
    if match := re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', match.group(1))
        return chosen.group(1) if chosen else ""
    if match := re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', html, re.S):
        return match.group(1).strip()
    match = re.search(rf'<input type="[^"]+" name="{name}"(?: value="([^"]*)")?', html)
    return match.group(1) or "" if match else None


def test_a_listing_page_form_knows_kind_deal_area_and_place(client, park):
    listing = factories.make_listing(
        title="新桥 独栋厂房", park=park, town="新桥镇", building_area=Decimal("3200")
    )
    html = client.get(listing.get_absolute_url()).content.decode()
    assert field_value(html, "need_kind") == "factory"
    assert field_value(html, "need_deal") == "rent"
    assert field_value(html, "need_area") == "3200"
    message = field_value(html, "message")
    assert "新桥 独栋厂房" in message and "新桥镇" in message and listing.code in message


def test_a_parcel_page_form_asks_for_land_with_its_area_in_mu(client):
    parcel = factories.make_parcel(area=Decimal("21340.7"))
    html = client.get(parcel.get_absolute_url()).content.decode()
    assert field_value(html, "need_kind") == "land"
    assert field_value(html, "need_area") == "21340"
    assert f"{parcel.code}" in field_value(html, "message")
    assert "32.01 亩" in field_value(html, "message")


def test_a_park_page_form_names_the_park_and_town(client, park):
    html = client.get(park.get_absolute_url()).content.decode()
    assert park.name in field_value(html, "message")
    assert park.town in field_value(html, "message")


def test_an_empty_result_carries_the_filters_into_the_need_and_message(client):
    html = client.get("/listings/?kind=warehouse&deal=sale&area_min=5000&sale_max=3000").content
    html = html.decode()
    assert field_value(html, "need_kind") == "warehouse"
    assert field_value(html, "need_deal") == "sale"
    assert field_value(html, "need_area") == "5000"
    assert field_value(html, "need_budget") == "总价3000万元以内"
    assert "面积下限（㎡） ≥ 5000" in field_value(html, "message")


def test_a_results_page_links_to_a_form_with_its_filters(client):
    factories.make_listing(town="新桥镇")
    html = client.get("/listings/?town=新桥镇").content.decode()
    link = re.search(r'href="(/inquiry/\?from=listings[^"]*)"', html).group(1)
    form = client.get(link.replace("&amp;", "&")).content.decode()
    assert "新桥镇" in field_value(form, "message")
    land = client.get("/inquiry/?from=land&town=新桥镇").content.decode()
    assert field_value(land, "need_kind") == "land"


def test_the_general_form_stays_empty(client):
    html = client.get("/inquiry/").content.decode()
    assert field_value(html, "need_kind") == ""
    assert field_value(html, "message") == ""


# ---- the thank-you page: the agent's WeChat and contact card ---------------------------------


@pytest.fixture
def inquiry_for_wang():
    agent = factories.make_agent(name="王建国", mobile="13916000001", wechat_id="g60_wang")
    qr = wechat_qr(agent.wechat_id)
    agent.wechat_qr.save(qr.name, qr)
    return Inquiry.objects.create(name="张先生", mobile="13800000000", assigned_agent=agent)


def test_the_thanks_page_shows_the_agents_wechat_qr_and_offers_a_vcard(client, inquiry_for_wang):
    html = client.get(thanks_url(inquiry_for_wang)).content.decode()
    assert "g60_wang" in html
    assert 'alt="微信二维码"' in html and inquiry_for_wang.assigned_agent.wechat_qr.url in html
    vcard_url = re.search(r'href="([^"]+agent\.vcf)"', html).group(1)

    response = client.get(vcard_url)
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert 'filename="agent.vcf"' in response["Content-Disposition"]
    card = response.content.decode()
    assert card.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n")
    assert "FN:王建国\r\n" in card
    assert "TEL;TYPE=CELL:+8613916000001\r\n" in card
    assert "NOTE:微信号: g60_wang\r\n" in card


def test_a_forged_vcard_link_is_a_404(client):
    assert client.get("/inquiry/thanks/abc/agent.vcf").status_code == 404
