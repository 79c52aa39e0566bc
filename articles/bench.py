"""`make bench` for articles: server time of /news/, an article page and the feed."""

from django.test import Client
from django.test.utils import override_settings

from articles import demo
from articles.models import Article
from g60portal.management.commands.bench import time_call

TARGET_ARTICLES = 10_000
TARGET_LIST_P95_MS = 80
TARGET_ARTICLE_P95_MS = 100


def run(command, repeat=30):
    existing = Article.objects.filter(source_name=demo.BENCH_SOURCE).count()
    if existing < TARGET_ARTICLES:
        command.stdout.write(f"building {TARGET_ARTICLES - existing} more articles first…")
        demo.seed(command, articles=TARGET_ARTICLES)
    published = Article.objects.published()
    article = published.filter(tags__isnull=False).order_by("-published_at").first()
    command.stdout.write(
        f"{Article.objects.count()} articles ({published.count()} public), "
        f"target p95 ≤ {TARGET_LIST_P95_MS} ms"
    )
    client = Client()
    cases = [
        ("/news/", "/news/", TARGET_LIST_P95_MS),
        ("/news/?page=200", "/news/?page=200", TARGET_LIST_P95_MS),
        ("/news/c/<slug>/", article.category.get_absolute_url(), TARGET_LIST_P95_MS),
        ("/tags/<slug>/", f"/tags/{article.tags.first().slug}/", TARGET_LIST_P95_MS),
        ("/news/<id>/", article.get_absolute_url(), TARGET_ARTICLE_P95_MS),
        ("/feeds/news/", "/feeds/news/", TARGET_LIST_P95_MS),
    ]
    # DEBUG off so that queries are not recorded; pages are measured as served.
    with override_settings(DEBUG=False):
        for label, url, target in cases:
            response = client.get(url)  # warm up: thumbnails, plans, connection
            assert response.status_code == 200, (url, response.status_code)

            def fetch(url=url):
                client.get(url)

            command.report(label, time_call(fetch, repeat), target=target)
