"""Sitemaps of the public listings, land and park pages, in both UI languages."""

from django.contrib.sitemaps import Sitemap

from listings.models import LandParcel, Listing, Park


class _I18nSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    limit = 5000

    def lastmod(self, obj):
        return obj.updated_at


class ListingSitemap(_I18nSitemap):
    changefreq = "weekly"
    priority = 0.7

    def items(self):
        return Listing.objects.published().only("pk", "updated_at").order_by("-pk")


class LandSitemap(_I18nSitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        return LandParcel.objects.published().only("pk", "updated_at").order_by("-pk")


class ParkSitemap(_I18nSitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return Park.objects.published().only("slug", "updated_at").order_by("position", "pk")
