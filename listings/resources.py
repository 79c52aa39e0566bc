"""Excel/CSV import and export of listings and land parcels (django-import-export).

Columns may be headed by the English field name (`building_area`) or in Chinese
(`建筑面积`, `建筑面积（㎡）`, `面积`); rows are matched by `code` (编号): an existing code
is updated, a new one created. Errors name the row and the column as the file heads it."""

import io
import operator
import re
from collections import Counter
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import router
from django.db.models import CheckConstraint, F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.instance_loaders import CachedInstanceLoader
from openpyxl import Workbook

from core.search import set_search_vector
from listings.models import Agent, LandParcel, Listing, Park
from listings.places import normalize_town

DATETIME_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
]
# Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER_RE = re.compile(r"[+-]?\d+(\.\d+)?")
TRUE_WORDS = {"1", "true", "yes", "y", "是", "有", "可", "√", "✓", "t"}
FALSE_WORDS = {"", "0", "false", "no", "n", "否", "无", "不可", "×", "✗", "f", "none"}


def escape_formula(value):
    """Text a spreadsheet would run as a formula, made plain text by a leading quote."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES)
        and not PLAIN_NUMBER_RE.fullmatch(value)
    ):
        return "'" + value
    return value


def unescape_formula(value):
    """The text escape_formula was given, so that an export imports back unchanged."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


class LooseDecimalWidget(widgets.DecimalWidget):
    """Numbers as people type them in Excel: 1,200 / 1 200 / ＿ blank."""

    def clean(self, value, row=None, **kwargs):
        if value is None:
            return None
        if isinstance(value, int | float | Decimal):
            return Decimal(str(value))
        text = str(value).strip().replace(",", "").replace("，", "").replace(" ", "")
        if text in ("", "-", "—"):
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("“%(value)s”不是数字。") % {"value": value}) from None
        if not number.is_finite():
            raise ValueError(_("“%(value)s”不是数字。") % {"value": value})
        return number


class LooseIntegerWidget(LooseDecimalWidget):
    def clean(self, value, row=None, **kwargs):
        number = super().clean(value, row, **kwargs)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise ValueError(_("“%(value)s”应为整数。") % {"value": value})
        return int(number)


