"""Issue 16, items 2 and 3: English pages show English content where it exists; where it
does not, the Chinese original is marked lang="zh-Hans" under a note, left out of the
English sitemap and given no English hreflang alternate. Money and dates read naturally
in English, and English text has no full-width punctuation. Chinese pages are unchanged."""

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from articles.models import Tag
from core.numbers import rmb, rmb_from_wan
from tests import factories

# Full-width forms Chinese text uses; curly quotes are English typography too.
FULL_WIDTH = re.compile(r"[（），：；。、！？【】《》]")
NOTE = "Available in Chinese only"


class VisibleText(HTMLParser):
    """The page's visible text outside elements marked lang="zh-Hans"."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack, self.english = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        attrs = dict(attrs)
        parent = self.stack[-1] if self.stack else False
        hidden = tag in ("script", "style", "head", "template")
        self.stack.append(parent or hidden or attrs.get("lang") == "zh-Hans")

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]) and data.strip():
            self.english.append(data.strip())


def english_text(html):
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.english)


def head(html):
    return html.split("</head>")[0]


@pytest.fixture
def translated(db):
    park = factories.make_park(
        name="松江经济技术开发区",
        name_en="Songjiang Economic and Technological Development Zone",
        summary="摘要",
        summary_en="The home of Songjiang's large manufacturers.",
        introduction="简介",
        introduction_en="Roads, power and water are in place.",
        leading_industries="电子信息、装备制造",
        leading_industries_en="Electronics, Equipment",
        address="松江区荣乐东路2号",
        address_en="2 Rongle East Road",
    )
    listing = factories.make_listing(
        title="新桥 单层厂房",
        title_en="Single-storey factory in Xinqiao",
        description="描述",
        description_en="A single-storey factory.",
        payment_terms="押二付三",
        payment_terms_en="2 months deposit, 3 upfront",
        address="松江区新桥镇民益路1号",
        address_en="1 Minyi Road, Xinqiao",
        park=park,
        rent_price=Decimal("1.37"),
        building_area=Decimal("15000"),
        floor_load=1500,
        property_fee=Decimal("1.5"),
    )
    return listing


def test_a_translated_listing_reads_in_english_with_its_english_alternate(client, translated):
    html = client.get(f"/en{translated.get_absolute_url()}").content.decode()
    assert "<h1>Single-storey factory in Xinqiao</h1>" in html
    assert "A single-storey factory." in html
    assert NOTE not in html
    assert 'hreflang="en"' in head(html)
    assert "RMB 1.37/m²/day" in html
    assert "(about RMB 616,500/month)" in html
    assert not FULL_WIDTH.findall(english_text(html))


def test_an_untranslated_listing_shows_the_chinese_marked_and_noted(client, db):
    listing = factories.make_listing(title="九亭 研发办公", description="一楼大堂")
    url = listing.get_absolute_url()
    html = client.get(f"/en{url}").content.decode()
    assert '<h1 lang="zh-Hans">九亭 研发办公</h1>' in html
    assert '<div class="prose" lang="zh-Hans"><p>一楼大堂</p></div>' in html
    assert NOTE in html
    assert 'hreflang="en"' not in head(html)
    assert 'hreflang="zh-Hans"' in head(html)
    sitemap = client.get("/sitemap.xml").content.decode()
    assert f"/listings/{listing.pk}/</loc>" in sitemap
    assert f"/en/listings/{listing.pk}/</loc>" not in sitemap
    # The Chinese page is as before: no note, no marks, the English alternate kept for
    # the switch but not announced to search engines.
    html = client.get(url).content.decode()
    assert "<h1>九亭 研发办公</h1>" in html
    assert NOTE not in html
    assert "此内容暂无英文版" not in html


def test_money_reads_naturally_in_english_and_as_before_in_chinese(client, db):
    sale = factories.make_listing(deal="sale", sale_price=Decimal("2625"), title_en="For sale")
    parcel = factories.make_parcel(
        area=Decimal("10000"), starting_price=Decimal("951"), title_en="Plot", location_en="Plot"
    )
    sale_url, parcel_url = sale.get_absolute_url(), parcel.get_absolute_url()
    html = client.get(f"/en{sale_url}").content.decode()
    assert "RMB 26.25 million" in html
    html = client.get(sale_url).content.decode()
    assert '<span class="price__amount">2625</span> 万元' in html
    html = client.get(f"/en{parcel_url}").content.decode()
    assert "RMB 9.51 million" in html
    assert "RMB 634,000 per mu (RMB 951/m²)" in html
    assert "10,000 m² (15 mu)" in html
    html = client.get(parcel_url).content.decode()
    assert "63.4 万元/亩 · 951 元/㎡" in html


def test_english_amounts():
    assert rmb_from_wan(Decimal("2625")) == "RMB 26.25 million"
    assert rmb_from_wan(Decimal("61.65")) == "RMB 616,500"
    assert rmb_from_wan(Decimal("63.4")) == "RMB 634,000"
    assert rmb(Decimal("1.37"), 2) == "RMB 1.37"
    assert rmb(952) == "RMB 952"


def test_dates_read_in_english_form(client, db):
    article = factories.make_article(title_en="News", body_en="<p>Text.</p>", summary_en="Text.")
    url = article.get_absolute_url()
    html = client.get(f"/en{url}").content.decode()
    assert re.search(r">\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}</time>", html)
    html = client.get(url).content.decode()
    assert re.search(r">\d{4}-\d{2}-\d{2} \d{2}:\d{2}</time>", html)


@pytest.mark.parametrize("page", ["listing", "park", "parcel", "article"])
def test_english_pages_have_no_full_width_punctuation(client, translated, page):
    parcel = factories.make_parcel(
        title_en="Plot 19 in Yongfeng",
        location_en="East of Jinxi Road, Yongfeng",
        boundary_east="规划1号路",
        boundary_east_en="Planned Road No. 1",
    )
    article = factories.make_article(
        title_en="New policy",
        body_en="<p>Text.</p>",
        category=factories.make_category(name_en="Policy"),
    )
    url = {
        "listing": translated.get_absolute_url(),
        "park": translated.park.get_absolute_url(),
        "parcel": parcel.get_absolute_url(),
        "article": article.get_absolute_url(),
    }[page]
    html = client.get(f"/en{url}").content.decode()
    text = english_text(html)
    assert not FULL_WIDTH.findall(text), text
    assert not re.search(r"[\u4e00-\u9fff]", text), text


# Chinese money units and measures that must not reach English text (issue 16, item 3).
CHINESE_UNITS = re.compile(r"㎡|万元|元/|×10,?000|CNY|亩")


def _meta(html):
    """The text of the description and og:description meta tags."""
    return " ".join(
        re.findall(r'<meta (?:name|property)="(?:og:)?description"\s+content="([^"]*)"', html)
    )


@pytest.fixture
def parcel_in_park(translated):
    """A parcel of the issue's example (11,875.3 m², RMB 11.04 million) in the park."""
    return factories.make_parcel(
        park=translated.park,
        title_en="Plot 19 in Yongfeng",
        location_en="East of Jinxi Road, Yongfeng",
        area=Decimal("11875.3"),
        starting_price=Decimal("1104"),
        deposit=Decimal("220.8"),
        investment_intensity=Decimal("500"),
        announcement_no="沪松规划资源告字〔2026〕19号",
    )


