import re

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

from core.pages import ShownOnPublicPages
from core.sanitize import clean_html, html_to_text
from core.search import (
    Indexed,
    set_search_vector,
    update_dependent_search_vectors,
    update_english_vector,
)
from core.translations import Translated, translated_q
from core.uploads import CheckedImageField

SUMMARY_FROM_BODY_CHARS = 120
_FIGURE = re.compile(r"<figure\b.*?</figure>", re.S)
# Headings name sections; in a one-paragraph summary they would run into the sentences.
_HEADING = re.compile(r"<h[1-6]\b.*?</h[1-6]>", re.S)


class Tag(Translated, ShownOnPublicPages, TagBase):
    """An article tag, with its English name (django-taggit's own Tag model cannot hold a
    translation: this is taggit's documented custom tag)."""

    english_fields = ("name",)

    class Meta:
        ordering = ["name"]
        verbose_name = _("标签")
        verbose_name_plural = _("标签")


class TaggedArticle(TaggedItemBase):
    content_object = models.ForeignKey(
        "Article", on_delete=models.CASCADE, related_name="tagged_items"
    )
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="tagged_articles")

    class Meta:
        verbose_name = _("文章标签")
        verbose_name_plural = _("文章标签")


class Category(Translated, ShownOnPublicPages, models.Model):
    english_fields = ("name",)

    name = models.CharField(_("名称"), max_length=50, unique=True)
    slug = models.SlugField(_("网址标识"), max_length=50, unique=True)
    description = models.CharField(_("描述"), max_length=200, blank=True)
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("栏目")
        verbose_name_plural = _("栏目")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # Articles carry their category's name in their search vectors.
        update_dependent_search_vectors(self, "articles")

    def get_absolute_url(self):
        return reverse("articles:category", kwargs={"slug": self.slug})


