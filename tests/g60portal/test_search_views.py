"""/search/: relevance, visibility, facets, pagination, bad input."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from articles.models import Article
from g60portal.site_search import SiteSearch
from listings.models import LandParcel, Listing
from tests import factories

pytestmark = pytest.mark.django_db


def results(client, q, **params):
    """(kind, title text) of the results, in order."""
    response = client.get("/search/", {"q": q, **params})
    assert response.status_code == 200
    html = response.content.decode()
    found = re.findall(
        r'<li class="search-result search-result--(\w+)">.*?'
        r'<h2 class="search-result__title"><a href="[^"]*">(.*?)</a></h2>',
        html,
        re.S,
    )
    return [(kind, re.sub(r"</?mark>", "", title)) for kind, title in found]


def titles(client, q, **params):
    return [title for _kind, title in results(client, q, **params)]


# ---- Relevance ----------------------------------------------------------------------


def test_a_title_match_outranks_a_body_mention(client):
    now = timezone.now()
    # The body mention is newer: weights must beat the recency boost.
    factories.make_article(
        title="园区动态",
        summary="近期园区活动",
        body="<p>本月新增一批可环评厂房。</p>",
        published_at=now - timedelta(hours=1),
    )
    factories.make_article(
        title="可环评厂房供应增加",
        summary="市场观察",
        body="<p>市场观察。</p>",
        published_at=now - timedelta(days=60),
    )
    assert titles(client, "可环评") == ["可环评厂房供应增加", "园区动态"]


def test_kechuang_zoulang_finds_articles_about_the_g60_corridor(client):
    factories.make_article(title="G60科创走廊九城联动招商", body="<p>九城市合作。</p>")
    factories.make_article(title="松江区发布产业政策", body="<p>支持G60科创走廊建设。</p>")
    factories.make_article(title="无关的新闻", body="<p>天气晴。</p>")
    assert sorted(titles(client, "科创走廊")) == ["G60科创走廊九城联动招商", "松江区发布产业政策"]
    # Typed with a space, or without "G60", it is the same corridor.
    assert len(titles(client, "G60 科创走廊")) == 2
    assert len(titles(client, "G60科创走廊")) == 2


def test_a_town_name_finds_its_listings(client):
    factories.make_listing(title="独栋单层厂房出租", town="泗泾镇")
    factories.make_listing(title="标准厂房出租", town="九亭镇")
    assert titles(client, "泗泾") == ["独栋单层厂房出租"]
    assert titles(client, "泗泾镇") == ["独栋单层厂房出租"]


def test_town_and_need_together_narrow_the_listings(client):
    factories.make_listing(title="新桥镇独栋单层厂房", town="新桥镇", standalone=True)
    factories.make_listing(title="新桥镇多层厂房", town="新桥镇")
    factories.make_listing(title="九亭独栋厂房", town="九亭镇", standalone=True)
    assert titles(client, "新桥 独栋厂房") == ["新桥镇独栋单层厂房"]


def test_a_park_name_finds_the_park_first(client):
    park = factories.make_park(name="松江综合保税区", slug="bonded", town="九亭镇")
    factories.make_listing(title="松江综合保税区标准厂房", park=park)
    factories.make_listing(title="保税仓库出租", park=park, kind=Listing.Kind.WAREHOUSE)
    factories.make_article(title="松江综合保税区新政解读", body="<p>松江综合保税区。</p>")
    found = results(client, "松江综合保税区")
    assert found[0] == ("park", "松江综合保税区")
    assert len(found) == 4


def test_a_parcel_code_finds_that_parcel(client):
    factories.make_parcel(code="YF-19-001", location="永丰街道某路")
    factories.make_parcel(code="YF-19-002", location="永丰街道另一路")
    factories.make_parcel(code="YF-19-0012", location="永丰街道第三路")
    assert titles(client, "YF-19-001") == ["YF-19-001 永丰街道某路"]
    assert titles(client, "yf-19-001") == ["YF-19-001 永丰街道某路"]
    # The series finds all three.
    assert len(titles(client, "YF-19")) == 3


def test_an_area_finds_listings_of_about_that_size(client):
    factories.make_listing(title="可环评厂房甲", eia_approvable=True, building_area=1100)
    factories.make_listing(title="可环评厂房乙", eia_approvable=True, building_area=5000)
    factories.make_listing(
        title="可环评厂房丙",
        eia_approvable=True,
        building_area=6000,
        min_divisible_area=800,
    )
    factories.make_listing(title="厂房丁", building_area=1000)
    assert sorted(titles(client, "可环评 1000平")) == ["可环评厂房丙", "可环评厂房甲"]


def test_unpublished_stale_and_withdrawn_objects_are_never_found(client):
    now = timezone.now()
    word = "泖港"
    factories.make_listing(title=f"{word}草稿厂房", status=Listing.Status.DRAFT)
    factories.make_listing(title=f"{word}久未核实厂房", last_verified_at=now - timedelta(days=365))
    factories.make_listing(title=f"{word}已出租厂房", status=Listing.Status.LET)
    factories.make_listing(title=f"{word}未发布厂房", published_at=None)
    factories.make_parcel(code="MG-01-001", title=f"{word}撤回地块", status="withdrawn")
    factories.make_parcel(
        code="MG-01-002", title=f"{word}已成交地块", status="sold", result_price=100
    )
    factories.make_parcel(code="MG-01-003", title=f"{word}未发布地块", published_at=None)
    factories.make_park(name=f"{word}未发布园区", is_published=False)
    factories.make_article(title=f"{word}草稿文章", status=Article.Status.DRAFT, published_at=None)
    factories.make_article(title=f"{word}定时文章", published_at=now + timedelta(days=1))
    factories.make_listing(title=f"{word}在租厂房")
    assert titles(client, word) == [f"{word}在租厂房"]
    assert titles(client, "MG-01-001") == []


# ---- Kept current ---------------------------------------------------------------------


def test_an_edited_listing_is_found_by_its_new_title(client, listing):
    listing.title = "车墩镇高标厂房"
    listing.save(update_fields=["title"])
    assert titles(client, "车墩 高标厂房") == ["车墩镇高标厂房"]


def test_renaming_a_park_reindexes_its_listings_and_parcels(client):
    park = factories.make_park(name="旧名园区")
    factories.make_listing(title="园区内厂房", park=park)
    factories.make_parcel(code="XQ-22-001", park=park)
    park.name = "临港松江科技城"
    park.save()
    kinds = [kind for kind, _title in results(client, "临港松江科技城")]
    assert sorted(kinds) == ["land", "listing", "park"]


def test_renaming_a_news_category_reindexes_its_articles(client):
    category = factories.make_category(name="旧栏目")
    factories.make_article(title="松江发布新政", category=category)
    category.name = "招商活动"
    category.save()
    assert titles(client, "招商活动") == ["松江发布新政"]


# ---- The page -----------------------------------------------------------------------


@pytest.fixture
def one_of_each(db):
    park = factories.make_park(name="G60科创云廊", slug="cloud", town="新桥镇")
    factories.make_listing(title="新桥研发楼出租", park=park, kind=Listing.Kind.OFFICE)
    factories.make_parcel(code="XQ-23-001", title="新桥研发用地", park=park, town="新桥镇")
    factories.make_article(title="新桥镇产业园开园")
    return park


def test_results_of_all_four_kinds_with_facet_counts(client, one_of_each):
    response = client.get("/search/", {"q": "新桥"})
    html = response.content.decode()
    kinds = sorted(kind for kind, _title in results(client, "新桥"))
    assert kinds == ["article", "land", "listing", "park"]
    for label in ["全部", "房源", "土地", "园区", "资讯"]:
        assert re.search(rf">{label} <span class=\"search-facets__count\">\d+</span>", html)
    assert '全部 <span class="search-facets__count">4</span>' in html


def test_the_kind_filter_keeps_one_kind(client, one_of_each):
    assert results(client, "新桥", kind="land") == [("land", "XQ-23-001 新桥研发用地")]
    # An unknown kind is ignored.
    assert len(results(client, "新桥", kind="<script>")) == 4


def test_results_are_paginated(client):
    for n in range(25):
        factories.make_listing(title=f"佘山厂房{n}")
    first = titles(client, "佘山")
    second = titles(client, "佘山", page=2)
    assert len(first) == 20
    assert len(second) == 5
    assert not set(first) & set(second)
    # A page past the end shows the last page; nonsense shows the first.
    assert titles(client, "佘山", page=99) == second
    assert titles(client, "佘山", page="abc") == first


def test_the_query_is_kept_in_the_header_box(client, one_of_each):
    html = client.get("/search/", {"q": "新桥 <b>"}).content.decode()
    assert 'name="q" maxlength="100" value="新桥 &lt;b&gt;"' in html


def test_every_page_has_the_header_search_box(client):
    for url in ["/", "/contact/", "/en/"]:
        html = client.get(url).content.decode()
        assert 'action="/search/"' in html or 'action="/en/search/"' in html, url


def test_matched_terms_are_highlighted_and_markup_escaped(client):
    factories.make_listing(
        title='<img src=x onerror="alert(1)">小昆山厂房', description="小昆山镇<script>x</script>"
    )
    html = client.get("/search/", {"q": "小昆山"}).content.decode()
    assert "<img src=x" not in html
    assert "<script>x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;<mark>小昆山</mark>厂房" in html


def test_an_empty_query_offers_suggestions_and_the_inquiry_form(client):
    factories.make_park(name="松江出口加工区", slug="export")
    factories.make_article(title="集成电路政策", tags=["集成电路"])
    html = client.get("/search/").content.decode()
    assert "松江出口加工区" in html
    assert "集成电路" in html
    assert 'action="/inquiry/"' in html


def test_a_query_without_results_offers_suggestions_and_the_inquiry_form(client):
    factories.make_park(name="松江出口加工区", slug="export")
    html = client.get("/search/", {"q": "不存在的东西"}).content.decode()
    assert "没有找到与“不存在的东西”相关的内容" in html
    assert "松江出口加工区" in html
    assert 'action="/inquiry/"' in html


def test_the_results_page_has_a_query_budget(client, one_of_each, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get("/search/", {"q": "新桥"})
    assert response.status_code == 200


def test_the_english_ui_searches_too(client, one_of_each):
    response = client.get("/en/search/", {"q": "新桥"})
    assert response.status_code == 200
    assert "<mark>新桥</mark>" in response.content.decode()


# ---- Bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        "厂房 & 仓库",
        "厂房 | 仓库",
        "!厂房",
        "厂:*",
        "'厂房'",
        '"厂房"',
        "(厂房",
        "厂房)",
        "<->",
        "厂房 <-> 仓库",
        "\\",
        "x" * 5000,
        "厂房" * 2500,
        "!!!，。？",
        "     ",
        "😀🏭",
        "厂房\x00",
        "\x00",
        "%00",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "1e999平",
        "99999999999平",
        "0平",
    ],
)
def test_nasty_queries_never_fail(client, listing, q):
    for url in ["/search/", "/listings/", "/land/"]:
        response = client.get(url, {"q": q, "kind": "listing", "page": "2"})
        assert response.status_code == 200, url


def test_tsquery_syntax_is_searched_as_words(client):
    factories.make_listing(title="石湖荡厂房")
    assert titles(client, "石湖荡 & 厂房") == ["石湖荡厂房"]
    assert titles(client, "!石湖荡 | (厂房:*)") == ["石湖荡厂房"]


def test_several_q_parameters_use_the_last_one(client):
    factories.make_listing(title="叶榭仓库", kind=Listing.Kind.WAREHOUSE)
    factories.make_listing(title="xyz厂房")
    response = client.get("/search/?q=xyz&q=叶榭")
    assert response.status_code == 200
    html = re.sub(r"</?mark>", "", response.content.decode())
    assert "<h1>“叶榭”的搜索结果</h1>" in html
    assert "叶榭仓库" in html
    assert "xyz厂房" not in html


def test_listing_and_land_lists_use_the_same_machinery(client):
    factories.make_listing(title="新桥镇独栋单层厂房", town="新桥镇")
    factories.make_parcel(code="SJ-20-003", location="洞泾镇沈砖公路")
    html = client.get("/listings/", {"q": "新桥 独栋厂房"}).content.decode()
    assert "新桥镇独栋单层厂房" in html
    html = client.get("/land/", {"q": "SJ-20-003"}).content.decode()
    assert "洞泾镇沈砖公路" in html
    assert LandParcel.objects.search_text("sj-20-003").count() == 1


def test_common_words_count_up_to_a_cap_and_rank_the_newest_matches(client, monkeypatch):
    monkeypatch.setattr(SiteSearch, "MAX_CANDIDATES", 3)
    now = timezone.now()
    for n in range(5):
        factories.make_listing(title=f"洞泾厂房{n}", published_at=now - timedelta(days=n))
    html = client.get("/search/", {"q": "洞泾"}).content.decode()
    assert '房源 <span class="search-facets__count">3+</span>' in html
    assert "结果超过 3 条" in html
    assert sorted(titles(client, "洞泾")) == ["洞泾厂房0", "洞泾厂房1", "洞泾厂房2"]


def test_a_half_typed_last_word_already_finds(client):
    factories.make_listing(title="九亭研发楼整层出租", town="九亭镇", kind=Listing.Kind.OFFICE)
    assert titles(client, "九亭 研") == ["九亭研发楼整层出租"]
    assert titles(client, "九亭 研发") == ["九亭研发楼整层出租"]
    assert titles(client, "九亭研发楼") == ["九亭研发楼整层出租"]


def test_a_listing_result_shows_the_price_as_the_card_does(client):
    factories.make_listing(title="价格规则厂房甲", rent_price=None, sale_price=Decimal("2500"))
    factories.make_listing(title="价格规则厂房乙", rent_price=Decimal("1.20"))
    html = client.get("/search/", {"q": "价格规则厂房"}).content.decode()
    metas = dict(
        re.findall(
            r'<h2 class="search-result__title"><a href="[^"]*">(.*?)</a></h2>.*?'
            r'<p class="search-result__meta">(.*?)</p>',
            html,
            re.S,
        )
    )
    metas = {re.sub(r"</?mark>", "", title): meta for title, meta in metas.items()}
    assert "<span>面议</span>" in metas["价格规则厂房甲"]
    assert "2500" not in metas["价格规则厂房甲"]
    assert "<span>1.2 元/㎡/天</span>" in metas["价格规则厂房乙"]


@pytest.mark.parametrize("q", ["厂房", "新桥 仓库", "工业用地"])
def test_a_query_naming_a_space_lists_spaces_and_land_before_news(client, q):
    now = timezone.now()
    # The news is newer and names the word in its title: it would score first.
    for n in range(3):
        factories.make_article(
            title=f"{q} 市场观察 {n}", summary=q, body=f"<p>{q}</p>", published_at=now
        )
    factories.make_listing(
        title="新桥 厂房 仓库",
        published_at=now - timedelta(days=90),
        description="工业用地上的厂房",
    )
    kinds = [kind for kind, _title in results(client, q)]
    assert kinds[0] == "listing", kinds
    assert kinds.count("article") == 3


def test_a_query_naming_no_space_ranks_by_relevance_alone(client):
    factories.make_article(title="松江人才政策解读", published_at=timezone.now())
    factories.make_listing(title="松江 人才公寓旁 厂房", description="人才政策")
    assert results(client, "人才政策")[0][0] == "article"