def test_a_parcel_page_in_english_reads_money_and_measures_in_english(client, parcel_in_park):
    url = parcel_in_park.get_absolute_url()
    html = client.get(f"/en{url}?investment=20000&tax=600").content.decode()
    text = english_text(html)
    assert not FULL_WIDTH.findall(text), FULL_WIDTH.findall(text)
    assert not CHINESE_UNITS.findall(text.replace(" mu", "")), CHINESE_UNITS.findall(text)
    assert "RMB 11.04 million" in text
    assert "11,875.3 m² (17.81 mu)" in text
    assert re.search(r"RMB [\d,]+ per mu \(RMB [\d,]+/m²\)", text)
    assert "Deed tax (3%)" in text  # the land-cost calculator
    assert "RMB 2.208 million" not in text and "RMB 2.21 million" in text  # the deposit
    meta = _meta(html)
    assert "11,875.3 m²" in meta and "RMB 11.04 million" in meta, meta
    assert not FULL_WIDTH.findall(meta) and not CHINESE_UNITS.findall(meta), meta
    # The announcement number stays Chinese, marked as such.
    assert re.search(r'<span lang="zh-Hans">沪松规划资源告字〔2026〕19号</span>', html)


def test_a_park_page_in_english_has_its_cards_in_english(client, parcel_in_park):
    html = client.get(f"/en{parcel_in_park.park.get_absolute_url()}").content.decode()
    text = english_text(html)
    assert not FULL_WIDTH.findall(text), FULL_WIDTH.findall(text)
    assert not CHINESE_UNITS.findall(text.replace(" mu", "")), CHINESE_UNITS.findall(text)
    assert "11,875.3 m² (17.81 mu)" in text  # the land card
    assert "RMB 11.04 million" in text
    assert "15,000 m²" in text  # the listing card
    assert "RMB 1.37/m²/day" in text


def test_the_same_parcel_and_park_pages_in_chinese_are_unchanged(client, parcel_in_park):
    url = parcel_in_park.get_absolute_url()
    html = client.get(f"{url}?investment=20000&tax=600").content.decode()
    assert "11875.3 ㎡（17.81 亩）" in html
    assert '<span class="price__amount">1104</span> 万元' in html
    assert "契税（3%）" in html
    assert re.search(
        r'<meta name="description" content="YF-\d+-001 [^"]* 11875.3㎡ 起始价 1104 万元', html
    )
    html = client.get(parcel_in_park.park.get_absolute_url()).content.decode()
    assert "11875.3 ㎡（17.81 亩）" in html
    assert "15000 ㎡" in html


