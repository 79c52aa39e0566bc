import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import tablib
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from listings.models import LandParcel, Listing
from listings.permissions import agent_for, is_manager, scope_to_agent
from listings.resources import ListingResource
from tests import factories
from tests.factories import jpeg_bytes

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/listings/listing/"


def agent_user(**kwargs):
    user = factories.make_user(is_staff=True)
    user.groups.add(Group.objects.get(name="agents"))
    agent = factories.make_agent(user=user, **kwargs)
    return user, agent


def manager_user():
    user = factories.make_user(is_staff=True)
    user.groups.add(Group.objects.get(name="managers"))
    return user


def test_the_staff_groups_exist_with_their_permissions():
    managers = Group.objects.get(name="managers")
    agents = Group.objects.get(name="agents")
    assert managers.permissions.filter(codename="delete_listing").exists()
    assert managers.permissions.filter(codename="add_landparcel").exists()
    agent_codes = set(agents.permissions.values_list("codename", flat=True))
    assert {"change_listing", "view_listing", "change_landparcel"} <= agent_codes
    assert "delete_listing" not in agent_codes and "add_agent" not in agent_codes
    assert Group.objects.filter(name="editors").exists()


def test_permission_helpers():
    user, agent = agent_user()
    manager = manager_user()
    assert agent_for(user) == agent and not is_manager(user)
    assert is_manager(manager) and agent_for(manager) is None
    mine = factories.make_listing(agent=agent)
    factories.make_listing()
    assert list(scope_to_agent(Listing.objects.all(), user)) == [mine]
    assert scope_to_agent(Listing.objects.all(), manager).count() == 2
    lonely = factories.make_user(is_staff=True)
    lonely.groups.add(Group.objects.get(name="agents"))
    assert scope_to_agent(Listing.objects.all(), lonely).count() == 0


def test_an_agent_sees_and_edits_only_their_own_listings(client):
    user, agent = agent_user()
    mine = factories.make_listing(agent=agent, title="我的厂房")
    theirs = factories.make_listing(title="别人的厂房")
    client.force_login(user)
    html = client.get(CHANGELIST).content.decode()
    assert "我的厂房" in html and "别人的厂房" not in html
    assert client.get(f"{CHANGELIST}{mine.pk}/change/").status_code == 200
    assert client.get(f"{CHANGELIST}{theirs.pk}/change/").status_code == 302  # not found → index
    parcel_theirs = factories.make_parcel()
    assert client.get(f"/admin/listings/landparcel/{parcel_theirs.pk}/change/").status_code == 302


def test_a_manager_sees_all_listings(client):
    factories.make_listing(title="甲厂房", agent=factories.make_agent())
    factories.make_listing(title="乙厂房")
    client.force_login(manager_user())
    html = client.get(CHANGELIST).content.decode()
    assert "甲厂房" in html and "乙厂房" in html


def test_changelist_filters_and_search(client, superuser):
    factories.make_listing(code="XQ-F-0001", title="新桥厂房", address="申港路1号")
    factories.make_listing(code="JT-W-0002", title="九亭仓库", kind=Listing.Kind.WAREHOUSE)
    factories.make_listing(
        code="SJ-F-0003", title="过期厂房", last_verified_at=timezone.now() - timedelta(days=200)
    )
    client.force_login(superuser)
    assert "九亭仓库" not in client.get(f"{CHANGELIST}?q=申港路").content.decode()
    assert "新桥厂房" in client.get(f"{CHANGELIST}?q=XQ-F-0001").content.decode()
    html = client.get(f"{CHANGELIST}?kind__exact=warehouse").content.decode()
    assert "九亭仓库" in html and "新桥厂房" not in html
    html = client.get(f"{CHANGELIST}?freshness=stale").content.decode()
    assert "过期厂房" in html and "新桥厂房" not in html
    assert "stale-flag" in html


def test_bulk_actions(client, superuser):
    a = factories.make_listing(last_verified_at=timezone.now() - timedelta(days=200))
    b = factories.make_listing()
    client.force_login(superuser)
    for action, status in [
        ("mark_let", "let"),
        ("mark_sold", "sold"),
        ("mark_withdrawn", "withdrawn"),
    ]:
        client.post(CHANGELIST, {"action": action, "_selected_action": [b.pk]})
        b.refresh_from_db()
        assert b.status == status
    client.post(CHANGELIST, {"action": "mark_verified_today", "_selected_action": [a.pk]})
    a.refresh_from_db()
    assert not a.is_stale