class ArticleQuerySet(models.QuerySet):
    def translated(self):
        """Articles with their English version (docs/english.md)."""
        return self.filter(translated_q(self.model.english_fields))

    def published(self):
        """What the public may see: published, and its time has come."""
        return self.filter(
            status=Article.Status.PUBLISHED,
            published_at__isnull=False,
            published_at__lte=timezone.now(),
        )

    def scheduled(self):
        """Published but waiting for its time."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())

    def for_cards(self):
        """What a card needs, without the (possibly large) body."""
        return self.select_related("category").defer("body", "search_vector", "search_vector_en")

    def related_to(self, article, limit=6):
        """Articles sharing tags with ``article`` first (most shared first, then those of
        its category), topped up with the newest of its category. Call on ``published()``;
        never includes ``article``. Two queries at most."""
        tag_ids = [tag.pk for tag in article.tags.all()]
        related = []
        if tag_ids:
            same_category = Case(
                When(category_id=article.category_id, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
            related = list(
                self.filter(tags__in=tag_ids)
                .exclude(pk=article.pk)
                .for_cards()
                .annotate(shared_tags=Count("pk"), same_category=same_category)
                .order_by("-shared_tags", "-same_category", "-published_at", "-pk")[:limit]
            )
        if len(related) < limit:
            seen = [article.pk, *(other.pk for other in related)]
            related += list(
                self.filter(category_id=article.category_id)
                .exclude(pk__in=seen)
                .for_cards()
                .order_by("-published_at", "-pk")[: limit - len(related)]
            )
        return related

    def adjacent_to(self, article):
        """(previous, next) of ``article`` in publication order, in one query.
        Call on ``published()``; either may be ``None``."""
        if article.published_at is None:
            return None, None
        fields = ("pk", "title", "published_at")
        at, pk = article.published_at, article.pk
        older = (
            self.filter(Q(published_at__lt=at) | Q(published_at=at, pk__lt=pk))
            .order_by("-published_at", "-pk")
            .only(*fields)[:1]
        )
        newer = (
            self.filter(Q(published_at__gt=at) | Q(published_at=at, pk__gt=pk))
            .order_by("published_at", "pk")
            .only(*fields)[:1]
        )
        previous = next_ = None
        for other in older.union(newer, all=True):
            if (other.published_at, other.pk) < (at, pk):
                previous = other
            else:
                next_ = other
        return previous, next_


def summary_from_body(body):
    """The opening of an article's text, for a summary nobody wrote.

    Captions describe pictures, not the story: they are left out."""
    text = html_to_text(_HEADING.sub(" ", _FIGURE.sub(" ", body)))
    if len(text) > SUMMARY_FROM_BODY_CHARS:
        text = text[: SUMMARY_FROM_BODY_CHARS - 1].rstrip() + "…"
    return text


class Article(Translated, ShownOnPublicPages, Indexed, models.Model):
    english_fields = ("title", "body")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    title = models.CharField(_("标题"), max_length=150)
    category = models.ForeignKey(
        Category, verbose_name=_("栏目"), on_delete=models.PROTECT, related_name="articles"
    )
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    body = models.TextField(_("正文"), blank=True)
    cover = CheckedImageField(
        _("封面图"),
        upload_to="articles/covers/",
        blank=True,
        help_text=_("列表卡片和微信分享使用，建议横图（4:3 或更宽）。"),
    )
    source_name = models.CharField(_("来源"), max_length=100, blank=True)
    source_url = models.URLField(_("来源链接"), max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
    )
    tags = TaggableManager(verbose_name=_("标签"), blank=True, through=TaggedArticle)
    parks = models.ManyToManyField(
        "listings.Park", verbose_name=_("园区"), blank=True, related_name="articles"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        _("发布时间"),
        null=True,
        blank=True,
        help_text=_("填写将来的时间即定时发布。"),
    )
    featured = models.BooleanField(_("推荐"), default=False)
    seo_title = models.CharField(_("SEO标题"), max_length=70, blank=True)
    seo_description = models.CharField(_("SEO描述"), max_length=160, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    search_vector = SearchVectorField(null=True, editable=False)
    # English full-text search (docs/english.md): written on save from these fields.
    english_search = {
        "A": ["title_en", "seo_title_en"],
        "B": ["summary_en", "source_name_en"],
        "C": ["body_en"],
    }
    search_vector_en = SearchVectorField(null=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("文章")
        verbose_name_plural = _("文章")
        indexes = [
            models.Index(fields=["status", "-published_at"]),
            GinIndex(fields=["search_vector"], name="article_search_vector"),
            GinIndex(fields=["search_vector_en"], name="article_search_vector_en"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Sanitizing here (not only in the admin form) covers every way in: admin,
        # import, shell and demo content.
        # Each language's body and summary (`body` alone is the active language's).
        for language in ("zh_hans", "en"):
            body = clean_html(getattr(self, f"body_{language}") or "")
            setattr(self, f"body_{language}", body)
            if body and not (getattr(self, f"summary_{language}") or "").strip():
                setattr(self, f"summary_{language}", summary_from_body(body))
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        set_search_vector(self, kwargs)
        super().save(*args, **kwargs)
        update_english_vector(self)

    def get_absolute_url(self):
        return reverse("articles:article-detail", kwargs={"pk": self.pk})

    @property
    def summary_repeats_body(self):
        """True when the summary is the opening of the body (written automatically or
        pasted): the article page then leaves it out rather than say it twice."""
        opening = self.summary.strip().rstrip("…").strip()
        if not opening:
            return False
        body = html_to_text(_HEADING.sub(" ", _FIGURE.sub(" ", self.body)))
        return body.startswith(opening)

    search_related = ("category",)

    def search_document(self):
        category = self.category if self.category_id else None
        return {
            "A": [self.title, self.seo_title],
            "B": [self.summary, category.name if category else "", self.source_name],
            "C": [html_to_text(self.body)],
        }

    @property
    def is_public(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )


class ArticleImage(ShownOnPublicPages, models.Model):
    """A picture uploaded from the editor and placed in an article's body."""

    image = CheckedImageField(
        _("图片"), upload_to="articles/body/%Y/%m/", width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    alt_text = models.CharField(_("图片说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("正文图片")
        verbose_name_plural = _("正文图片")

    def __str__(self):
        return self.alt_text or self.image.name
