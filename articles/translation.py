"""Which texts of articles and categories have an English version (docs/english.md)."""

from modeltranslation.translator import TranslationOptions, register

from articles.models import Article, ArticleImage, Category, Tag


@register(Category)
class CategoryTranslation(TranslationOptions):
    # The name is unique: a missing English name is NULL, not "" (which could repeat).
    empty_values = {"name": None}
    fields = ("name", "description")


@register(Tag)
class TagTranslation(TranslationOptions):
    fields = ("name",)
    empty_values = {"name": None}


@register(Article)
class ArticleTranslation(TranslationOptions):
    fields = ("title", "summary", "body", "seo_title", "seo_description", "source_name")


@register(ArticleImage)
class ArticleImageTranslation(TranslationOptions):
    fields = ("alt_text",)