class YesNoWidget(widgets.BooleanWidget):
    """是/否, 有/无, 1/0, true/false; blank is no."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = "" if value is None else str(value).strip().lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ValueError(_("“%(value)s”应为“是”或“否”。") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class LabelChoiceWidget(widgets.Widget):
    """A choice given by its code (factory) or its label in Chinese or English (厂房)."""

    def __init__(self, choices, **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        for code, label in self.choices:
            names = {code.lower()}
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    names.add(str(label).lower())
            if text.lower() in names:
                return code
        allowed = "、".join(str(label) for _code, label in self.choices)
        raise ValueError(
            _("“%(value)s”不是可选值（%(allowed)s）。") % {"value": text, "allowed": allowed}
        )

    def render(self, value, obj=None, **kwargs):
        return value or ""


class LookupWidget(widgets.ForeignKeyWidget):
    """A related row found by any of several fields (a park by name or slug)."""

    def __init__(self, model, lookups, not_found, **kwargs):
        self.lookups = lookups
        self.not_found = not_found
        super().__init__(model, field=lookups[0], **kwargs)

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        cache = self.__dict__.setdefault("_found", {})
        if text not in cache:
            cache[text] = self._find(text)
        return cache[text]

    def _find(self, text):
        condition = Q()
        for lookup in self.lookups:
            condition |= Q(**{lookup: text})
        match = list(self.model.objects.filter(condition)[:2])
        if len(match) != 1:
            raise ValueError(self.not_found % {"value": text})
        return match[0]


COMPARISONS = {
    "exact": operator.eq,
    "gte": operator.ge,
    "lte": operator.le,
    "gt": operator.gt,
    "lt": operator.lt,
}


class _NotSimple(Exception):
    pass


def _holds(condition, instance):
    """A CheckConstraint condition evaluated on `instance` in Python, with SQL's
    three-valued logic (None: unknown, which a CHECK lets pass). Handles the comparisons
    and isnull tests of fields and F() that our constraints use; anything else raises
    _NotSimple and the database is asked instead."""
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(_holds(child, instance))
            continue
        key, wanted = child
        name, _sep, lookup = key.partition("__")
        current = getattr(instance, instance._meta.get_field(name).attname)
        if isinstance(wanted, F):
            wanted = getattr(instance, instance._meta.get_field(wanted.name).attname)
        elif hasattr(wanted, "resolve_expression"):
            raise _NotSimple(key)
        if lookup == "isnull":
            results.append((current is None) == bool(wanted))
        elif lookup in COMPARISONS or not lookup:
            if current is None or wanted is None:
                results.append(None)
            else:
                results.append(COMPARISONS[lookup or "exact"](current, wanted))
        else:
            raise _NotSimple(key)
    if condition.connector == Q.OR:
        result = True if True in results else (None if None in results else False)
    else:
        result = False if False in results else (None if None in results else True)
    if condition.negated and result is not None:
        result = not result
    return result


def _aliases(model, extra):
    """Header → field name: the field name, its verbose name, and the name without unit."""
    mapping = {}
    for field in model._meta.concrete_fields:
        with translation.override("zh-hans"):
            verbose = str(field.verbose_name)
        mapping[field.name] = field.name
        mapping[verbose] = field.name
        mapping[re.sub(r"（.*?）|\(.*?\)", "", verbose).strip()] = field.name
    mapping.update(extra)
    return mapping


class AliasedResource(resources.ModelResource):
    """Renames Chinese headers to field names and reports errors under the file's own
    column headings."""

    EXTRA_ALIASES = {}
    REQUIRED = ["code"]

    @classmethod
    def aliases(cls):
        return _aliases(cls._meta.model, cls.EXTRA_ALIASES)

    def before_import(self, dataset, **kwargs):
        try:
            self._check_and_rename(dataset)
        except ValidationError:
            # The file is refused as a whole: leave import-export no rows to go through.
            del dataset[0 : len(dataset)]
            raise
        super().before_import(dataset, **kwargs)

    def _check_and_rename(self, dataset):
        if len(dataset) > settings.IMPORT_MAX_ROWS:
            raise ValidationError(
                _("文件有 %(rows)d 行：一次最多导入 %(limit)d 行，请分成几个文件导入。")
                % {"rows": len(dataset), "limit": settings.IMPORT_MAX_ROWS}
            )
        aliases = self.aliases()
        known = set(self.fields)
        self.column_headings = {}
        headers, unknown = [], []
        for header in dataset.headers or []:
            text = str(header or "").strip()
            name = aliases.get(text) or aliases.get(text.lower())
            if name is None or name not in known:
                if text:
                    unknown.append(text)
                headers.append(text)
                continue
            self.column_headings[name] = text
            headers.append(name)
        missing = [name for name in self.REQUIRED if name not in headers]
        if unknown or missing:
            problems = []
            if unknown:
                problems.append(_("无法识别的列：%(cols)s") % {"cols": "、".join(unknown)})
            if missing:
                problems.append(
                    _("缺少必填列：%(cols)s")
                    % {"cols": "、".join(self.heading_for(n) for n in missing)}
                )
            raise ValidationError("；".join(problems))
        dataset.headers = headers
        if "code" in headers:
            # Normalised here, for the whole file, so that the existing rows are loaded
            # in one query (CachedInstanceLoader) by the codes as they are stored.
            codes = [
                str(code).strip().upper() if code is not None else None for code in dataset["code"]
            ]
            repeated = sorted(c for c, n in Counter(filter(None, codes)).items() if n > 1)
            if repeated:
                raise ValidationError(
                    _("编号在文件中重复：%(codes)s") % {"codes": "、".join(repeated[:20])}
                )
            index = headers.index("code")
            del dataset["code"]
            dataset.insert_col(index, codes, header="code")

    def _check_constraints_hold(self, instance):
        model = type(instance)
        checks = [c.condition for c in model._meta.constraints if isinstance(c, CheckConstraint)]
        if not checks:
            return True
        try:
            return all(_holds(condition, instance) is not False for condition in checks)
        except _NotSimple:
            against = instance._get_field_expression_map(meta=model._meta)
            return Q(*checks).check(against, using=router.db_for_write(model))

    def heading_for(self, name):
        if name in getattr(self, "column_headings", {}):
            return self.column_headings[name]
        field = self._meta.model._meta.get_field(name)
        with translation.override("zh-hans"):
            return f"{field.verbose_name} ({name})"

    def before_import_row(self, row, **kwargs):
        # Formula-looking text is stored as the text it is (pages escape it as HTML);
        # every export escapes it again.
        for key, value in list(row.items()):
            row[key] = unescape_formula(value)
        if "town" in row:
            row["town"] = normalize_town(str(row["town"] or ""))
        super().before_import_row(row, **kwargs)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        try:
            errors = dict(import_validation_errors or {})
            try:
                # Django checks each CheckConstraint with its own query; a file of
                # 20,000 rows would make 180,000 of them. One query checks them all and
                # only a row that fails is checked constraint by constraint, to say which.
                # Codes, the one unique field, are matched to stored rows in one query
                # and checked for repeats across the file in before_import.
                instance.full_clean(
                    exclude=errors.keys(),
                    validate_unique=False,
                    validate_constraints=False,
                )
            except ValidationError as error:
                errors = error.update_error_dict(errors)
            if not errors and not self._check_constraints_hold(instance):
                try:
                    instance.validate_constraints()
                except ValidationError as error:
                    errors = error.update_error_dict(errors)
            if errors:
                raise ValidationError(errors)
        except ValidationError as error:
            renamed = {}
            for name, messages in error.message_dict.items():
                key = name if name == "__all__" else self.heading_for(name)
                renamed[key] = messages
            raise ValidationError(renamed) from None

    def export_field(self, field, instance, **kwargs):
        return escape_formula(super().export_field(field, instance, **kwargs))

    # Rows are written in batches (bulk_create/bulk_update), not one save() each: what
    # save() would add is added here.
    def before_save_instance(self, instance, row, **kwargs):
        if not kwargs.get("dry_run"):  # the preview writes nothing that stays
            set_search_vector(instance, {})
        instance.updated_at = timezone.now()
        super().before_save_instance(instance, row, **kwargs)

    def get_bulk_update_fields(self):
        # Export-only columns (the listing's shown price) are no model fields.
        written = [
            name for name in super().get_bulk_update_fields() if not self.fields[name].readonly
        ]
        return [*written, "search_vector", "updated_at"]

    @classmethod
    def documented_columns(cls):
        """(English name, Chinese heading, what goes in it) for the docs and the admin."""
        rows = []
        with translation.override("zh-hans"):
            for name in cls._meta.fields:
                if cls.fields[name].readonly:
                    continue
                field = cls._meta.model._meta.get_field(name)
                rows.append((name, str(field.verbose_name), str(field.help_text or "")))
        return rows


def template_workbook(resource_class):
    """An .xlsx with the Chinese headings and one example row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "import"
    columns = resource_class.documented_columns()
    sheet.append([heading for _name, heading, _help in columns])
    example = resource_class.EXAMPLE
    sheet.append([example.get(name, "") for name, _heading, _help in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _choice_field(name, choices):
    return fields.Field(attribute=name, column_name=name, widget=LabelChoiceWidget(choices))


def _number(name, integer=False):
    widget = LooseIntegerWidget() if integer else LooseDecimalWidget()
    return fields.Field(attribute=name, column_name=name, widget=widget)


def _flag(name):
    return fields.Field(attribute=name, column_name=name, widget=YesNoWidget())


class LooseDateTimeWidget(widgets.DateTimeWidget):
    """Dates as Excel cells or as text in the usual Chinese ways; times are Shanghai time."""

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMATS[0], **kwargs)
        self.formats = DATETIME_FORMATS


def _when(name):
    return fields.Field(attribute=name, column_name=name, widget=LooseDateTimeWidget())


def _park():
    return fields.Field(
        attribute="park",
        column_name="park",
        widget=LookupWidget(
            Park, ["name", "slug"], _("未找到园区“%(value)s”（填园区名称或网址标识）。")
        ),
    )


def _agent():
    return fields.Field(
        attribute="agent",
        column_name="agent",
        widget=LookupWidget(
            Agent, ["name", "mobile"], _("未找到招商顾问“%(value)s”（填姓名或手机号）。")
        ),
    )


class ListingResource(AliasedResource):
    kind = _choice_field("kind", Listing.Kind.choices)
    deal = _choice_field("deal", Listing.Deal.choices)
    status = _choice_field("status", Listing.Status.choices)
    park = _park()
    agent = _agent()
    building_area = _number("building_area")
    land_area = _number("land_area")
    min_divisible_area = _number("min_divisible_area")
    floors = _number("floors", integer=True)
    storey = _number("storey", integer=True)
    floor_height = _number("floor_height")
    floor_load = _number("floor_load", integer=True)
    power_kva = _number("power_kva", integer=True)
    crane_tonnage = _number("crane_tonnage")
    expressway_km = _number("expressway_km")
    rent_price = _number("rent_price")
    sale_price = _number("sale_price")
    property_fee = _number("property_fee")
    longitude = _number("longitude")
    latitude = _number("latitude")
    eia_approvable = _flag("eia_approvable")
    standalone = _flag("standalone")
    single_storey = _flag("single_storey")
    has_certificate = _flag("has_certificate")
    truck_access = _flag("truck_access")
    negotiable = _flag("negotiable")
    # The price as the site shows it, for people reading the export; the import skips it.
    price = fields.Field(attribute="price_text", column_name="price", readonly=True)
    featured = _flag("featured")
    published_at = _when("published_at")
    last_verified_at = _when("last_verified_at")

    EXTRA_ALIASES = {
        "编号": "code",
        "房源编号": "code",
        "类型": "kind",
        "面积": "building_area",
        "租金": "rent_price",
        "price": "price",
        "价格": "price",
        "售价": "sale_price",
        "承重": "floor_load",
        "配电": "power_kva",
        "层高": "floor_height",
        "行车": "crane_tonnage",
        "产证": "has_certificate",
        "顾问": "agent",
        "经纪人": "agent",
        "镇": "town",
        "街道": "town",
        "可分割面积": "min_divisible_area",
    }
    REQUIRED = ["code"]
    EXAMPLE = {
        "code": "XQ-F-0012",
        "title": "新桥 独栋厂房 3200㎡ 可环评",
        "kind": "厂房",
        "deal": "出租",
        "status": "可租售",
        "district": "松江区",
        "town": "新桥镇",
        "park": "松江经济技术开发区",
        "address": "松江区新桥镇申港路100号",
        "building_area": 3200,
        "floor_height": 9,
        "floor_load": 2000,
        "power_kva": 630,
        "eia_approvable": "是",
        "standalone": "是",
        "single_storey": "是",
        "floors": 1,
        "rent_price": 1.2,
        "agent": "13916000001",
    }

    class Meta:
        model = Listing
        import_id_fields = ["code"]
        instance_loader_class = CachedInstanceLoader
        use_bulk = True
        batch_size = 500
        # No field-by-field diff (a third of the time of a large import): the preview
        # lists the first rows' main columns from the instances instead.
        skip_diff = True
        store_instance = True
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        fields = [
            "code",
            "title",
            "kind",
            "deal",
            "status",
            "district",
            "town",
            "park",
            "address",
            "longitude",
            "latitude",
            "building_area",
            "land_area",
            "min_divisible_area",
            "floors",
            "storey",
            "floor_height",
            "floor_load",
            "power_kva",
            "crane_tonnage",
            "eia_approvable",
            "standalone",
            "single_storey",
            "has_certificate",
            "truck_access",
            "expressway_km",
            "expressway_name",
            "rent_price",
            "sale_price",
            "negotiable",
            "price",
            "property_fee",
            "payment_terms",
            "description",
            "agent",
            "published_at",
            "last_verified_at",
            "featured",
        ]

    def before_save_instance(self, instance, row, **kwargs):
        # An import is the importer vouching for the rows: they count as verified today,
        # unless the file gives its own date.
        if "last_verified_at" not in row or not row.get("last_verified_at"):
            instance.last_verified_at = timezone.now()
        if instance.status in Listing.PUBLIC_STATUSES and instance.published_at is None:
            instance.published_at = timezone.now()
        super().before_save_instance(instance, row, **kwargs)


class LandParcelResource(AliasedResource):
    land_use = _choice_field("land_use", LandParcel.Use.choices)
    method = _choice_field("method", LandParcel.Method.choices)
    status = _choice_field("status", LandParcel.Status.choices)
    park = _park()
    agent = _agent()
    area = _number("area")
    plot_ratio_min = _number("plot_ratio_min")
    plot_ratio_max = _number("plot_ratio_max")
    building_density = _number("building_density")
    green_ratio = _number("green_ratio")
    height_limit = _number("height_limit")
    lease_years = _number("lease_years", integer=True)
    investment_intensity = _number("investment_intensity")
    starting_price = _number("starting_price")
    deposit = _number("deposit")
    increment = _number("increment")
    result_price = _number("result_price")
    longitude = _number("longitude")
    latitude = _number("latitude")
    announced_at = _when("announced_at")
    registration_closes_at = _when("registration_closes_at")
    bidding_opens_at = _when("bidding_opens_at")
    bidding_closes_at = _when("bidding_closes_at")
    published_at = _when("published_at")
    featured = _flag("featured")

    EXTRA_ALIASES = {
        "编号": "code",
        "地块编号": "code",
        "用途": "land_use",
        "规划用途": "land_use",
        "面积": "area",
        "起拍价": "starting_price",
        "起始价": "starting_price",
        "顾问": "agent",
        "镇": "town",
    }
    REQUIRED = ["code"]
    EXAMPLE = {
        "code": "YF-19-001",
        "title": "永丰街道荣乐东路以南地块",
        "district": "松江区",
        "town": "永丰街道",
        "location": "松江区永丰街道荣乐东路以南、规划三路以东",
        "boundary_east": "规划三路",
        "boundary_south": "现状企业",
        "boundary_west": "规划绿地",
        "boundary_north": "荣乐东路",
        "land_use": "工业用地",
        "area": 11875.3,
        "plot_ratio_min": 1.2,
        "plot_ratio_max": 2.0,
        "lease_years": 50,
        "investment_intensity": 1000,
        "method": "挂牌",
        "announced_at": "2025-03-01",
        "registration_closes_at": "2025-03-28 16:00",
        "bidding_opens_at": "2025-03-20 09:00",
        "bidding_closes_at": "2025-03-30 15:00",
        "starting_price": 1104,
        "deposit": 221,
        "increment": 10,
        "status": "公告中",
    }

    class Meta:
        model = LandParcel
        import_id_fields = ["code"]
        instance_loader_class = CachedInstanceLoader
        use_bulk = True
        batch_size = 500
        # No field-by-field diff (a third of the time of a large import): the preview
        # lists the first rows' main columns from the instances instead.
        skip_diff = True
        store_instance = True
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        fields = [
            "code",
            "title",
            "district",
            "town",
            "park",
            "location",
            "boundary_east",
            "boundary_south",
            "boundary_west",
            "boundary_north",
            "longitude",
            "latitude",
            "land_use",
            "area",
            "plot_ratio_min",
            "plot_ratio_max",
            "building_density",
            "green_ratio",
            "height_limit",
            "lease_years",
            "investment_intensity",
            "method",
            "announcement_no",
            "announced_at",
            "registration_closes_at",
            "bidding_opens_at",
            "bidding_closes_at",
            "starting_price",
            "deposit",
            "increment",
            "status",
            "result_price",
            "winner",
            "source_url",
            "agent",
            "published_at",
            "featured",
        ]

    def before_save_instance(self, instance, row, **kwargs):
        if instance.published_at is None:
            instance.published_at = timezone.now()
        super().before_save_instance(instance, row, **kwargs)
