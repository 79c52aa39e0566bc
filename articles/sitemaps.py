from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.utils import timezone

from articles.models import Article, Category
from listings.sitemaps import languages_for, with_english_flag


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.6
    i18n = True
    alternates = True
    x_default = True
    limit = 5000

    def items(self):
        articles = Article.objects.published().only("pk", "updated_at", "published_at")
        return with_english_flag(articles).order_by("-pk")

    def get_languages_for_item(self, item):
        return languages_for(item)

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
        categories = Category.objects.annotate(
            newest=Max("articles__published_at", filter=public)
        ).filter(newest__isnull=False)
        return with_english_flag(categories)

    def get_languages_for_item(self, item):
        return languages_for(item)

    def lastmod(self, item):
        return item.newest