def test_a_listing_page_in_english_describes_itself_with_english_place_names(client, db):
    listing = factories.make_listing(
        title_en="Factory in Sheshan",
        description_en="A factory.",
        town="佘山镇",
        building_area=1500,
    )
    url = listing.get_absolute_url()
    html = client.get(f"/en{url}").content.decode()
    meta = _meta(html)
    assert "Sheshan Town" in meta and "1,500 m²" in meta, meta
    assert not re.search(r"[\u4e00-\u9fff㎡]", meta), meta
    structured = html.split('type="application/ld+json"')[1].split("</script>")[0]
    assert "佘山镇" not in structured and "Sheshan Town" in structured
    html = client.get(url).content.decode()
    assert "1500㎡ 佘山镇" in _meta(html)


def test_lists_can_be_limited_to_translated_items(
    client, translated, django_assert_max_num_queries
):
    untranslated = factories.make_listing(title="九亭 研发办公")
    park_pk = translated.park.pk
    html = client.get("/en/listings/").content.decode()
    assert "Single-storey factory in Xinqiao" in html
    assert (
        f'<h3 class="card__title" lang="zh-Hans"><a href="/en/listings/{untranslated.pk}/">' in html
    )
    assert "?translated=1" in html
    with django_assert_max_num_queries(12):
        response = client.get("/en/listings/", {"translated": "1"})
    assert [row.pk for row in response.context["object_list"]] == [translated.pk]
    # The toggle is for English pages; the Chinese list shows neither toggle nor marks.
    html = client.get("/listings/").content.decode()
    assert "translated=1" not in html
    assert 'lang="zh-Hans"' not in html.split('id="main"', 1)[1]
    for url in ("/en/parks/", "/en/land/", "/en/news/"):
        response = client.get(url, {"translated": "1"})
        assert response.status_code == 200
    parks = client.get("/en/parks/", {"translated": "1"}).context["object_list"]
    assert [park.pk for park in parks] == [park_pk]


def test_tags_have_english_names(client, db):
    article = factories.make_article(
        title_en="News", body_en="<p>Text.</p>", tags=["智能制造", "集成电路"]
    )
    Tag.objects.filter(name="智能制造").update(name_en="Smart manufacturing")
    url = article.get_absolute_url()
    html = client.get(f"/en{url}").content.decode()
    assert "#Smart manufacturing</a>" in html
    assert '#<span lang="zh-Hans">集成电路</span></a>' in html
    html = client.get("/en/news/").content.decode()
    assert ">Smart manufacturing <span" in html
    html = client.get(url).content.decode()
    assert "#智能制造</a>" in html


def test_english_pages_are_kept_and_renewed_when_english_is_added(
    client, settings, db, django_assert_num_queries
):
    settings.PAGE_CACHE_SECONDS = 600
    listing = factories.make_listing(title="九亭 研发办公")
    url = f"/en{listing.get_absolute_url()}"
    assert client.get(url)["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        assert NOTE in client.get(url).content.decode()
    listing.title_en = "R&D offices in Jiuting"
    listing.save()
    html = client.get(url).content.decode()
    assert "<h1>R&amp;D offices in Jiuting</h1>" in html
    assert NOTE not in html


@pytest.mark.parametrize(
    "url",
    [
        "/en/",
        "/en/listings/",
        "/en/land/",
        "/en/parks/",
        "/en/news/",
        "/en/search/",
        "/en/search/?q=nothing",
        "/en/inquiry/",
        "/en/contact/",
        "/en/privacy/",
        "/en/match/",
    ],
)
def test_the_english_interface_has_no_chinese_left(client, db, url):
    html = client.get(url).content.decode()
    text = english_text(html)
    assert not re.search(r"[\u4e00-\u9fff]", text), text
    assert not FULL_WIDTH.findall(text), text


def test_the_hero_search_hint_is_english(client, db):
    html = client.get("/en/").content.decode()
    assert 'placeholder="Town, park or need, e.g. Xinqiao standalone factory"' in html


def test_the_match_page_shares_the_park_choices_of_the_listing_filter(client, translated):
    # One cache entry holds the park choices of both forms, with both names.
    assert client.get("/en/listings/").status_code == 200
    html = client.get("/en/match/").content.decode()
    assert ">Songjiang Economic and Technological Development Zone</option>" in html
    html = client.get("/match/").content.decode()
    assert ">松江经济技术开发区</option>" in html


def test_the_match_page_reads_budgets_in_english(client, db):
    factories.make_listing(deal="sale", sale_price=Decimal("2625"), title_en="For sale")
    html = client.get("/en/match/?deal=buy&sale_max=5000").content.decode()
    assert "Sale price RMB 26.25 million ≤ RMB 50 million ✓" in html
    assert not CHINESE_UNITS.findall(english_text(html).replace(" mu", ""))
    html = client.get("/match/?deal=buy&sale_max=5000").content.decode()
    assert "售价 2625 万元 ≤ 5000 万元 ✓" in html
