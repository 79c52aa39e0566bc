"""Pages that miss the page cache still skip work already done: list cards, search
results and the sections shared by many pages are kept rendered (the "fragments" cache),
and a kept card costs neither its row nor its pictures. What a visitor sees must be the
same whether a fragment was kept or rendered afresh, and a change shows at once."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from demo.pictures import ensure_pictures
from listings.models import Listing
from tests import factories

pytestmark = pytest.mark.django_db


def visible(html):
    """The page without what differs per response (the CSP nonce) or per render
    (whitespace between tags)."""
    return re.sub(r"\s+", " ", re.sub(r'nonce="[^"]+"', "", html))


def get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def touching(queries, table):
    return [sql for sql in queries if f'FROM "{table}"' in sql]


@pytest.fixture
def listings():
    park = factories.make_park(slug="kept")
    rows = []
    for index in range(6):
        listing = factories.make_listing(park=park, title=f"保留卡片 {index}")
        listing.images.create(image=f"listings/kept-{index}.jpg", position=0)
        rows.append(listing)
    return rows


@pytest.mark.parametrize("url", ["/listings/", "/en/listings/?kind=factory&park=kept"])
def test_a_listing_list_seen_again_loads_no_rows_and_looks_the_same(client, listings, url):
    first, first_queries = get(client, url)
    assert touching(first_queries, "listings_listingimage")
    again, queries = get(client, url)
    assert visible(again) == visible(first)
    assert again.count('class="card listing-card"') == 6
    # Only the narrow page of ids and versions: no full rows, no pictures.
    assert not touching(queries, "listings_listingimage")
    rows = touching(queries, "listings_listing")
    assert len(rows) == 1
    assert '"listings_listing"."title"' not in rows[0]


def test_a_changed_listing_shows_at_once_and_only_its_row_is_loaded(client, listings):
    get(client, "/listings/")
    changed = listings[2]
    changed.title = "新标题 <b>改过</b>"
    changed.save()
    html, queries = get(client, "/listings/")
    assert "新标题 &lt;b&gt;改过&lt;/b&gt;" in html
    assert "保留卡片 2" not in html
    assert html.count('class="card listing-card"') == 6
    loaded = [sql for sql in queries if '"listings_listing"."id" IN (' in sql]
    assert len(loaded) == 1
    assert f'"listings_listing"."id" IN ({changed.pk})' in loaded[0]


def test_the_first_card_of_a_page_is_kept_apart_from_the_others(client):
    # The first card loads its picture eagerly (LCP): a kept card must not carry that
    # into another place on the page when another order puts it elsewhere.
    pictures = ensure_pictures()
    for n in range(3):
        listing = factories.make_listing(building_area=1000 + n)
        listing.images.create(image=pictures[n], position=0)
    for url in ["/listings/", "/listings/?sort=area", "/listings/", "/listings/?sort=area"]:
        covers = re.findall(r"<img [^>]*card__cover[^>]*>", get(client, url)[0])
        assert len(covers) == 3
        assert 'loading="eager" fetchpriority="high"' in covers[0]
        assert all('loading="lazy"' in c and "fetchpriority" not in c for c in covers[1:])


def test_a_land_list_seen_again_loads_only_the_card_keys(client):
    for index in range(4):
        factories.make_parcel(location=f"保留地块 {index}")
    first, _ = get(client, "/land/")
    again, queries = get(client, "/land/")
    assert visible(again) == visible(first)
    assert again.count('class="card land-card"') == 4
    rows = touching(queries, "listings_landparcel")
    assert len(rows) == 1
    assert '"listings_landparcel"."location"' not in rows[0]


def test_search_results_seen_again_are_not_loaded_and_a_change_shows_at_once(client):
    category = factories.make_category()
    articles = [
        factories.make_article(category=category, title=f"厂房政策解读 {n}") for n in range(3)
    ]
    url = "/search/?q=厂房政策"
    first, _ = get(client, url)
    assert first.count('class="search-result ') == 3
    again, queries = get(client, url)
    assert visible(again) == visible(first)
    # The ranking is kept (until something public changes) and so are the results.
    assert queries == []
    Article.objects.get(pk=articles[0].pk).save()  # a new version of one result
    articles[1].title = "厂房政策解读 修订版"
    articles[1].save()
    html, queries = get(client, url)
    assert "修订版" in html
    assert html.count('class="search-result ') == 3
    # Ranked again once, and only the two changed results are loaded.
    assert len([sql for sql in queries if "search_vector" in sql]) == 1
    loaded = [sql for sql in queries if '"articles_article"."id" IN (' in sql]
    assert len(loaded) == 1
    ids = re.search(r'"articles_article"."id" IN \(([^)]*)\)', loaded[0]).group(1)
    assert sorted(int(pk) for pk in ids.split(", ")) == [articles[0].pk, articles[1].pk]
    # A new article that matches shows at once; a bulk update after a minute.
    factories.make_article(category=category, title="厂房政策解读 新增")
    assert get(client, url)[0].count('class="search-result ') == 4
    Article.objects.filter(pk=articles[2].pk).update(status=Article.Status.DRAFT)
    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        assert get(client, url)[0].count('class="search-result ') == 3


def test_the_home_sections_are_kept_until_something_public_changes(client):
    listing = factories.make_listing(title="首页推荐厂房", featured=True)
    first, _ = get(client, "/")
    assert "首页推荐厂房" in first
    again, queries = get(client, "/")
    assert visible(again) == visible(first)
    assert queries == []
    listing.title = "首页推荐厂房（已更新）"
    listing.save()
    html, queries = get(client, "/")
    assert "首页推荐厂房（已更新）" in html
    assert touching(queries, "listings_listing")
    # A row changed without save() (a bulk update, which leaves updated_at) shows once
    # the kept sections and cards expire: ten minutes at most.
    Listing.objects.filter(pk=listing.pk).update(title="批量改名")
    assert "首页推荐厂房（已更新）" in get(client, "/")[0]
    with time_machine.travel(timezone.now() + timedelta(seconds=601), tick=False):
        assert "批量改名" in get(client, "/")[0]


def test_the_park_list_is_kept_and_a_new_park_shows_at_once(client):
    factories.make_park(name="第一园区")
    first, _ = get(client, "/parks/")
    again, queries = get(client, "/parks/")
    assert visible(again) == visible(first)
    assert queries == []
    factories.make_park(name="新建园区")
    html, _ = get(client, "/parks/")
    assert "第一园区" in html
    assert "新建园区" in html


def test_the_news_sections_are_kept_and_follow_a_new_category(client):
    first_category = factories.make_category(name="政策解读", slug="policy")
    factories.make_article(category=first_category, title="一篇资讯", tags=["智能制造"])
    first, _ = get(client, "/news/")
    assert "智能制造" in first
    again, queries = get(client, "/news/")
    assert visible(again) == visible(first)
    assert not touching(queries, "articles_category")
    assert not touching(queries, "articles_taggedarticle")
    other = factories.make_category(name="园区动态", slug="parks-news")
    factories.make_article(category=other, title="另一篇资讯")
    html, _ = get(client, "/news/")
    assert "园区动态" in html
    # The current category's chip is marked on its own page, kept or not.
    for _round in range(2):
        policy, _ = get(client, "/news/c/policy/")
        assert re.search(r'chip--current" href="[^"]*policy/"\s*aria-current="page"', policy)


def nav(html):
    return re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)


def test_the_kept_navigation_marks_each_page_and_language_apart(client):
    for _round in range(2):
        factory = nav(get(client, "/listings/?kind=factory")[0])
        warehouse = nav(get(client, "/listings/?kind=warehouse")[0])
        english = nav(get(client, "/en/listings/?kind=factory")[0])
        assert re.search(r'\?kind=factory"\s*aria-current="page"', factory)
        assert not re.search(r'\?kind=factory"\s*aria-current="page"', warehouse)
        assert re.search(r'\?kind=warehouse"\s*aria-current="page"', warehouse)
        assert 'href="/en/listings/?kind=factory"' in english
        assert 'href="/listings/?kind=factory"' not in english


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_news_cards_and_the_lead_seen_again_load_no_article_rows(client, prefix):
    policy = factories.make_category(name="政策", name_en="Policy", slug="policy")
    parks = factories.make_category(name="园区动态", slug="parks-news")  # no English name
    lead = factories.make_article(category=policy, title="头条", featured=True)
    for n in range(3):
        factories.make_article(category=parks if n % 2 else policy, title=f"资讯 {n}")
    for url in [f"{prefix}/news/", f"{prefix}/news/c/policy/"]:
        first, _ = get(client, url)
        again, queries = get(client, url)
        assert visible(again) == visible(first)
        assert not [sql for sql in queries if '"articles_article"."title' in sql]
    assert "Policy" in get(client, "/en/news/")[0]
    lead.title_zh_hans = lead.title_en = "头条（更新）"
    lead.save()
    html, queries = get(client, f"{prefix}/news/")
    assert "头条（更新）" in html
    assert html.count('<article class="news-lead">') == 1
    assert html.count('<article class="news-card') == 3


def test_kept_filter_chips_follow_the_query_and_the_page(client, listings):
    for _round in range(2):
        factory = get(client, "/listings/?kind=factory&eia=1")[0]
        warehouse = get(client, "/listings/?kind=warehouse")[0]
        second = get(client, "/listings/?kind=factory&eia=1&page=2")[0]
        assert factory.count('class="chip__remove"') == 2
        assert warehouse.count('class="chip__remove"') == 1
        assert 'href="/listings/?eia=1"' in factory  # remove 厂房, keep 可环评
        assert 'href="/listings/?kind=factory"' in factory
        assert "from=listings&amp;kind=warehouse" in warehouse
        assert "from=listings&amp;kind=factory&amp;eia=1&amp;page=2" in second


def test_the_list_reads_its_count_and_park_choices_in_one_round_trip(client, listings):
    get(client, "/listings/?park=kept")
    calls, depth = [], [0]
    for name in ("get", "get_many", "get_or_set"):
        original = getattr(cache, name)

        def spy(*args, _name=name, _original=original, **kwargs):
            # The in-memory test cache answers get_many with gets: count the outer call.
            if not depth[0]:
                calls.append(_name)
            depth[0] += 1
            try:
                return _original(*args, **kwargs)
            finally:
                depth[0] -= 1

        setattr(cache, name, spy)
    try:
        html, queries = get(client, "/listings/?park=kept")
    finally:
        for name in ("get", "get_many", "get_or_set"):
            delattr(cache, name)
    assert calls == ["get_many"]
    assert html.count('class="card listing-card"') == 6
    assert not [sql for sql in queries if "COUNT(" in sql]


def test_the_news_count_is_kept_per_page_version(client):
    category = factories.make_category()
    for n in range(20):
        factories.make_article(category=category, title=f"资讯 {n}")
    first, _ = get(client, "/news/")
    assert 'class="pagination"' not in first
    again, queries = get(client, "/news/")
    assert not [sql for sql in queries if "COUNT(" in sql]
    # One more article: counted again at once, and the list gets a second page.
    factories.make_article(category=category, title="第二十一篇")
    html, queries = get(client, "/news/")
    assert [sql for sql in queries if "COUNT(" in sql]
    assert 'class="pagination"' in html


def selected(html, name):
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return re.search(r'<option value="([^"]*)" selected>', select).group(1)


def test_a_listing_page_seen_again_loads_no_similar_listings_and_follows_changes(client):
    park = factories.make_park(slug="detail")
    listing = factories.make_listing(park=park, title="详情厂房")
    for n in range(2):
        factories.make_listing(park=park, title=f"相似厂房 {n}")
    url = listing.get_absolute_url()
    first, _ = get(client, url)
    again, queries = get(client, url)
    assert visible(again.replace(stamp(again), "")) == visible(first.replace(stamp(first), ""))
    assert len([sql for sql in queries if 'FROM "listings_listing"' in sql]) == 1  # the row
    assert stamp(again) != stamp(first)  # each visitor's own stamp, drawn fresh
    factories.make_listing(park=park, title="新的相似厂房")
    listing.title = "详情厂房（已更新）"
    listing.save()
    html, _ = get(client, url)
    assert "新的相似厂房" in html
    assert "详情厂房（已更新）" in html


def stamp(html):
    return re.search(r'name="stamp" value="([^"]+)"', html).group(1)


def test_a_park_page_seen_again_reads_none_of_its_sections_and_follows_a_new_listing(client):
    park = factories.make_park(slug="sections", name="分区园区")
    factories.make_listing(park=park, title="园区厂房一")
    first, _ = get(client, park.get_absolute_url())
    again, queries = get(client, park.get_absolute_url())
    assert visible(again.replace(stamp(again), "")) == visible(first.replace(stamp(first), ""))
    assert not [sql for sql in queries if 'FROM "listings_listing"' in sql]
    factories.make_listing(park=park, title="园区厂房二")
    assert "园区厂房二" in get(client, park.get_absolute_url())[0]


def test_an_article_page_keeps_its_pager_and_related_and_follows_a_new_article(client):
    category = factories.make_category()
    older = factories.make_article(category=category, title="较早的文章", tags=["政策"])
    article = factories.make_article(category=category, title="本文", tags=["政策"])
    first, _ = get(client, article.get_absolute_url())
    assert "较早的文章" in first
    again, queries = get(client, article.get_absolute_url())
    assert visible(again.replace(stamp(again), "")) == visible(first.replace(stamp(first), ""))
    assert len([sql for sql in queries if 'FROM "articles_article"' in sql]) == 1  # the row
    newer = factories.make_article(category=category, title="更新的文章", tags=["政策"])
    html, _ = get(client, article.get_absolute_url())
    assert re.search(r'rel="next"\s+href="' + newer.get_absolute_url(), html)
    assert older.get_absolute_url() in html


def test_the_kept_inquiry_fields_follow_the_prefill_of_each_page(client):
    factory = factories.make_listing(kind=Listing.Kind.FACTORY)
    warehouse = factories.make_listing(kind=Listing.Kind.WAREHOUSE, deal=Listing.Deal.SALE)
    for _round in range(2):
        assert selected(get(client, factory.get_absolute_url())[0], "need_kind") == "factory"
        html = get(client, warehouse.get_absolute_url())[0]
        assert selected(html, "need_kind") == "warehouse"
        assert selected(html, "need_deal") == "sale"
        # The plain inquiry page asks; a results page carries its filters.
        assert selected(get(client, "/inquiry/")[0], "need_kind") == ""
        assert selected(get(client, "/inquiry/?from=listings&kind=office")[0], "need_kind") == (
            "office"
        )


def test_a_refused_inquiry_shows_the_visitors_own_values_not_a_kept_form(client):
    listing = factories.make_listing()
    get(client, listing.get_absolute_url())  # the blank form is kept
    page = get(client, listing.get_absolute_url())[0]
    response = client.post(
        "/inquiry/",
        {"stamp": stamp(page), "name": "王<b>先生</b>", "mobile": "123", "need_kind": "factory"},
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="王&lt;b&gt;先生&lt;/b&gt;"' in html
    assert 'value="123"' in html