def test_an_agent_cannot_act_on_someone_elses_listing(client):
    user, _agent = agent_user()
    theirs = factories.make_listing()
    client.force_login(user)
    client.post(CHANGELIST, {"action": "mark_let", "_selected_action": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.status == Listing.Status.AVAILABLE


def test_picture_inline_shows_thumbnails(client, superuser, settings):
    listing = factories.make_listing()
    (settings.MEDIA_ROOT / "listings").mkdir(parents=True)
    (settings.MEDIA_ROOT / "listings" / "a.jpg").write_bytes(jpeg_bytes())
    listing.images.create(image="listings/a.jpg")
    client.force_login(superuser)
    html = client.get(f"{CHANGELIST}{listing.pk}/change/").content.decode()
    assert 'class="admin-thumbnail"' in html
    assert "/media/thumbnails/" in html


# ---- import ------------------------------------------------------------------------------


def csv_upload(text, name="listings.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def find_format_index(client, model="listing"):
    html = client.get(f"/admin/listings/{model}/import/").content.decode()
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', html)
    return next(value for value, label in options if label.strip().lower() == "csv")


def test_import_previews_then_writes_with_chinese_headers(client, park):
    agent = factories.make_agent(mobile="13916000001")
    client.force_login(manager_user())
    csv = (
        "编号,标题,类型,交易方式,状态,镇,园区,面积,租金,可环评,独栋,顾问\n"
        f'xq-f-0100,新桥独栋厂房,厂房,出租,可租售,新桥,{park.name},"1,200",1.2,是,否,13916000001\n'
    )
    fmt = find_format_index(client)
    response = client.post(
        "/admin/listings/listing/import/",
        {"import_file": csv_upload(csv), "format": fmt, "resource": "0"},
    )
    assert response.status_code == 200
    assert not Listing.objects.exists()  # a preview writes nothing
    confirm = response.context["confirm_form"]
    assert confirm is not None
    client.post("/admin/listings/listing/process_import/", confirm.initial)
    listing = Listing.objects.get(code="XQ-F-0100")
    assert listing.town == "新桥镇"
    assert listing.park == park and listing.agent == agent
    assert listing.building_area == Decimal("1200")
    assert listing.eia_approvable and not listing.standalone
    assert listing.published_at is not None


def test_import_updates_by_code(client):
    existing = factories.make_listing(code="XQ-F-0200", title="旧标题")
    client.force_login(manager_user())
    csv = "code,title,kind,deal,building_area,rent_price\nXQ-F-0200,新标题,factory,rent,900,1.1\n"
    fmt = find_format_index(client)
    response = client.post(
        "/admin/listings/listing/import/",
        {"import_file": csv_upload(csv), "format": fmt, "resource": "0"},
    )
    client.post("/admin/listings/listing/process_import/", response.context["confirm_form"].initial)
    existing.refresh_from_db()
    assert existing.title == "新标题"
    assert Listing.objects.count() == 1


def test_import_reports_bad_rows_by_row_and_column_and_writes_nothing(client):
    client.force_login(manager_user())
    csv = (
        "编号,标题,类型,面积,租金,镇\n"
        "A-1,好的一行,厂房,1000,1.2,新桥镇\n"
        "A-2,坏面积,厂房,abc,1.2,新桥镇\n"
        "A-3,坏镇名,城堡,1000,1.2,火星镇\n"
    )
    fmt = find_format_index(client)
    response = client.post(
        "/admin/listings/listing/import/",
        {"import_file": csv_upload(csv), "format": fmt, "resource": "0"},
    )
    html = response.content.decode()
    result = response.context["result"]
    invalid = {row.number: row.field_specific_errors for row in result.invalid_rows}
    assert set(invalid) == {2, 3}
    assert "面积" in invalid[2]
    assert set(invalid[3]) >= {"类型", "镇"}
    assert "“火星镇”不是松江区的镇或街道。" in html
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert not Listing.objects.exists()


def test_import_refuses_unknown_columns(client):
    client.force_login(manager_user())
    fmt = find_format_index(client)
    response = client.post(
        "/admin/listings/listing/import/",
        {"import_file": csv_upload("编号,颜色\nA-1,红\n"), "format": fmt, "resource": "0"},
    )
    assert "无法识别的列：颜色" in response.content.decode()
    assert not Listing.objects.exists()


def test_land_import_with_chinese_headers(client):
    client.force_login(manager_user())
    csv = (
        "宗地编号,坐落,镇,用地性质,出让面积（㎡）,起始价（万元）,出让方式,挂牌开始,挂牌截止\n"
        "yf-19-001,永丰街道某路以南,永丰街道,工业用地,11875.3,1104,挂牌,2030-03-20 09:00,2030-03-30 15:00\n"
    )
    fmt = find_format_index(client, "landparcel")
    response = client.post(
        "/admin/listings/landparcel/import/",
        {"import_file": csv_upload(csv), "format": fmt, "resource": "0"},
    )
    client.post(
        "/admin/listings/landparcel/process_import/", response.context["confirm_form"].initial
    )
    parcel = LandParcel.objects.get(code="YF-19-001")
    assert parcel.area == Decimal("11875.3")
    assert parcel.bidding_closes_at.year == 2030


def test_the_import_template_downloads_with_chinese_headers(client):
    client.force_login(manager_user())
    response = client.get("/admin/listings/listing/import-template/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["编号", "标题", "类型"]
    assert sheet["A2"].value == "XQ-F-0012"
    import_page = client.get("/admin/listings/listing/import/").content.decode()
    assert reverse("admin:listings_listing_import_template") in import_page


def test_agents_cannot_import(client):
    user, _agent = agent_user()
    client.force_login(user)
    assert client.get("/admin/listings/listing/import/").status_code == 403
    assert client.get("/admin/listings/listing/import-template/").status_code == 403


def test_the_export_round_trips_through_the_importer():
    factories.make_listing(code="RT-1", title="往返")
    dataset = ListingResource().export()
    assert "RT-1" in dataset.csv
    # The price column is for people reading the export; the import passes over it.
    assert dataset.dict[0]["price"] == "1.2 元/㎡/天"
    Listing.objects.all().delete()
    result = ListingResource().import_data(tablib.Dataset().load(dataset.csv, format="csv"))
    assert not result.has_errors() and not result.has_validation_errors()
    assert Listing.objects.get(code="RT-1").title == "往返"


def test_a_rent_listing_without_rent_shows_mianyi_in_the_changelist_and_export(client, superuser):
    factories.make_listing(code="MY-1", rent_price=None, sale_price=Decimal("2500"))
    factories.make_listing(code="MY-2", rent_price=Decimal("1.20"))
    client.force_login(superuser)
    html = client.get(CHANGELIST).content.decode()
    rows = re.findall(r"<tr>.*?</tr>", html, re.S)
    row = next(r for r in rows if "MY-1" in r)
    assert '<td class="field-price_display">面议</td>' in row
    assert "2500" not in row
    row = next(r for r in rows if "MY-2" in r)
    assert '<td class="field-price_display">1.2 元/㎡/天</td>' in row
    dataset = ListingResource().export()
    prices = {row["code"]: row["price"] for row in dataset.dict}
    assert prices == {"MY-1": "面议", "MY-2": "1.2 元/㎡/天"}


def export_format_index(client, label):
    html = client.get("/admin/listings/listing/export/").content.decode()
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', html)
    return next(value for value, text in options if text.strip().lower() == label)


@pytest.mark.parametrize("label", ["csv", "xlsx"])
def test_exports_neutralise_cells_a_spreadsheet_would_run(client, superuser, label):
    factories.make_listing(code="F-1", title='=HYPERLINK("http://evil")', building_area=1200)
    client.force_login(superuser)
    response = client.post(
        "/admin/listings/listing/export/",
        {
            "format": export_format_index(client, label),
            "resource": "0",
            "listingresource_code": "on",
            "listingresource_title": "on",
            "listingresource_building_area": "on",
        },
    )
    assert response.status_code == 200
    if label == "csv":
        rows = list(tablib.Dataset().load(response.content.decode("utf-8-sig"), format="csv"))
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert list(rows[0][:2]) == ["F-1", '\'=HYPERLINK("http://evil")']
