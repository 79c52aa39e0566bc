"""/search/: one ranked list over listings, land parcels, parks and articles."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, Value
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from articles.models import Article
from g60portal import search
from g60portal.sanitize import html_to_text
from listings.models import LandParcel, Listing, Park

RESULTS_PER_PAGE = 20
SUGGESTED_TAGS = 12
SUGGESTED_PARKS = 8
SUGGESTIONS_CACHE_SECONDS = 600


@dataclass(frozen=True)
class Kind:
    key: str
    label: object
    public: object  # () -> QuerySet of what the public may find
    date_field: str | None = None
    # Parks are few and evergreen; when a park matches, it is usually what was meant.
    boost: float = 1.0
    related: tuple = ()


def _public_parcels():
    # Sold and withdrawn parcels stay visible on /land/ (results, history) but are no
    # longer an offer: search leaves them out.
    return LandParcel.objects.published().exclude(
        status__in=[LandParcel.Status.SOLD, LandParcel.Status.WITHDRAWN]
    )


KINDS = {
    kind.key: kind
    for kind in [
        Kind(
            "listing",
            _("房源"),
            lambda: Listing.objects.published(),
            "published_at",
            related=("park",),
        ),
        Kind("land", _("土地"), _public_parcels, "published_at", related=("park",)),
        Kind(
            "park",
            _("园区"),
            lambda: Park.objects.published(),
            None,
            1.3,
        ),
        Kind(
            "article",
            _("资讯"),
            lambda: Article.objects.published(),
            "published_at",
            related=("category",),
        ),
    ]
}
# Kinds that have an area, searched alone when the query names one ("1000平").
AREA_KINDS = ("listing", "land")


@dataclass
class Result:
    kind: Kind
    obj: object
    url: str
    title: str
    snippet: str
    meta: list = field(default_factory=list)


class SiteSearch:
    """The results of a query as a sliceable sequence, for Django's Paginator: counting
    runs one query for all kinds, a page one query for the ranking and one per kind on
    it."""

    def __init__(self, q, kind=None):
        self.query = search.parse_query(q or "")
        self.kind = kind if kind in KINDS else None

    @cached_property
    def searched_kinds(self):
        if not self.query:
            return []
        keys = AREA_KINDS if self.query.area else list(KINDS)
        return [KINDS[key] for key in keys]

    def matching(self, kind):
        return search.filter_queryset(kind.public(), self.query)

    @cached_property
    def facets(self):
        """{kind key: number of results}, every searched kind, in one query."""
        if not self.searched_kinds:
            return {}
        parts = [
            self.matching(kind)
            .order_by()
            .annotate(kind_order=Value(i, output_field=IntegerField()))
            .values("kind_order")
            .annotate(n=Count("pk"))
            .values_list("kind_order", "n")
            for i, kind in enumerate(self.searched_kinds)
        ]
        rows = parts[0].union(*parts[1:], all=True).order_by() if len(parts) > 1 else parts[0]
        counts = dict(rows)
        return {kind.key: counts.get(i, 0) for i, kind in enumerate(self.searched_kinds)}

    @property
    def kinds_in_view(self):
        return [k for k in self.searched_kinds if self.kind in (None, k.key)]

    def count(self):
        return sum(self.facets.get(k.key, 0) for k in self.kinds_in_view)

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("SiteSearch supports slices only")
        start, stop = index.start or 0, index.stop
        kinds = [k for k in self.kinds_in_view if self.facets.get(k.key)]
        if not kinds or (stop is not None and stop <= start):
            return []
        ranked = [
            self.matching(kind)
            .annotate(
                kind_order=Value(list(KINDS).index(kind.key), output_field=IntegerField()),
                score=search.score_expression(self.query, kind.date_field, kind.boost),
            )
            .values_list("kind_order", "pk", "score")
            for kind in kinds
        ]
        combined = ranked[0].union(*ranked[1:], all=True) if len(ranked) > 1 else ranked[0]
        rows = list(combined.order_by("-score", "kind_order", "-pk")[start:stop])
        keys = list(KINDS)
        wanted = {}
        for kind_order, pk, _score in rows:
            wanted.setdefault(keys[kind_order], []).append(pk)
        objects = {}
        for key, pks in wanted.items():
            kind = KINDS[key]
            queryset = kind.public()
            if kind.related:
                queryset = queryset.select_related(*kind.related)
            for obj in queryset.filter(pk__in=pks):
                objects[(key, obj.pk)] = obj
        results = []
        for kind_order, pk, _score in rows:
            obj = objects.get((keys[kind_order], pk))
            if obj is not None:
                results.append(self.result(KINDS[keys[kind_order]], obj))
        return results

    def result(self, kind, obj):
        query = self.query
        if kind.key == "listing":
            meta = [obj.get_kind_display(), obj.place_name, f"{_number(obj.building_area)} ㎡"]
            if obj.negotiable:
                meta.append(_("面议"))
            elif obj.deal == Listing.Deal.RENT and obj.rent_price is not None:
                meta.append(f"{_number(obj.rent_price)} {_('元/㎡/天')}")
            elif obj.sale_price is not None:
                meta.append(f"{_number(obj.sale_price)} {_('万元')}")
            text = " ".join([obj.description, obj.address])
            return Result(
                kind,
                obj,
                obj.get_absolute_url(),
                search.highlight(obj.title, query),
                search.snippet(text, query),
                [m for m in meta if m],
            )
        if kind.key == "land":
            meta = [
                obj.get_current_status_display(),
                obj.town,
                f"{_number(obj.area)} ㎡（{_number(obj.area_mu)} {_('亩')}）",
                f"{_('起始价')} {_number(obj.starting_price)} {_('万元')}",
            ]
            title = f"{obj.code} {obj.title or obj.location}"
            boundaries = [
                obj.boundary_east,
                obj.boundary_south,
                obj.boundary_west,
                obj.boundary_north,
            ]
            text = " ".join([obj.location, *boundaries])
            return Result(
                kind,
                obj,
                obj.get_absolute_url(),
                search.highlight(title, query),
                search.snippet(text, query),
                [m for m in meta if m],
            )
        if kind.key == "park":
            meta = [" ".join(p for p in [obj.district, obj.town] if p), obj.leading_industries]
            text = obj.summary or obj.introduction
            if obj.summary and obj.introduction and not _mentions(obj.summary, query):
                text = obj.introduction
            return Result(
                kind,
                obj,
                obj.get_absolute_url(),
                search.highlight(obj.name, query),
                search.snippet(text, query),
                [m for m in meta if m],
            )
        body = html_to_text(obj.body)
        text = obj.summary if _mentions(obj.summary, query) or not body else body
        meta = [obj.category.name, obj.published_at.strftime("%Y-%m-%d")]
        return Result(
            kind,
            obj,
            obj.get_absolute_url(),
            search.highlight(obj.title, query),
            search.snippet(text, query),
            meta,
        )


def _mentions(text, query):
    lowered = search.normalize(text)
    return any(term in lowered for term in query.highlight_terms)


def _number(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        value = value.normalize()
        return f"{value:,f}"
    return f"{value:,}"


def suggestions():
    """Popular tags of published articles and the parks, for an empty or fruitless search."""

    def build():
        tags = list(
            Article.objects.published()
            .filter(tags__isnull=False)
            .values("tags__name")
            .annotate(n=Count("pk"))
            .order_by("-n", "tags__name")
            .values_list("tags__name", flat=True)[:SUGGESTED_TAGS]
        )
        parks = list(Park.objects.published().values_list("name", "slug")[:SUGGESTED_PARKS])
        return {"tags": tags, "parks": parks}

    return cache.get_or_set("search:suggestions", build, SUGGESTIONS_CACHE_SECONDS)


class SearchView(TemplateView):
    template_name = "search.html"
    paginate_by = RESULTS_PER_PAGE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        raw = self.request.GET.get("q", "")
        site_search = SiteSearch(raw, self.request.GET.get("kind"))
        query = site_search.query
        context.update(
            search_query=search.display_text(raw),
            query=query,
            kind=site_search.kind,
            crumbs=[(_("搜索"), "")],
        )
        if query:
            paginator = Paginator(site_search, self.paginate_by)
            page = paginator.get_page(self.request.GET.get("page"))
            facets = site_search.facets
            context.update(
                page_obj=page,
                results=page.object_list,
                total=sum(facets.values()),
                facets=[(KINDS[key], count) for key, count in facets.items()],
            )
        if not query or not context.get("total"):
            context["suggestions"] = suggestions()
        return context
