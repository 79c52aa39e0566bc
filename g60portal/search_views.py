"""/search/: one ranked list over listings, land parcels, parks and articles."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Count
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from articles.models import Article
from core import search
from core.sanitize import html_to_text
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
        Kind("land", _("土地"), _public_parcels, "published_at"),
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
    """The results of a query as a sliceable sequence, for Django's Paginator.

    A common word (厂房) matches tens of thousands of rows, and counting or ranking all
    of them costs far more than a page is worth. So each kind contributes at most its
    MAX_CANDIDATES newest matches, which are ranked; a count that reaches the cap is
    shown as "300+". Visitors who need more add a word or use the lists.

    One query per page does it all: each kind's candidates are picked once (as bare ids,
    newest first) and serve both the counts and the ranking, which joins them back to
    their rows for ts_rank. Call ``plan_page`` with the page wanted before the
    Paginator counts, so that the count and the page come from that one query."""

    MAX_CANDIDATES = 300

    def __init__(self, q, kind=None):
        self.query = search.parse_query(q or "")
        self.kind = kind if kind in KINDS else None
        self._window = (0, RESULTS_PER_PAGE)
        self._pages = {}
        self._counts = None

    @cached_property
    def searched_kinds(self):
        if not self.query:
            return []
        keys = AREA_KINDS if self.query.area else list(KINDS)
        return [KINDS[key] for key in keys]

    @property
    def kinds_in_view(self):
        return [k for k in self.searched_kinds if self.kind in (None, k.key)]

    def matching(self, kind):
        return search.filter_queryset(kind.public(), self.query)

    def plan_page(self, number, per_page):
        """The page the caller will most likely ask for (a bad number: the first; a
        number past the last page the capped results can fill: that last page)."""
        try:
            number = max(1, int(number))
        except (TypeError, ValueError):
            number = 1
        # Never more than the capped candidates fill: a huge page never reaches SQL.
        number = min(number, -(-self.MAX_CANDIDATES * len(KINDS) // per_page))
        self._window = ((number - 1) * per_page, number * per_page)

    @property
    def counts(self):
        """{kind key: matches, counted up to MAX_CANDIDATES + 1}."""
        if self._counts is None:
            self._run(*self._window)
        return self._counts

    @property
    def facets(self):
        """{kind key: number of results (capped)}, for every searched kind."""
        return {key: min(n, self.MAX_CANDIDATES) for key, n in self.counts.items()}

    @property
    def capped(self):
        """Kinds with more matches than are counted."""
        return {key for key, n in self.counts.items() if n > self.MAX_CANDIDATES}

    def count(self):
        return sum(self.facets.get(k.key, 0) for k in self.kinds_in_view)

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("SiteSearch supports slices only")
        start, stop = index.start or 0, index.stop
        if not self.searched_kinds or (stop is not None and stop <= start):
            return []
        rows = self._cached_rows(start, stop)
        if rows is None:
            self._run(start, stop)
            rows = self._pages[(start, stop)]
        keys = list(KINDS)
        wanted = {}
        for kind_order, pk, _score in rows:
            wanted.setdefault(keys[kind_order], []).append(pk)
        objects = {}
        for key, pks in wanted.items():
            kind = KINDS[key]
            queryset = kind.public().defer("search_vector")
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

    def _cached_rows(self, start, stop):
        # The Paginator asks for [0:count] when the last page is short: a part of a page
        # already fetched.
        for (first, last), rows in self._pages.items():
            if first <= start and stop is not None and last is not None and stop <= last:
                return rows[start - first : stop - first]
        return None

    def _run(self, start, stop):
        """Counts of every searched kind and the rows [start:stop] of the kinds in view,
        in one query: [(kind_order, pk, score)]."""
        keys = list(KINDS)
        ctes, counts, ranked, params, count_params, rank_params = [], [], [], [], [], []
        db = None
        for kind in self.searched_kinds:
            order = keys.index(kind.key)
            candidates = (
                self.matching(kind)
                .order_by(*([f"-{kind.date_field}", "-pk"] if kind.date_field else ["-pk"]))
                .values_list("pk")[: self.MAX_CANDIDATES + 1]
            )
            db = candidates.db
            sql, candidate_params = candidates.query.sql_with_params()
            ctes.append(f"c{order} AS MATERIALIZED ({sql})")
            params += candidate_params
            counts.append(f"SELECT {order}, NULL::bigint, COUNT(*)::float8, 0 FROM c{order}")  # noqa: S608
            if kind not in self.kinds_in_view:
                continue
            meta = candidates.model._meta
            table, pk = meta.db_table, meta.pk.column
            date_column = (
                f't."{meta.get_field(kind.date_field).column}"' if kind.date_field else None
            )
            score, score_params = search.score_sql(
                self.query, 't."search_vector"', date_column, kind.boost
            )
            ranked.append(
                f'SELECT {order} AS kind_order, t."{pk}" AS pk, {score} AS score '  # noqa: S608
                f'FROM c{order} JOIN "{table}" AS t ON t."{pk}" = c{order}."pk"'
            )
            rank_params += score_params
        page = " UNION ALL ".join(ranked) or "SELECT 0, 0::bigint, 0::float8 WHERE false"
        # Table and column names come from the models; everything else is a parameter.
        sql = (
            f"WITH {', '.join(ctes)} "  # noqa: S608
            f"{' UNION ALL '.join(counts)} UNION ALL "
            f"(SELECT *, 1 FROM ({page}) AS ranked "
            f"ORDER BY score DESC, kind_order, pk DESC LIMIT %s OFFSET %s)"
        )
        params += count_params + rank_params + [None if stop is None else stop - start, start]
        with connections[db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        found = {order: int(n) for order, _pk, n, is_row in rows if not is_row}
        self._counts = {
            kind.key: found.get(keys.index(kind.key), 0) for kind in self.searched_kinds
        }
        self._pages[(start, stop)] = [
            (order, pk, score) for order, pk, score, is_row in rows if is_row
        ]

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
            site_search.plan_page(self.request.GET.get("page"), self.paginate_by)
            paginator = Paginator(site_search, self.paginate_by)
            page = paginator.get_page(self.request.GET.get("page"))
            facets, capped = site_search.facets, site_search.capped
            context.update(
                page_obj=page,
                results=page.object_list,
                total=sum(facets.values()),
                total_capped=bool(capped),
                view_capped=any(k.key in capped for k in site_search.kinds_in_view),
                facets=[(KINDS[key], count, key in capped) for key, count in facets.items()],
            )
        if not query or not context.get("total"):
            context["suggestions"] = suggestions()
        return context
