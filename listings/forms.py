"""The GET filter forms of /listings/ and /land/.

Each field is cleaned on its own: a bad value (area_min=abc, sort=;drop, park=<script>)
is left out of `cleaned_data` and the rest of the filter still applies."""

from decimal import Decimal

from django import forms
from django.core.cache import cache
from django.db.models import F
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from listings.models import PARK_CHOICES_CACHE_KEY, LandParcel, Listing, Park
from listings.places import DISTRICTS, TOWNS, normalize_town, place_label

ALL = ("", _("不限"))


class FlagField(forms.Field):
    """`name=1` switches a condition on; anything else (absent, 0, junk) leaves it off."""

    # Read the raw value: CheckboxInput would turn "0" into True. The control itself is
    # written by the filter_control template tag.
    widget = forms.TextInput

    def to_python(self, value):
        return str(value).strip().lower() in {"1", "true", "on", "yes"}

    def validate(self, value):
        pass


class TownField(forms.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=[ALL, *((t, place_label(t)) for t in TOWNS)], required=False, **kwargs
        )

    def to_python(self, value):
        return normalize_town(super().to_python(value))


def number_field(label, max_value, *, decimal=True, unit=""):
    field_class = forms.DecimalField if decimal else forms.IntegerField
    kwargs = {"max_digits": 14, "decimal_places": 2} if decimal else {}
    return field_class(
        label=label,
        required=False,
        min_value=0,
        max_value=max_value,
        widget=forms.NumberInput(
            attrs={"step": "any", "inputmode": "decimal", "min": "0", "placeholder": unit}
        ),
        **kwargs,
    )


def park_choices(kept=None):
    """(slug, name in the page's language, pk) of every published park, for the park
    filters. Asked on every list request; parks change rarely, so the list is kept until
    a park is saved (at most five minutes). Both names are cached (one entry for both
    languages); the page's is shown, the Chinese one where a park has no English name.
    `kept`: the cache entry (PARK_CHOICES_CACHE_KEY) when the caller already read it."""
    parks = kept
    if parks is None:
        parks = cache.get_or_set(
            PARK_CHOICES_CACHE_KEY,
            lambda: list(
                Park.objects.published().values_list("slug", "name_zh_hans", "name_en", "pk")
            ),
            300,
        )
    english = (get_language() or "").startswith("en")
    return [(slug, (english and name_en) or name_zh, pk) for slug, name_zh, name_en, pk in parks]


