import json

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, ListView

from articles.models import Article, Category, Tag, TaggedArticle
from core.fragments import with_kept
from core.pages import page_version
from core.pagination import CachedCountPaginator, query_digest
from core.qrcode import public_qr_svg
from listings.models import Park

RELATED_LIMIT = 6
POPULAR_TAGS_LIMIT = 20
POPULAR_TAGS_WINDOW = 300  # the newest articles whose tags count
POPULAR_TAGS_SECONDS = 300
POPULAR_TAGS_CACHE_KEY = "articles:popular-tags"
CATEGORIES_CACHE_KEY = "articles:categories"
FEED_LIMIT = 30

# Like django.utils.html.json_script: the JSON cannot close the <script> element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


class UnicodeSlugConverter:
    """Slugs that may hold Chinese characters (taggit slugs of Chinese tag names)."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


def categories_with_counts():
    """Categories that have something to show, with the number of public articles.
    Kept in the cache for a few minutes like the popular tags."""
    categories = cache.get(CATEGORIES_CACHE_KEY)
    if categories is None:
        public = Q(
            articles__status=Article.Status.PUBLISHED,
            articles__published_at__lte=timezone.now(),
        )
        categories = list(
            Category.objects.annotate(article_count=Count("articles", filter=public)).filter(
                article_count__gt=0
            )
        )
        cache.set(CATEGORIES_CACHE_KEY, categories, POPULAR_TAGS_SECONDS)
    return categories


def popular_tags(limit=POPULAR_TAGS_LIMIT):
    """The tags most used by the newest public articles, as dicts with name, slug and
    count. Kept in the cache for a few minutes: counting is the costly part of /news/."""
    tags = cache.get(POPULAR_TAGS_CACHE_KEY)
    if tags is None:
        recent = Article.objects.published().order_by("-published_at").values("pk")
        # Both names are kept (one cache entry for both languages); the page shows its own.
        tags = list(
            TaggedArticle.objects.filter(content_object_id__in=recent[:POPULAR_TAGS_WINDOW])
            .exclude(tag__slug="")
            .values("tag__name_zh_hans", "tag__name_en", "tag__slug")
            .annotate(count=Count("pk"))
            .order_by("-count", "tag__name_zh_hans")[:limit]
        )
        cache.set(POPULAR_TAGS_CACHE_KEY, tags, POPULAR_TAGS_SECONDS)
    english = (get_language() or "").startswith("en")
    return [
        {
            "tag__name": (english and tag["tag__name_en"]) or tag["tag__name_zh_hans"],
            "tag__slug": tag["tag__slug"],
            "count": tag["count"],
            "chinese_only": english and not tag["tag__name_en"],
        }
        for tag in tags
    ]


class NewsListMixin:
    """Shared by the news list, category and tag pages: cards, pagination, section nav.

    A page's cards are looked up kept rendered first (core.fragments): only the articles
    whose card is not kept are loaded whole."""

    paginate_by = 20
    section_title = _("资讯")
    # Category pages leave the category off their cards (a part of each card's key).
    hide_category = False
    # The news list leads its first page with the newest featured article, shown whole.
    lead_on_first_page = False
    lead = None
    # What keys a card (templates/articles/includes/article_card.html) besides the
    # language: the article's version and its category's slug and name.
    card_key_fields = (
        "pk",
        "updated_at",
        "featured",
        "category__slug",
        "category__name_zh_hans",
        "category__name_en",
    )

    @cached_property
    def version(self):
        """The page version, read once per request."""
        return page_version()

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # Counted once per page version (publishing, editing or deleting an article
        # renews it on every host) and query, and at least every five minutes: a
        # scheduled article comes due by time alone.
        digest = query_digest(self.request, (self.page_kwarg,), self.request.path)
        return CachedCountPaginator(
            queryset,
            per_page,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            count_key=f"articles.article:count:{self.version}:{digest}",
            count_seconds=POPULAR_TAGS_SECONDS,
        )

    def paginate_queryset(self, queryset, page_size):
        paginator, page, keyed, is_paginated = super().paginate_queryset(
            queryset.values_list(*self.card_key_fields), page_size
        )
        language = get_language()
        names = {}
        entries = []
        for pk, updated_at, featured, slug, name_zh, name_en in keyed:
            if (name_zh, name_en) not in names:
                # The name the card shows, by the model's own rule (English falls back).
                names[(name_zh, name_en)] = Category(name_zh_hans=name_zh, name_en=name_en).name
            vary_on = [pk, updated_at, slug, names[(name_zh, name_en)]]
            entries.append((pk, featured, vary_on))

        def load(pks):
            return queryset.filter(pk__in=pks)

        if self.lead_on_first_page and page.number == 1:
            lead = next((entry for entry in entries if entry[1]), None)
            if lead is not None:
                # As templates/articles/article_list.html keys the lead.
                entries.remove(lead)
                self.lead = with_kept("news-lead", [(lead[0], [*lead[2], language])], load)[0]
        page.object_list = with_kept(
            "article-card",
            [(pk, [*vary_on, self.hide_category, language]) for pk, _f, vary_on in entries],
            load,
        )
        return paginator, page, page.object_list, is_paginated

    def get_queryset(self):
        articles = Article.objects.published().for_cards()
        if self.request.GET.get("translated") == "1":
            # English pages' toggle: only articles with their English version.
            articles = articles.translated()
        return articles

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["categories"] = SimpleLazyObject(categories_with_counts)
        # The version the count was kept under keys the kept sections too (read once).
        context["page_version"] = self.version
        context["feed_url"] = reverse("articles:feed")
        return context


class ArticleListView(NewsListMixin, ListView):
    template_name = "articles/article_list.html"
    lead_on_first_page = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The newest featured article of the first page leads it as the headline.
        context["lead"] = self.lead
        context["cards"] = context["object_list"]
        context["tags"] = SimpleLazyObject(popular_tags)  # read only when not kept rendered
        context["crumbs"] = [(_("资讯"), "")]
        return context


class CategoryView(NewsListMixin, ListView):
    template_name = "articles/category.html"
    hide_category = True

    def get_queryset(self):
        self.category = get_object_or_404(Category, slug=self.kwargs["slug"])
        return super().get_queryset().filter(category=self.category)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["category"] = self.category
        context["description"] = self.category.description or _("G60科创走廊%(name)s。") % {
            "name": self.category.name
        }
        context["cards"] = context["object_list"]
        context["crumbs"] = [
            (_("资讯"), reverse("articles:article-list")),
            (self.category.name, ""),
        ]
        return context


class TagView(NewsListMixin, ListView):
    template_name = "articles/tag.html"
    # A tag no public article carries has no page (it may be on drafts only).
    allow_empty = False

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return super().get_queryset().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tag"] = self.tag
        context["heading"] = _("标签：%(name)s") % {"name": self.tag.name}
        context["description"] = _("与“%(name)s”相关的G60科创走廊资讯。") % {"name": self.tag.name}
        context["cards"] = context["object_list"]
        context["crumbs"] = [
            (_("资讯"), reverse("articles:article-list")),
            (_("标签：%(name)s") % {"name": self.tag.name}, ""),
        ]
        return context


def can_preview(user):
    return user.is_active and user.is_staff and user.has_perm("articles.view_article")


class ArticleDetailView(DetailView):
    """The article page. Staff may open drafts and scheduled articles here: a preview,
    marked on the page, never cached and never indexed."""

    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        queryset = (
            Article.objects.select_related("category")
            .defer("search_vector", "search_vector_en")
            .prefetch_related(
                "tags",
                Prefetch("parks", queryset=Park.objects.published().select_related("agent")),
            )
        )
        if can_preview(self.request.user):
            return queryset
        return queryset.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        published = Article.objects.published()

        def pager():
            previous, next_ = published.adjacent_to(article)
            return {"previous": previous, "next": next_, "any": bool(previous or next_)}

        permalink = self.request.build_absolute_uri(article.get_absolute_url())
        parks = list(article.parks.all())
        agent = next((park.agent for park in parks if park.agent and park.agent.is_active), None)
        context.update(
            {
                "is_preview": not article.is_public,
                "show_summary": bool(article.summary) and not article.summary_repeats_body,
                "tags": [tag for tag in article.tags.all() if tag.slug],
                "parks": parks,
                "agent": agent,
                # Read only when the kept pager and related list are old (they change
                # with other articles: article_detail.html keeps them per page version).
                "related": SimpleLazyObject(
                    lambda: published.related_to(article, limit=RELATED_LIMIT)
                ),
                "pager": SimpleLazyObject(pager),
                "cites_source": bool(article.source_name or article.source_url),
                "permalink": permalink,
                "qr_svg": public_qr_svg(permalink, title=str(_("扫码在手机上打开本文"))),
                "cover_url": (
                    self.request.build_absolute_uri(article.cover.url) if article.cover else ""
                ),
                "description": article.seo_description or article.summary,
                "crumbs": [
                    (_("资讯"), reverse("articles:article-list")),
                    (article.category.name, article.category.get_absolute_url()),
                    (_("正文"), ""),
                ],
            }
        )
        context["structured_data"] = self.structured_data(context)
        return context

    def structured_data(self, context):
        """schema.org NewsArticle as JSON-LD, escaped for a <script> data block."""
        article = self.object
        request = self.request
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title[:110],
            "description": context["description"],
            "mainEntityOfPage": context["permalink"],
            "url": context["permalink"],
            "datePublished": article.published_at.isoformat() if article.published_at else None,
            "dateModified": article.updated_at.isoformat(),
            "articleSection": article.category.name,
            "keywords": [tag.name for tag in context["tags"]],
            "inLanguage": "zh-CN",
            "author": {"@type": "Organization", "name": article.source_name or settings.SITE_NAME},
            "publisher": {
                "@type": "Organization",
                "name": settings.SITE_NAME,
                "logo": {
                    "@type": "ImageObject",
                    "url": request.build_absolute_uri(static("img/logo.svg")),
                },
            },
        }
        if context["cover_url"]:
            data["image"] = [context["cover_url"]]
        if article.source_url:
            data["isBasedOn"] = article.source_url
        text = json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
        return mark_safe(text)  # noqa: S308 - escaped above, cannot close the element

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if context["is_preview"]:
            add_never_cache_headers(response)
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response


class LatestArticlesFeed(Feed):
    """RSS 2.0 of the newest public articles."""

    link = reverse_lazy("articles:article-list")
    description = _("G60科创走廊园区招商资讯：行业资讯、政策解读、园区动态和招商活动。")
    language = "zh-cn"

    def title(self):
        return f"{settings.SITE_NAME} · {_('资讯')}"

    def items(self):
        return Article.objects.published().for_cards().prefetch_related("tags")[:FEED_LIMIT]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.category.name, *(tag.name for tag in item.tags.all())]

    def item_author_name(self, item):
        return item.source_name or settings.SITE_NAME
