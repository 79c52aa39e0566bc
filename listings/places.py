"""Where listings and parcels are: districts and their towns (镇) and sub-districts (街道).

Town names are validated against this list for the districts it knows, so that the
`town` filter and the import agree on spelling ("新桥" is stored as "新桥镇").

`Place` is the abstract model that parks, listings and land parcels build on."""

from decimal import Decimal
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.pages import ShownOnPublicPages
from core.search import Indexed, set_search_vector, update_english_vector

DISTRICT_TOWNS = {
    "松江区": [
        "新桥镇",
        "泗泾镇",
        "洞泾镇",
        "九亭镇",
        "车墩镇",
        "佘山镇",
        "小昆山镇",
        "石湖荡镇",
        "泖港镇",
        "新浜镇",
        "叶榭镇",
        "永丰街道",
        "中山街道",
        "岳阳街道",
        "方松街道",
        "广富林街道",
        "九里亭街道",
    ],
}

# The names English pages use (pinyin, as on road signs and in official English texts).
PLACE_NAMES_EN = {
    "松江区": "Songjiang District",
    "新桥镇": "Xinqiao Town",
    "泗泾镇": "Sijing Town",
    "洞泾镇": "Dongjing Town",
    "九亭镇": "Jiuting Town",
    "车墩镇": "Chedun Town",
    "佘山镇": "Sheshan Town",
    "小昆山镇": "Xiaokunshan Town",
    "石湖荡镇": "Shihudang Town",
    "泖港镇": "Maogang Town",
    "新浜镇": "Xinbang Town",
    "叶榭镇": "Yexie Town",
    "永丰街道": "Yongfeng Sub-district",
    "中山街道": "Zhongshan Sub-district",
    "岳阳街道": "Yueyang Sub-district",
    "方松街道": "Fangsong Sub-district",
    "广富林街道": "Guangfulin Sub-district",
    "九里亭街道": "Jiuliting Sub-district",
}

DISTRICTS = list(DISTRICT_TOWNS)


def place_name(value):
    """A district or town name in the page's language ("新桥镇" → "Xinqiao Town")."""
    if value and (get_language() or "").startswith("en"):
        return PLACE_NAMES_EN.get(value, value)
    return value


# For choices made once at import and shown in either language.
place_label = lazy(place_name, str)


TOWNS = [town for towns in DISTRICT_TOWNS.values() for town in towns]

_SUFFIXES = ("镇", "街道")


def normalize_town(value):
    """The known spelling of a town name, accepting the short form ("新桥" → "新桥镇").

    Unknown names come back stripped but otherwise unchanged."""
    value = (value or "").strip()
    if not value or value in TOWNS:
        return value
    for town in TOWNS:
        if town.removesuffix("街道").removesuffix("镇") == value:
            return town
    return value


def is_known_town(district, town):
    """False only when the district is one we know and the town is not in it."""
    towns = DISTRICT_TOWNS.get(district)
    return towns is None or town in towns


# GCJ-02 coordinates only make sense inside China's bounding box.
LONGITUDE_RANGE = (Decimal("73"), Decimal("136"))
LATITUDE_RANGE = (Decimal("3"), Decimal("54"))


class Place(ShownOnPublicPages, Indexed, models.Model):
    """What parks, listings and land parcels share about where they are: district, town,
    GCJ-02 coordinates, their checks, links into map apps, and the search vector kept
    up to date on save (each model still says what it indexes in `search_document`).

    A model's own checks go in `clean_more`; `clean` raises them together with the
    place's."""

    district = models.CharField(_("区"), max_length=20, default="松江区")
    town = models.CharField(_("镇/街道"), max_length=20, blank=True)
    longitude = models.DecimalField(
        _("经度（GCJ-02）"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    latitude = models.DecimalField(
        _("纬度（GCJ-02）"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        set_search_vector(self, kwargs)
        super().save(*args, **kwargs)
        update_english_vector(self)

    def clean(self):
        errors = {}
        self.clean_place(errors)
        self.clean_more(errors)
        if errors:
            raise ValidationError(errors)

    def clean_place(self, errors):
        """Spells the town the known way and checks it and the coordinates; adds to errors."""
        self.town = normalize_town(self.town)
        if self.town and not is_known_town(self.district, self.town):
            errors["town"] = _("“%(town)s”不是%(district)s的镇或街道。") % {
                "town": self.town,
                "district": self.district,
            }
        if (self.longitude is None) != (self.latitude is None):
            errors["latitude"] = _("经度和纬度需同时填写或同时留空。")
        if self.longitude is not None and not (
            LONGITUDE_RANGE[0] <= self.longitude <= LONGITUDE_RANGE[1]
        ):
            errors["longitude"] = _("经度应在 73 到 136 之间（GCJ-02）。")
        if self.latitude is not None and not (
            LATITUDE_RANGE[0] <= self.latitude <= LATITUDE_RANGE[1]
        ):
            errors["latitude"] = _("纬度应在 3 到 54 之间（GCJ-02）。")

    def clean_more(self, errors):
        """The model's own checks beyond the place's; adds to errors."""

    def map_name(self):
        return str(self)

    def map_links(self):
        """Deep links into Chinese map apps, built from the coordinates; no key, no script."""
        if self.longitude is None or self.latitude is None:
            return []
        lng, lat = f"{self.longitude:f}", f"{self.latitude:f}"
        name = self.map_name()
        links = [
            (
                _("高德地图"),
                "https://uri.amap.com/marker?"
                + urlencode({"position": f"{lng},{lat}", "name": name}, safe=","),
            ),
            (
                _("百度地图"),
                "https://api.map.baidu.com/marker?"
                + urlencode(
                    {
                        "location": f"{lat},{lng}",
                        "title": name,
                        "content": name,
                        "output": "html",
                        "coord_type": "gcj02",
                    },
                    safe=",",
                ),
            ),
        ]
        if settings.TENCENT_MAP_REFERER:
            marker = f"coord:{lat},{lng};title:{name};addr:{getattr(self, 'address', '') or name}"
            links.append(
                (
                    _("腾讯地图"),
                    "https://apis.map.qq.com/uri/v1/marker?marker="
                    + quote(marker, safe=":,;")
                    + "&"
                    + urlencode({"referer": settings.TENCENT_MAP_REFERER}),
                )
            )
        return links
