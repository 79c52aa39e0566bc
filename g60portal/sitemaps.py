"""Sitemap sections; each app contributes the sitemaps of its public pages.

/sitemap.xml is one sitemap while every section fits in one file, and a sitemap index
(pointing at /sitemap-<section>.xml?p=N) once a section has more than
URLS_PER_SITEMAP URLs, which 100k listings do."""

from django.contrib.sitemaps import Sitemap, views
from django.urls import reverse

from articles.sitemaps import ArticleSitemap, NewsCategorySitemap
from listings.sitemaps import LandSitemap, ListingSitemap, ParkSitemap


class StaticViewSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return ["home", "contact", "privacy"]

    def location(self, item):
        return reverse(item)


# Search engines take up to 50,000 URLs per file; smaller files are quicker to make.
URLS_PER_SITEMAP = 5000


def paged(sitemap_class):
    """An instance of sitemap_class whose files hold URLS_PER_SITEMAP URLs (Django pages
    an i18n sitemap by (item, language) pairs: one pair, one URL)."""
    sitemap = sitemap_class()
    sitemap.limit = URLS_PER_SITEMAP
    return sitemap


SITEMAPS = {
    "static": paged(StaticViewSitemap),
    "articles": paged(ArticleSitemap),
    "news-categories": paged(NewsCategorySitemap),
    "listings": paged(ListingSitemap),
    "land": paged(LandSitemap),
    "parks": paged(ParkSitemap),
}


def sitemap_or_index(request):
    """/sitemap.xml: the whole sitemap while it fits in one file, else the index. Kept
    whole by the page cache like any public page, renewed when a listing changes."""
    if any(sitemap.paginator.num_pages > 1 for sitemap in SITEMAPS.values()):
        return views.index(request, SITEMAPS, sitemap_url_name="sitemap-section")
    return views.sitemap(request, SITEMAPS)


def section(request, section):
    return views.sitemap(request, SITEMAPS, section=section)
