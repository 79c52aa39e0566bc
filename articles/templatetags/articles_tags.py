from django import template

from core.uploads import thumbnail_url

register = template.Library()


@register.simple_tag
def cover_thumbnail(article, width=480):
    """URL of a small JPEG of the article's cover for cards, or "" without a cover."""
    if not article.cover:
        return ""
    return thumbnail_url(article.cover, width) or ""
