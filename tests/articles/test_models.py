from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from articles.models import Article
from tests import factories

pytestmark = pytest.mark.django_db


def test_published_shows_only_published_articles_whose_time_has_come(category):
    now = timezone.now()
    live = factories.make_article(category=category, published_at=now - timedelta(minutes=1))
    factories.make_article(category=category, status=Article.Status.DRAFT)
    factories.make_article(category=category, published_at=now + timedelta(hours=2))
    factories.make_article(
        category=category,
        status=Article.Status.DRAFT,
        published_at=now - timedelta(days=1),
    )

    assert list(Article.objects.published()) == [live]


def test_a_scheduled_article_goes_live_when_its_time_comes(category):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        article = factories.make_article(category=category, published_at=start + timedelta(hours=1))
        assert article.is_scheduled
        assert not Article.objects.published().exists()
        assert list(Article.objects.scheduled()) == [article]
    with time_machine.travel(start + timedelta(hours=1, seconds=1), tick=False):
        assert list(Article.objects.published()) == [article]
        article.refresh_from_db()
        assert article.is_public and not article.is_scheduled


def test_publishing_without_a_time_publishes_now(category):
    with time_machine.travel("2026-03-01 08:00 +0800", tick=False):
        article = Article.objects.create(
            title="标题", category=category, status=Article.Status.PUBLISHED
        )
    assert article.published_at == timezone.datetime.fromisoformat("2026-03-01T08:00+08:00")


def test_a_draft_keeps_an_empty_publication_time(category):
    article = Article.objects.create(title="草稿", category=category)
    assert article.published_at is None
    assert not article.is_public


@pytest.mark.parametrize(
    "payload, forbidden",
    [
        ('<p>正文<script>alert("x")</script></p>', "<script"),
        ('<p onclick="alert(1)">正文</p>', "onclick"),
        ('<img src="/media/a.jpg" onerror="alert(1)">', "onerror"),
        ('<a href="javascript:alert(1)">链接</a>', "javascript:"),
        ('<a href="JaVaScRiPt&colon;alert(1)">链接</a>', "alert"),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', "data:"),
        ('<iframe src="https://evil.example/"></iframe>', "<iframe"),
        ('<form action="https://evil.example/"><input name="x"></form>', "<form"),
        ('<p style="background:url(javascript:alert(1))">正文</p>', "style="),
        ("<style>body{display:none}</style><p>正文</p>", "<style"),
        ("<svg><script>alert(1)</script></svg>", "<svg"),
        ('<math><mi xlink:href="javascript:alert(1)">x</mi></math>', "javascript"),
    ],
)
def test_saving_cleans_the_body(category, payload, forbidden):
    article = factories.make_article(category=category, body=payload)
    article.refresh_from_db()
    assert forbidden.lower() not in article.body.lower()


def test_cleaning_keeps_what_the_editor_makes(category):
    body = (
        "<h2>小标题</h2><p><strong>粗体</strong><em>斜体</em><u>下划线</u></p>"
        '<ul><li>一</li></ul><ol start="3"><li>三</li></ol><blockquote>引用</blockquote>'
        '<figure><img src="/media/articles/body/2026/01/a.jpg" alt="车间"><figcaption>说明</figcaption></figure>'
        '<table><tbody><tr><th colspan="2">表头</th></tr></tbody></table>'
        '<p><a href="https://www.songjiang.gov.cn/">链接</a></p>'
    )
    article = factories.make_article(category=category, body=body)
    for kept in [
        "<h2>小标题</h2>",
        "<strong>粗体</strong>",
        '<ol start="3">',
        '<img src="/media/articles/body/2026/01/a.jpg" alt="车间">',
        "<figcaption>说明</figcaption>",
        '<th colspan="2">',
        'href="https://www.songjiang.gov.cn/"',
    ]:
        assert kept in article.body


def test_pictures_from_other_sites_are_dropped(category):
    article = factories.make_article(
        category=category, body='<p>文字<img src="https://other.example/a.jpg" alt="x"></p>'
    )
    assert article.body == "<p>文字</p>"


def test_an_empty_summary_is_taken_from_the_body_without_its_headings(category):
    article = factories.make_article(
        category=category, summary="", body="<h2>要点</h2><p>" + "松江" * 100 + "</p>"
    )
    assert article.summary.startswith("松江松江")
    assert len(article.summary) == 120
    assert article.summary.endswith("…")


def test_picture_captions_stay_out_of_the_summary(category):
    article = factories.make_article(
        category=category,
        summary="",
        body='<p>导语。</p><figure><img src="/media/a.jpg" alt="a"><figcaption>图注</figcaption></figure>',
    )
    assert article.summary == "导语。"


def test_a_written_summary_is_kept(category):
    article = factories.make_article(category=category, summary="编辑写的摘要")
    assert article.summary == "编辑写的摘要"


def test_related_articles_share_tags_first_then_category_newest_first():
    now = timezone.now()
    policy = factories.make_category(name="政策", slug="p1")
    industry = factories.make_category(name="行业", slug="i1")
    article = factories.make_article(category=policy, tags=["智能制造", "集成电路", "专项资金"])
    two_tags = factories.make_article(
        category=industry, tags=["智能制造", "集成电路"], published_at=now - timedelta(days=9)
    )
    one_tag_new = factories.make_article(
        category=industry, tags=["专项资金"], published_at=now - timedelta(days=1)
    )
    one_tag_old_same_cat = factories.make_article(
        category=policy, tags=["智能制造"], published_at=now - timedelta(days=5)
    )
    same_category = factories.make_article(category=policy, published_at=now - timedelta(days=2))
    factories.make_article(category=industry, tags=["别的"])  # nothing in common
    factories.make_article(category=policy, tags=["智能制造"], status=Article.Status.DRAFT)
    factories.make_article(category=policy, tags=["智能制造"], published_at=now + timedelta(days=1))

    related = list(Article.objects.published().related_to(article))

    assert related == [two_tags, one_tag_old_same_cat, one_tag_new, same_category]


def test_related_articles_work_without_tags_and_respect_the_limit(category):
    article = factories.make_article(category=category)
    for _ in range(8):
        factories.make_article(category=category)
    related = list(Article.objects.published().related_to(article, limit=6))
    assert len(related) == 6
    assert article not in related


def test_previous_and_next_skip_what_the_public_cannot_see(category):
    now = timezone.now()
    oldest = factories.make_article(category=category, published_at=now - timedelta(days=3))
    factories.make_article(
        category=category, status=Article.Status.DRAFT, published_at=now - timedelta(days=2)
    )
    middle = factories.make_article(category=category, published_at=now - timedelta(days=1))
    newest = factories.make_article(category=category, published_at=now - timedelta(hours=1))
    factories.make_article(category=category, published_at=now + timedelta(days=1))

    published = Article.objects.published()
    assert published.adjacent_to(middle) == (oldest, newest)
    assert published.adjacent_to(oldest) == (None, middle)
    assert published.adjacent_to(newest) == (middle, None)


def test_previous_and_next_order_articles_of_the_same_minute_by_id(category):
    at = timezone.now() - timedelta(hours=1)
    first, second, third = (
        factories.make_article(category=category, published_at=at) for _ in range(3)
    )
    assert Article.objects.published().adjacent_to(second) == (first, third)
