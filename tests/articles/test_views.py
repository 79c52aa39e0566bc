import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests import factories
from tests.articles.conftest import picture_bytes

pytestmark = pytest.mark.django_db


def _with_cover(article, name="cover.jpg"):
    article.cover.save(name, ContentFile(picture_bytes(fmt="JPEG")), save=True)
    return article


# ---- /news/ ----------------------------------------------------------------------


def test_news_list_shows_cards_of_public_articles(client, category):
    article = _with_cover(
        factories.make_article(
            category=category, title="松江发布智能制造专项资金指南", summary="申报要点"
        )
    )
    factories.make_article(category=category, title="还是草稿", status=Article.Status.DRAFT)
    factories.make_article(
        category=category, title="明天才发布", published_at=timezone.now() + timedelta(days=1)
    )

    response = client.get("/news/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "松江发布智能制造专项资金指南" in html
    assert "申报要点" in html
    assert f'href="{article.get_absolute_url()}"' in html
    assert timezone.localtime(article.published_at).strftime("%Y-%m-%d") in html
    assert '<a href="/news/c/policy/">政策解读</a>' in html
    assert re.search(r'<img src="/media/thumbnails/[^"]+\.jpg" alt="" loading="lazy"', html)
    assert "还是草稿" not in html
    assert "明天才发布" not in html


def test_news_list_leads_with_the_newest_featured_article(client, category):
    factories.make_article(category=category, title="普通文章")
    factories.make_article(
        category=category,
        title="推荐文章",
        featured=True,
        published_at=timezone.now() - timedelta(days=2),
    )
    html = client.get("/news/").content.decode()
    lead = html[html.index('class="news-lead"') : html.index('class="news-cards"')]
    assert "推荐文章" in lead
    assert html.count("推荐文章</a>") == 1


def test_news_list_stays_within_its_query_budget(client, django_assert_max_num_queries):
    categories = [factories.make_category() for _ in range(4)]
    for n in range(25):
        article = factories.make_article(
            category=categories[n % 4], tags=[f"标签{n % 7}", f"主题{n % 5}", "G60"]
        )
        if n < 20:
            _with_cover(article, f"c{n}.jpg")
    client.get("/news/")  # thumbnails are made on first sight, then kept

    with django_assert_max_num_queries(6):
        response = client.get("/news/")

    assert response.status_code == 200
    assert response.content.decode().count('<article class="news-card') == 20


@pytest.mark.parametrize("page", ["abc", "99999", "0", "-1", "1.5", "9" * 40, "%00", "😀"])
def test_bad_page_numbers_give_the_sites_404(client, category, page):
    factories.make_article(category=category)
    response = client.get("/news/", {"page": page})
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode() or response.templates[0].name == "404.html"


def test_the_second_page_lists_older_articles(client, category):
    now = timezone.now()
    for n in range(21):
        factories.make_article(
            category=category, title=f"文章{n:02d}", published_at=now - timedelta(hours=n + 1)
        )
    html = client.get("/news/", {"page": 2}).content.decode()
    assert "文章20" in html
    assert "文章00" not in html
    assert "第 2 页，共 2 页" in html


# ---- categories and tags --------------------------------------------------------


def test_category_page_lists_only_its_public_articles(client, category):
    other = factories.make_category(name="行业资讯", slug="industry")
    factories.make_article(category=category, title="政策文章")
    factories.make_article(category=other, title="行业文章")
    factories.make_article(category=category, title="政策草稿", status=Article.Status.DRAFT)

    response = client.get("/news/c/policy/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>政策解读</h1>" in html
    assert "政策文章" in html
    assert "行业文章" not in html
    assert "政策草稿" not in html
    assert 'aria-current="page">政策解读</a>' in html


@pytest.mark.parametrize("slug", ["nope", "政策", "a" * 60])
def test_unknown_categories_give_404(client, category, slug):
    assert client.get(f"/news/c/{slug}/").status_code == 404


def test_tag_pages_work_with_chinese_tag_names(client, category):
    article = factories.make_article(category=category, title="智能制造文章", tags=["智能制造"])
    factories.make_article(category=category, title="别的文章", tags=["生物医药"])

    url = reverse("articles:tag", kwargs={"slug": "智能制造"})
    assert url == "/tags/%E6%99%BA%E8%83%BD%E5%88%B6%E9%80%A0/"
    response = client.get(url)

    html = response.content.decode()
    assert response.status_code == 200
    assert "标签：智能制造" in html
    assert f'href="{article.get_absolute_url()}"' in html
    assert "别的文章" not in html


def test_tag_slugs_mixing_latin_and_chinese_work(client, category):
    article = factories.make_article(category=category, title="G60文章", tags=["G60 科创走廊"])
    response = client.get("/tags/g60-科创走廊/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "标签：G60 科创走廊" in html
    assert f'href="{article.get_absolute_url()}"' in html


@pytest.mark.parametrize("slug", ["nope", "智能", "%F0%9F%98%80", "a%00b"])
def test_unknown_tags_give_404(client, category, slug):
    factories.make_article(category=category, tags=["智能制造"])
    assert client.get(f"/tags/{slug}/").status_code == 404


def test_a_tag_only_drafts_carry_has_no_page(client, category):
    factories.make_article(category=category, tags=["内部"], status=Article.Status.DRAFT)
    assert client.get("/tags/内部/").status_code == 404


# ---- the article page -----------------------------------------------------------


@pytest.fixture
def full_article(category, park):
    park.agent.wechat_id = "zhang-g60"
    park.agent.save()
    article = factories.make_article(
        category=category,
        title="松江区智能制造专项资金申报指南",
        summary="专项资金重点支持智能工厂。",
        body="<p>第一段。</p><h2>申报条件</h2><p>第二段。</p>",
        source_name="松江区经委",
        source_url="https://www.songjiang.gov.cn/zwgk/001.html",
        tags=["智能制造", "专项资金"],
        published_at=timezone.now() - timedelta(days=1),
    )
    article.parks.add(park)
    return _with_cover(article)


def test_article_page_shows_everything_a_reader_needs(client, full_article, park):
    older = factories.make_article(
        category=full_article.category,
        title="较早的文章",
        published_at=full_article.published_at - timedelta(days=2),
    )
    newer = factories.make_article(category=full_article.category, title="较新的文章")
    related = factories.make_article(
        category=factories.make_category(),
        title="同标签的文章",
        tags=["智能制造"],
        published_at=full_article.published_at - timedelta(days=30),
    )

    response = client.get(full_article.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    crumbs = html[
        html.index('class="breadcrumb"') : html.index("</nav>", html.index('class="breadcrumb"'))
    ]
    assert "首页" in crumbs and '<a href="/news/c/policy/">政策解读</a>' in crumbs
    assert '<li aria-current="page">正文</li>' in crumbs
    assert '<h1 id="article-title">松江区智能制造专项资金申报指南</h1>' in html
    assert '来源: <a href="https://www.songjiang.gov.cn/zwgk/001.html"' in html
    assert ">松江区经委</a>" in html
    assert "<h2>申报条件</h2>" in html
    assert 'href="/tags/%E6%99%BA%E8%83%BD%E5%88%B6%E9%80%A0/">#智能制造</a>' in html
    assert f'href="{older.get_absolute_url()}"><span>上一篇</span> 较早的文章' in html
    assert f'href="{newer.get_absolute_url()}"><span>下一篇</span> 较新的文章' in html
    related_html = html[html.index('class="article-related"') :]
    assert "同标签的文章" in related_html
    assert related.get_absolute_url() in related_html
    assert "版权归原作者所有" in html
    # Agent card: the park's agent, with a call to send an inquiry.
    card = html[html.index('class="agent-card"') :]
    assert park.agent.name in card
    assert f'href="tel:{park.agent.mobile}"' in card
    assert "zhang-g60" in card
    assert 'href="#inquiry"' in card
    assert 'id="inquiry"' in html
    # Share block: server-made QR code SVG of the permalink, without any style.
    permalink = f"http://testserver{full_article.get_absolute_url()}"
    share = html[
        html.index('class="article-share"') : html.index(
            "</section>", html.index('class="article-share"')
        )
    ]
    assert "<svg" in share
    assert "style" not in share[share.index("<svg") : share.index("</svg>")]
    assert f'value="{permalink}"' in share


def test_article_page_without_a_park_agent_shows_the_site_contact(client, category, settings):
    settings.SITE_HOTLINE = "021-5778-6060"
    settings.SITE_WECHAT_ID = "G60zhaoshang"
    article = factories.make_article(category=category)
    html = client.get(article.get_absolute_url()).content.decode()
    card = html[html.index('class="agent-card"') :]
    assert "招商服务热线" in card
    assert 'href="tel:02157786060"' in card
    assert "G60zhaoshang" in card


def test_our_own_article_carries_our_copyright(client, category):
    article = factories.make_article(category=category)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "原创，转载请注明出处" in html


def test_article_page_has_title_description_canonical_and_open_graph(client, full_article):
    full_article.seo_title = "智能制造专项资金 2026 申报指南"
    full_article.save()
    response = client.get(
        full_article.get_absolute_url(), {"from": "singlemessage", "isappinstalled": "0"}
    )
    html = response.content.decode()
    permalink = f"http://testserver{full_article.get_absolute_url()}"
    assert "<title>智能制造专项资金 2026 申报指南 · " in html
    assert '<meta name="description" content="专项资金重点支持智能工厂。">' in html
    assert f'<link rel="canonical" href="{permalink}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert f'<meta property="og:url" content="{permalink}">' in html
    assert re.search(
        r'<meta property="og:image" content="http://testserver/media/articles/covers/[^"]+">', html
    )
    assert '<meta property="article:tag" content="智能制造">' in html
    assert 'type="application/rss+xml"' in html


def test_article_page_carries_news_article_structured_data(client, full_article):
    html = client.get(full_article.get_absolute_url()).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "松江区智能制造专项资金申报指南"
    assert data["datePublished"] == full_article.published_at.isoformat()
    assert data["image"][0].startswith("http://testserver/media/articles/covers/")
    assert data["keywords"] == ["专项资金", "智能制造"] or set(data["keywords"]) == {
        "专项资金",
        "智能制造",
    }


def test_structured_data_cannot_break_out_of_its_script_element(client, category):
    article = factories.make_article(category=category, title="</script><script>alert(1)</script>")
    html = client.get(article.get_absolute_url()).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert json.loads(block)["headline"] == "</script><script>alert(1)</script>"
    assert "<script>alert(1)" not in html


def test_article_page_stays_within_its_query_budget(
    client, full_article, django_assert_max_num_queries
):
    full_article.tags.add(*[f"标签{n}" for n in range(15)])
    for n in range(12):
        factories.make_article(category=full_article.category, tags=[f"标签{n}", "智能制造"])
    full_article.parks.add(factories.make_park(agent=factories.make_agent()))
    client.get(full_article.get_absolute_url())  # thumbnails are made once

    with django_assert_max_num_queries(8):
        response = client.get(full_article.get_absolute_url())

    assert response.status_code == 200
    assert response.content.decode().count('class="chip" rel="tag"') == 17


@pytest.mark.parametrize("pk", ["999999", "9" * 30])
def test_unknown_articles_give_404(client, pk):
    assert client.get(f"/news/{pk}/").status_code == 404


def test_drafts_and_scheduled_articles_are_hidden_from_visitors(client, category):
    draft = factories.make_article(category=category, status=Article.Status.DRAFT)
    scheduled = factories.make_article(
        category=category, published_at=timezone.now() + timedelta(hours=3)
    )
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(scheduled.get_absolute_url()).status_code == 404


def test_staff_preview_a_draft_at_its_real_url(client, category, editor):
    draft = factories.make_article(category=category, title="草稿标题", status=Article.Status.DRAFT)
    client.force_login(editor)

    response = client.get(draft.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "草稿标题" in html
    assert "预览" in html and "本文是草稿，访客看不到。" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_staff_preview_says_when_a_scheduled_article_goes_live(client, category, editor):
    scheduled = factories.make_article(
        category=category, published_at=timezone.now() + timedelta(days=2)
    )
    client.force_login(editor)
    html = client.get(scheduled.get_absolute_url()).content.decode()
    assert "目前访客看不到" in html


def test_staff_without_article_permission_get_no_preview(client, category, staff_user):
    draft = factories.make_article(category=category, status=Article.Status.DRAFT)
    client.force_login(staff_user)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_a_published_article_is_no_preview_even_for_staff(client, category, editor):
    article = factories.make_article(category=category)
    client.force_login(editor)
    response = client.get(article.get_absolute_url())
    assert "article-preview" not in response.content.decode()
    assert "X-Robots-Tag" not in response


def test_article_pages_work_in_english(client, full_article):
    response = client.get(f"/en{full_article.get_absolute_url()}")
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


# ---- feed and sitemap -----------------------------------------------------------


def test_rss_feed_lists_public_articles_newest_first(client, category):
    now = timezone.now()
    old = factories.make_article(
        category=category, title="旧文章", published_at=now - timedelta(days=2), tags=["G60"]
    )
    new = factories.make_article(
        category=category, title="新文章", published_at=now - timedelta(hours=1)
    )
    factories.make_article(category=category, title="草稿", status=Article.Status.DRAFT)
    factories.make_article(category=category, title="定时", published_at=now + timedelta(days=1))

    response = client.get("/feeds/news/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed
    assert root.tag == "rss" and root.get("version") == "2.0"
    items = root.findall("./channel/item")
    assert [item.findtext("title") for item in items] == ["新文章", "旧文章"]
    assert items[1].findtext("link") == f"http://testserver{old.get_absolute_url()}"
    assert {c.text for c in items[1].findall("category")} == {"政策解读", "G60"}
    assert items[0].findtext("pubDate")
    assert new.title in response.content.decode()


def test_sitemap_lists_public_articles_with_lastmod(client, category):
    # With its English version, so that it is listed under /en/ too (docs/english.md).
    article = factories.make_article(
        category=category, title_en="News", body_en="<p>Text</p>", summary_en="Text"
    )
    draft = factories.make_article(category=category, status=Article.Status.DRAFT)
    scheduled = factories.make_article(
        category=category, published_at=timezone.now() + timedelta(days=1)
    )

    response = client.get("/sitemap.xml")

    xml = response.content.decode()
    assert response.status_code == 200
    assert f"<loc>http://testserver{article.get_absolute_url()}</loc>" in xml
    assert f"<loc>http://testserver/en{article.get_absolute_url()}</loc>" in xml
    assert f"http://testserver{draft.get_absolute_url()}<" not in xml
    assert f"http://testserver{scheduled.get_absolute_url()}<" not in xml
    entry = xml[xml.index(f"<loc>http://testserver{article.get_absolute_url()}</loc>") :]
    lastmod = re.search(r"<lastmod>([^<]+)</lastmod>", entry).group(1)
    assert lastmod.startswith(timezone.now().strftime("%Y-%m-%d")[:4])
    assert "<loc>http://testserver/news/c/policy/</loc>" in xml


def test_home_page_lists_the_latest_public_news(client, category):
    factories.make_article(category=category, title="首页上的新闻")
    factories.make_article(category=category, title="首页不显示的草稿", status=Article.Status.DRAFT)
    html = client.get("/").content.decode()
    assert "首页上的新闻" in html
    assert "首页不显示的草稿" not in html


def test_an_automatic_summary_is_not_shown_above_the_paragraph_it_repeats(client):
    article = factories.make_article(
        summary="",
        body="<h2>园区概况</h2><p>松江经开区成立于1992年，是国家级开发区。</p><p>第二段。</p>",
    )
    assert article.summary.startswith("松江经开区成立于1992年")  # the heading is left out
    assert "园区概况" not in article.summary
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'class="article__summary"' not in html
    assert html.count("松江经开区成立于1992年") >= 1


def test_a_written_summary_is_shown(client):
    article = factories.make_article(summary="一句话看懂新政。", body="<p>正文第一段。</p>")
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<p class="article__summary">一句话看懂新政。</p>' in html


def test_an_article_card_kept_as_a_fragment_shows_a_renamed_category(client):
    article = factories.make_article(title="松江区产业扶持政策")

    def card_meta():
        html = client.get("/news/").content.decode()
        return re.search(r'class="news-card__meta">(.*?)</p>', html, re.S).group(1)

    assert article.category.name in card_meta()
    article.category.name = "政策解读（更名）"
    article.category.save()
    assert "政策解读（更名）" in card_meta()
