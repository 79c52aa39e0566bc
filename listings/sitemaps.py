"""Sitemaps of the public listings, land and park pages, in both UI languages."""

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import BooleanField, ExpressionWrapper

from core.translations import translated_q
from listings.models import LandParcel, Listing, Park


def with_english_flag(queryset):
    """Rows annotated with `has_english` (docs/english.md) for `languages_for`."""
    flag = ExpressionWrapper(translated_q(queryset.model.english_fields), BooleanField())
    return queryset.annotate(has_english=flag)


def languages_for(item):
    """The languages an item's page is listed in: English only once it is translated."""
    if item.has_english:
        return [code for code, _name in settings.LANGUAGES]
    return [settings.LANGUAGE_CODE]


class _I18nSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    limit = 5000

    def get_languages_for_item(self, item):
        return languages_for(item)

    def lastmod(self, obj):
        return obj.updated_at


class ListingSitemap(_I18nSitemap):
    changefreq = "weekly"
    priority = 0.7

    def items(self):
        return with_english_flag(Listing.objects.published().only("pk", "updated_at")).order_by(
            "-pk"
        )


class LandSitemap(_I18nSitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        return with_english_flag(LandParcel.objects.published().only("pk", "updated_at")).order_by(
            "-pk"
        )


class ParkSitemap(_I18nSitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return with_english_flag(Park.objects.published().only("slug", "updated_at")).order_by(
            "position", "pk"
        )
