"""Which rows have their English version: the rule behind English pages, the admin's
"missing English" filter and the dashboard's count (docs/english.md).

A model lists in ``english_fields`` the translated fields that make up its page (a
listing's title and description, a park's name and profile). A row is *translated* when
each of them has English text, or has no Chinese text either (nothing to translate).
The columns are django-modeltranslation's ``<field>_zh_hans`` and ``<field>_en``.

A leaf module: it knows no model, only the names a model gives it."""

from django.contrib import admin
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

CHINESE = "zh_hans"
ENGLISH = "en"


def translated_q(fields):
    """Rows whose every field in ``fields`` has English (or no Chinese)."""
    condition = Q()
    for name in fields:
        condition &= (
            Q(**{f"{name}_{ENGLISH}__gt": ""})
            | Q(**{f"{name}_{CHINESE}__isnull": True})
            | Q(**{f"{name}_{CHINESE}": ""})
        )
    return condition


def missing_english_q(fields):
    """Rows with Chinese text in some field of ``fields`` and no English for it."""
    condition = Q(pk__in=[])
    for name in fields:
        condition |= Q(**{f"{name}_{CHINESE}__gt": ""}) & (
            Q(**{f"{name}_{ENGLISH}__isnull": True}) | Q(**{f"{name}_{ENGLISH}": ""})
        )
    return condition


def has_english(obj, name):
    """True when field ``name`` of ``obj`` has English text, or no Chinese to translate."""
    return bool(getattr(obj, f"{name}_{ENGLISH}", None)) or not getattr(
        obj, f"{name}_{CHINESE}", None
    )


def is_english():
    return (get_language() or "").startswith("en")


class Translated:
    """Mix into a model with translated fields; set ``english_fields``."""

    english_fields = ()

    @property
    def is_translated(self):
        """Every field of ``english_fields`` has its English version."""
        return all(has_english(self, name) for name in self.english_fields)

    @property
    def shows_chinese(self):
        """On an English page this row's text is (partly) the Chinese original."""
        return is_english() and not self.is_translated


class MissingEnglishFilter(admin.SimpleListFilter):
    """The admin list filter "英文版": rows still missing their English version."""

    title = _("英文版")
    parameter_name = "english"

    def lookups(self, request, model_admin):
        return [("missing", _("缺少英文")), ("done", _("已有英文"))]

    def queryset(self, request, queryset):
        fields = queryset.model.english_fields
        if self.value() == "missing":
            return queryset.filter(missing_english_q(fields))
        if self.value() == "done":
            return queryset.filter(translated_q(fields))
        return queryset


def english_first(queryset, *ordering):
    """``queryset`` ordered by ``ordering``, on English pages the rows with their English
    version first (the home page's sections)."""
    if not is_english():
        return queryset.order_by(*ordering)
    translated = ExpressionWrapper(
        translated_q(queryset.model.english_fields), output_field=BooleanField()
    )
    return queryset.alias(has_english=translated).order_by("-has_english", *ordering)
