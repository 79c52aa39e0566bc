"""Sitemap sections; each app contributes the sitemaps of its public pages."""

from django.contrib.sitemaps import Sitemap
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


SITEMAPS = {
    "static": StaticViewSitemap,
    "articles": ArticleSitemap,
    "news-categories": NewsCategorySitemap,
    "listings": ListingSitemap,
    "land": LandSitemap,
    "parks": ParkSitemap,
}
