from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.utils import timezone

from articles.models import Article, Category


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.6
    i18n = True
    alternates = True
    x_default = True
    limit = 5000

    def items(self):
        return Article.objects.published().only("pk", "updated_at", "published_at").order_by("-pk")

    def lastmod(self, item):
        return max(item.updated_at, item.published_at)


class NewsCategorySitemap(Sitemap):
    changefreq = "daily"
    priority = 0.5
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        now = timezone.now()
        public = Q(articles__status=Article.Status.PUBLISHED, articles__published_at__lte=now)
        return Category.objects.annotate(
            newest=Max("articles__published_at", filter=public)
        ).filter(newest__isnull=False)

    def lastmod(self, item):
        return item.newest