class FilterForm(forms.Form):
    """Shared behaviour: the active filters as chips, the names of dropped fields, and the
    groups the filter form shows (listings/includes/filter_form.html)."""

    # What the form is called for screen readers, and the hint in its keyword box.
    search_label = ""
    search_placeholder = ""
    # The form's groups of fields, by name: always shown, shown as tick boxes, and folded
    # away under "更多条件" (open when one of them is in use).
    MAIN = ()
    FLAGS = ()
    MORE = ()

    # `translated=1`: only rows with their English version (the English pages' toggle;
    # not one of the form's controls).
    translated = FlagField(label=_("仅显示有英文版的"), required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data if data is not None else {}, **kwargs)
        self.full_clean()

    @property
    def filters(self):
        """The valid, non-empty values."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if value not in (None, "", False) and name not in ("sort",)
        }

    def ignored(self):
        """Labels of the fields whose values were dropped as invalid."""
        return [str(self.fields[name].label) for name in self.errors if name in self.fields]

    def chip_label(self, name, value):
        field = self.fields[name]
        if isinstance(field, FlagField):
            return str(field.label)
        if isinstance(field, forms.ChoiceField):
            value = dict(field.choices).get(value, value)
        return f"{field.label}: {value}"

    def chips(self):
        return [(name, self.chip_label(name, value)) for name, value in self.filters.items()]

    def main_fields(self):
        return [self[name] for name in self.MAIN]

    def flag_fields(self):
        return [self[name] for name in self.FLAGS]

    def more_fields(self):
        return [self[name] for name in self.MORE]

    def more_open(self):
        return any(name in self.filters for name in self.MORE)


class ListingFilterForm(FilterForm):
    SORTS = {
        "newest": (_("最新发布"), ["-published_at", "-pk"]),
        "price": (_("价格从低到高"), None),
        "-price": (_("价格从高到低"), None),
        "area": (_("面积从小到大"), ["building_area", "-pk"]),
        "-area": (_("面积从大到小"), ["-building_area", "-pk"]),
    }

    q = forms.CharField(label=_("关键词"), required=False, max_length=100, strip=True)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[ALL, *Listing.Kind.choices])
    deal = forms.ChoiceField(
        label=_("交易方式"), required=False, choices=[ALL, *Listing.Deal.choices]
    )
    district = forms.ChoiceField(
        label=_("区"), required=False, choices=[ALL, *((d, place_label(d)) for d in DISTRICTS)]
    )
    town = TownField(label=_("镇/街道"))
    park = forms.ChoiceField(label=_("园区"), required=False)
    area_min = number_field(_("面积下限（㎡）"), 10_000_000, unit="㎡")
    area_max = number_field(_("面积上限（㎡）"), 10_000_000, unit="㎡")
    rent_max = number_field(_("租金上限（元/㎡/天）"), 10_000, unit=_("元/㎡/天"))
    sale_max = number_field(_("售价上限（万元）"), 100_000_000, unit=_("万元"))
    height_min = number_field(_("层高不低于（m）"), 1_000, unit="m")
    load_min = number_field(_("承重不低于（kg/㎡）"), 1_000_000, decimal=False, unit="kg/㎡")
    power_min = number_field(_("配电不低于（kVA）"), 1_000_000, decimal=False, unit="kVA")
    crane_min = number_field(_("行车不低于（t）"), 10_000, unit="t")
    eia = FlagField(label=_("可环评"), required=False)
    standalone = FlagField(label=_("独栋"), required=False)
    single_storey = FlagField(label=_("单层"), required=False)
    certificate = FlagField(label=_("有产证"), required=False)
    divisible = FlagField(label=_("可分割"), required=False)
    sort = forms.ChoiceField(label=_("排序"), required=False)

    search_label = _("筛选房源")
    search_placeholder = _("标题、编号、地址、镇或园区")
    MAIN = ("kind", "deal", "town", "park", "area_min", "area_max")
    FLAGS = ("eia", "standalone", "single_storey", "certificate", "divisible")
    MORE = ("district", "rent_max", "sale_max", "height_min", "load_min", "power_min", "crane_min")

    # form field → (model lookup); flags map to True
    LOOKUPS = {
        "kind": "kind",
        "deal": "deal",
        "district": "district",
        "town": "town",
        "area_min": "building_area__gte",
        "area_max": "building_area__lte",
        "rent_max": "rent_price__lte",
        "sale_max": "sale_price__lte",
        "height_min": "floor_height__gte",
        "load_min": "floor_load__gte",
        "power_min": "power_kva__gte",
        "crane_min": "crane_tonnage__gte",
        "eia": "eia_approvable",
        "standalone": "standalone",
        "single_storey": "single_storey",
        "certificate": "has_certificate",
    }

    def __init__(self, data=None, *, kept_parks=None, **kwargs):
        # The park choices' cache entry, when the view read it with others in one trip.
        self._kept_parks = kept_parks
        super().__init__(data, **kwargs)

    def full_clean(self):
        self._parks = park_choices(self._kept_parks)
        self.fields["park"].choices = [ALL, *((slug, name) for slug, name, _pk in self._parks)]
        self.fields["sort"].choices = [(key, label) for key, (label, _o) in self.SORTS.items()]
        super().full_clean()

    def filter_queryset(self, queryset):
        filters = self.filters
        lookups = {
            self.LOOKUPS[name]: value for name, value in filters.items() if name in self.LOOKUPS
        }
        if filters.get("park"):
            # By id, so that counting needs no join with the parks.
            park_ids = {slug: pk for slug, _name, pk in self._parks}
            lookups["park_id"] = park_ids[filters["park"]]
        queryset = queryset.filter(**lookups)
        if filters.get("divisible"):
            queryset = queryset.filter(
                min_divisible_area__isnull=False, min_divisible_area__lt=F("building_area")
            )
        if filters.get("q"):
            # The keyword narrows the list like any other filter; the chosen sort (newest
            # first by default) still orders it. Ranking every match of a common word
            # costs ~65 ms on 100,000 listings; /search/ is where relevance orders.
            queryset = queryset.search_text(filters["q"])
        if filters.get("translated"):
            queryset = queryset.translated()
        return queryset.order_by(*self.ordering())

    def ordering(self):
        sort = self.cleaned_data.get("sort") or "newest"
        if sort in ("price", "-price"):
            descending = sort == "-price"
            deal = self.cleaned_data.get("deal")
            # Rent (元/㎡/天) and sale (万元) can't be compared: with no deal chosen,
            # rents come first, then sales, each in price order; 面议 goes last.
            columns = {"rent": ["rent_price"], "sale": ["sale_price"]}.get(
                deal, ["rent_price", "sale_price"]
            )
            order = [
                F(c).desc(nulls_last=True) if descending else F(c).asc(nulls_last=True)
                for c in columns
            ]
            return [*order, "-pk"]
        return self.SORTS[sort][1]

    def chip_label(self, name, value):
        if name == "park":
            names = {slug: name for slug, name, _pk in self._parks}
            return f"{self.fields['park'].label}: {names.get(value, value)}"
        if name in ("area_min", "height_min", "load_min", "power_min", "crane_min"):
            return f"{self.fields[name].label} ≥ {_number(value)}"
        if name in ("area_max", "rent_max", "sale_max"):
            return f"{self.fields[name].label} ≤ {_number(value)}"
        return super().chip_label(name, value)


class LandFilterForm(FilterForm):
    SORTS = {
        "newest": (_("最新公告"), ["-announced_at", "-pk"]),
        "closing": (_("即将截止"), [F("bidding_closes_at").asc(nulls_last=True), "-pk"]),
        "price": (_("起始价从低到高"), ["starting_price", "-pk"]),
        "-price": (_("起始价从高到低"), ["-starting_price", "-pk"]),
        "area": (_("面积从小到大"), ["area", "-pk"]),
        "-area": (_("面积从大到小"), ["-area", "-pk"]),
    }

    q = forms.CharField(label=_("关键词"), required=False, max_length=100, strip=True)
    district = forms.ChoiceField(
        label=_("区"), required=False, choices=[ALL, *((d, place_label(d)) for d in DISTRICTS)]
    )
    town = TownField(label=_("镇/街道"))
    use = forms.ChoiceField(
        label=_("用地性质"), required=False, choices=[ALL, *LandParcel.Use.choices]
    )
    status = forms.ChoiceField(
        label=pgettext_lazy("land", "状态"),
        required=False,
        choices=[ALL, *LandParcel.Status.choices],
    )
    area_min = number_field(_("面积下限（㎡）"), 100_000_000, unit="㎡")
    area_max = number_field(_("面积上限（㎡）"), 100_000_000, unit="㎡")
    price_max = number_field(_("起始价上限（万元）"), 100_000_000, unit=_("万元"))
    sort = forms.ChoiceField(label=_("排序"), required=False)

    search_label = _("筛选土地")
    search_placeholder = _("宗地编号、坐落、镇或园区")
    MAIN = ("town", "use", "status", "area_min", "area_max", "price_max", "district")

    LOOKUPS = {
        "district": "district",
        "town": "town",
        "use": "land_use",
        "area_min": "area__gte",
        "area_max": "area__lte",
        "price_max": "starting_price__lte",
    }

    def full_clean(self):
        self.fields["sort"].choices = [(key, label) for key, (label, _o) in self.SORTS.items()]
        super().full_clean()

    def filter_queryset(self, queryset):
        filters = self.filters
        lookups = {
            self.LOOKUPS[name]: value for name, value in filters.items() if name in self.LOOKUPS
        }
        queryset = queryset.filter(**lookups)
        if filters.get("status"):
            queryset = queryset.in_status(filters["status"])
        if filters.get("q"):
            queryset = queryset.search_text(filters["q"])
        if filters.get("translated"):
            queryset = queryset.translated()
        sort = self.cleaned_data.get("sort") or "newest"
        return queryset.order_by(*self.SORTS[sort][1])

    def chip_label(self, name, value):
        if name == "area_min":
            return f"{self.fields[name].label} ≥ {_number(value)}"
        if name in ("area_max", "price_max"):
            return f"{self.fields[name].label} ≤ {_number(value)}"
        return super().chip_label(name, value)


def _number(value):
    if isinstance(value, Decimal):
        value = value.normalize()
        return f"{value:f}"
    return str(value)


class LandFitForm(FilterForm):
    """The parcel page's calculator (GET ?investment=&tax=); bad values are left out."""

    investment = number_field(_("计划总投资（万元）"), 100_000_000, unit=_("万元"))
    tax = number_field(_("预计年纳税（万元）"), 100_000_000, unit=_("万元"))
