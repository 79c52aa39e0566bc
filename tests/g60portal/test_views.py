import json

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from g60portal import sitemaps, views
from tests import factories

pytestmark = pytest.mark.django_db


def test_it_serves_the_home_page_in_chinese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    for label in ["首页", "厂房", "仓库", "土地", "园区", "资讯", "联系我们"]:
        assert f">{label}</a>" in html, label


def test_it_serves_the_english_ui_under_en(client):
    response = client.get("/en/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    for label in ["Home", "Factories", "Warehouses", "Land", "Parks", "News", "Contact us"]:
        assert f">{label}</a>" in html, label
    assert "首页" not in html


def test_pages_link_their_other_language_with_hreflang(client):
    html = client.get("/contact/").content.decode()
    assert '<link rel="alternate" hreflang="zh-Hans" href="http://testserver/contact/">' in html
    assert '<link rel="alternate" hreflang="en" href="http://testserver/en/contact/">' in html
    assert 'hreflang="x-default" href="http://testserver/contact/"' in html
    # The language switch goes to the same page in English.
    assert 'href="/en/contact/" hreflang="en"' in html


def test_footer_shows_contact_and_icp_record(client, settings):
    settings.SITE_ICP = "沪ICP备12345678号-9"
    settings.SITE_HOTLINE = "021-1234-5678"
    html = client.get("/").content.decode()
    assert "沪ICP备12345678号-9" in html
    assert 'href="tel:02112345678"' in html
    assert "©" in html


def test_home_hides_sections_without_content(client):
    html = client.get("/").content.decode()
    assert 'id="featured-listings"' not in html
    assert 'id="open-land"' not in html
    assert 'id="latest-news"' not in html
    assert 'id="inquiry-cta"' in html


def test_home_shows_sections_that_have_content(client):
    park = factories.make_park(name="松江经济技术开发区")
    factories.make_listing(title="新桥独栋厂房", park=park)
    factories.make_parcel(code="YF-19-001")
    factories.make_article(title="G60科创走廊新政解读")
    html = client.get("/").content.decode()
    assert "新桥独栋厂房" in html
    assert "YF-19-001" in html
    assert "G60科创走廊新政解读" in html
    assert "松江经济技术开发区" in html


def test_home_page_has_a_query_budget(client, django_assert_max_num_queries):
    park = factories.make_park()
    for _ in range(10):
        factories.make_listing(park=park)
        factories.make_article()
    for _ in range(5):
        factories.make_parcel()
    with django_assert_max_num_queries(8):
        assert client.get("/").status_code == 200


def test_healthz_reports_a_working_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_when_the_database_is_down(client, unused_tcp_port):
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(
        {"HOST": "127.0.0.1", "PORT": str(unused_tcp_port), "CONN_HEALTH_CHECKS": False}
    )
    connection.settings_dict["OPTIONS"] = {**saved.get("OPTIONS", {}), "connect_timeout": 2}
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "error", "database": "unavailable"}


def test_robots_txt_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert "Disallow: /admin/" in response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()


def test_sitemap_lists_both_languages(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    assert "<loc>http://testserver/contact/</loc>" in xml
    assert "<loc>http://testserver/en/contact/</loc>" in xml


@override_settings(DEBUG=False)
def test_unknown_pages_get_the_sites_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html
    assert ">联系我们</a>" in html


def test_server_errors_get_the_sites_500_page(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.home, "sections", broken)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "出错了" in html
    assert "/static/css/site.css" in html


def test_pages_send_a_content_security_policy(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_contact_and_privacy_pages_have_breadcrumbs(client):
    for name, title in [("contact", "联系我们"), ("privacy", "隐私政策")]:
        html = client.get(reverse(name)).content.decode()
        assert 'class="breadcrumb"' in html
        assert f'<li aria-current="page">{title}</li>' in html


# ---- icons and the web app manifest ---------------------------------------------------------


def test_favicon_ico_is_served_at_the_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # the ICO signature
    assert "max-age=86400" in response["Cache-Control"]


@pytest.mark.django_db
def test_every_page_names_its_touch_icon_and_manifest(client):
    html = client.get("/").content.decode()
    assert 'rel="apple-touch-icon"' in html
    assert 'href="/manifest.webmanifest"' in html
    assert 'rel="icon" href="/favicon.ico"' in html


def test_the_manifest_names_the_site_in_the_visitors_language(client, settings):
    chinese = client.get("/manifest.webmanifest")
    assert chinese["Content-Type"] == "application/manifest+json"
    assert chinese.json()["name"] == settings.SITE_NAME
    assert chinese.json()["start_url"] == "/"
    sizes = {icon["sizes"] for icon in chinese.json()["icons"]}
    assert {"192x192", "512x512"} <= sizes
    english = client.get("/en/manifest.webmanifest").json()
    assert english["name"] == settings.SITE_NAME_EN
    assert english["start_url"] == "/en/"


@pytest.mark.django_db
def test_a_parcel_page_gives_wechat_a_share_picture(client):
    parcel = factories.make_parcel()
    html = client.get(parcel.get_absolute_url()).content.decode()
    assert '<meta property="og:image" content="http://testserver/static/img/icon-512.png">' in html


def test_the_sitemap_becomes_an_index_when_a_section_outgrows_one_file(client, monkeypatch):
    # Translated, so each listing has its Chinese and its English URL (docs/english.md).
    listings = [factories.make_listing(title_en="Factory") for _ in range(3)]
    monkeypatch.setattr(sitemaps.SITEMAPS["listings"], "limit", 2)
    index = client.get("/sitemap.xml").content.decode()
    assert "<sitemapindex" in index
    assert "<loc>http://testserver/sitemap-listings.xml?p=3</loc>" in index
    assert "<loc>http://testserver/sitemap-parks.xml</loc>" in index
    pages = "".join(
        client.get("/sitemap-listings.xml", {"p": p}).content.decode() for p in (1, 2, 3)
    )
    for listing in listings:
        assert f"<loc>http://testserver/listings/{listing.pk}/</loc>" in pages
        assert f"<loc>http://testserver/en/listings/{listing.pk}/</loc>" in pages


def test_a_small_sitemap_stays_one_file(client, listing):
    xml = client.get("/sitemap.xml").content.decode()
    assert "<urlset" in xml
    assert f"<loc>http://testserver/listings/{listing.pk}/</loc>" in xml
    assert sitemaps.URLS_PER_SITEMAP == 5000
