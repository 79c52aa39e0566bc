"""Which texts of articles and categories have an English version (docs/english.md)."""

from modeltranslation.translator import TranslationOptions, register

from articles.models import Article, ArticleImage, Category


@register(Category)
class CategoryTranslation(TranslationOptions):
    # The name is unique: a missing English name is NULL, not "" (which could repeat).
    empty_values = {"name": None}
    fields = ("name", "description")


@register(Article)
class ArticleTranslation(TranslationOptions):
    fields = ("title", "summary", "body", "seo_title", "seo_description", "source_name")


@register(ArticleImage)
class ArticleImageTranslation(TranslationOptions):
    fields = ("alt_text",)
