"""The site search: one ranked list over listings, land parcels, parks and articles.

This module picks, counts and ranks what a query finds; how each kind of result looks is
in templates/includes/search/<kind>.html (see ``Kind.template``)."""

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connections
from django.db.models import Count
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from articles.models import Article
from core import search
from core.fragments import kept_fragments
from core.pages import PAGE_VERSION_KEY, page_version
from listings.models import LandParcel, Listing, Park

RESULTS_PER_PAGE = 20
SUGGESTED_TAGS = 12
SUGGESTED_PARKS = 8
SUGGESTIONS_CACHE_SECONDS = 600
# How long the ranked ids and counts of a query are kept (SiteSearch._run).
RUN_CACHE_SECONDS = 60
# templates/search.html keeps each rendered result under this name (see Result).
RESULT_FRAGMENT = "search-result"


@dataclass(frozen=True)
class Kind:
    key: str
    label: object
    public: object  # () -> QuerySet of what the public may find
    date_field: str | None = None
    # Parks are few and evergreen; when a park matches, it is usually what was meant.
    boost: float = 1.0
    related: tuple = ()

    @property
    def template(self):
        """The partial that shows one result of this kind."""
        return f"includes/search/{self.key}.html"


def _public_parcels():
    # Sold and withdrawn parcels stay visible on /land/ (results, history) but are no
    # longer an offer: search leaves them out.
    return LandParcel.objects.published().exclude(status__in=LandParcel.FINAL_STATUSES)


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
# Words that name a space or a plot: a query with one of them wants spaces and land, so
# those come before parks and news whatever their scores.
SPACE_WORDS = (
    "厂房", "厂", "车间", "仓库", "库房", "仓储", "物流", "冷库", "办公", "写字楼", "研发",
    "土地", "用地", "地块", "宗地", "工业地", "出租", "出售", "租", "平米", "平方", "㎡", "亩",
    "factory", "factories", "warehouse", "office", "land", "plot", "parcel",
)  # fmt: skip
SPACE_KINDS = ("listing", "land")


def names_a_space(q):
    text = (q or "").lower()
    return any(word in text for word in SPACE_WORDS)


@dataclass(frozen=True)
class Result:
    """One found object; ``kind.template`` shows it. ``fragment`` names its rendered
    form (kind, row, its version, the query and language), kept for a few minutes in
    the fragments cache; a result found there comes as ``html``, without its row."""

    kind: Kind
    obj: object
    fragment: str = ""
    html: str | None = None


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
        # English pages search the English texts with PostgreSQL's 'english' configuration;
        # a query in Chinese characters searches the Chinese texts wherever it is typed.
        english = (get_language() or "").startswith("en") and not search.has_han(q or "")
        self.query = (search.parse_english_query if english else search.parse_query)(q or "")
        self.spaces_first = names_a_space(q)
        self.kind = kind if kind in KINDS else None
        # What a result's rendering depends on besides its row: the query and language.
        self.signature = hashlib.sha256(f"{get_language()}\n{q or ''}".encode()).hexdigest()[:16]
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
        fragments = [
            f"{keys[kind_order]}:{pk}:{updated_at.isoformat()}:{self.signature}"
            for kind_order, pk, _score, updated_at in rows
        ]
        kept = kept_fragments(RESULT_FRAGMENT, [[fragment] for fragment in fragments])
        wanted = {}
        for (kind_order, pk, _score, _updated_at), html in zip(rows, kept, strict=True):
            if html is None:
                wanted.setdefault(keys[kind_order], []).append(pk)
        objects = {}
        for key, pks in wanted.items():
            kind = KINDS[key]
            queryset = kind.public().defer("search_vector", "search_vector_en")
            if kind.related:
                queryset = queryset.select_related(*kind.related)
            for obj in queryset.filter(pk__in=pks):
                objects[(key, obj.pk)] = obj
        results = []
        for (kind_order, pk, _score, _updated_at), fragment, html in zip(
            rows, fragments, kept, strict=True
        ):
            kind = KINDS[keys[kind_order]]
            if html is not None:
                results.append(Result(kind, None, fragment, html))
            elif (obj := objects.get((kind.key, pk))) is not None:
                results.append(Result(kind, obj, fragment))
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
        in one query: [(kind_order, pk, score, updated_at)]. The answer is kept a minute
        in the shared cache under the page version, so a popular query is ranked once
        per change of what the site shows (and at least every minute, for what time
        alone changes); the kept answer and the version come in one round trip."""
        key = f"search:run:{self.signature}:{self.kind}:{start}:{stop}"
        found = cache.get_many([PAGE_VERSION_KEY, key])
        version = found.get(PAGE_VERSION_KEY) or page_version()
        kept = found.get(key)
        if kept is not None and kept[0] == version:
            _version, self._counts, self._pages[(start, stop)] = kept
            return
        self._rank(start, stop)
        cache.set(key, (version, self._counts, self._pages[(start, stop)]), RUN_CACHE_SECONDS)

    def _rank(self, start, stop):
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
            counts.append(
                f"SELECT {order}, NULL::bigint, COUNT(*)::float8, NULL::timestamptz, 0 "  # noqa: S608
                f"FROM c{order}"
            )
            if kind not in self.kinds_in_view:
                continue
            meta = candidates.model._meta
            table, pk = meta.db_table, meta.pk.column
            date_column = (
                f't."{meta.get_field(kind.date_field).column}"' if kind.date_field else None
            )
            score, score_params = search.score_sql(
                self.query, f't."{self.query.vector_column}"', date_column, kind.boost
            )
            updated = meta.get_field("updated_at").column
            ranked.append(
                f'SELECT {order} AS kind_order, t."{pk}" AS pk, {score} AS score, '  # noqa: S608
                f't."{updated}" AS updated_at '
                f'FROM c{order} JOIN "{table}" AS t ON t."{pk}" = c{order}."pk"'
            )
            rank_params += score_params
        page = (
            " UNION ALL ".join(ranked)
            or "SELECT 0, 0::bigint, 0::float8, NULL::timestamptz WHERE false"
        )
        tier = ""
        if self.spaces_first:
            space_orders = ", ".join(str(keys.index(key)) for key in SPACE_KINDS)
            tier = f"CASE WHEN kind_order IN ({space_orders}) THEN 0 ELSE 1 END, "
        # Table and column names come from the models; everything else is a parameter.
        sql = (
            f"WITH {', '.join(ctes)} "  # noqa: S608
            f"{' UNION ALL '.join(counts)} UNION ALL "
            f"(SELECT *, 1 FROM ({page}) AS ranked "
            f"ORDER BY {tier}score DESC, kind_order, pk DESC LIMIT %s OFFSET %s)"
        )
        params += count_params + rank_params + [None if stop is None else stop - start, start]
        with connections[db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        found = {order: int(n) for order, _pk, n, _updated, is_row in rows if not is_row}
        self._counts = {
            kind.key: found.get(keys.index(kind.key), 0) for kind in self.searched_kinds
        }
        self._pages[(start, stop)] = [
            (order, pk, score, updated) for order, pk, score, updated, is_row in rows if is_row
        ]


def suggestions():
    """Popular tags of published articles and the parks, for an empty or fruitless search."""

    def build():
        tags = list(
            Article.objects.published()
            .filter(tags__isnull=False)
            .values("tags__name_zh_hans", "tags__name_en")
            .annotate(n=Count("pk"))
            .order_by("-n", "tags__name_zh_hans")
            .values_list("tags__name_zh_hans", "tags__name_en")[:SUGGESTED_TAGS]
        )
        # The page's name for each tag (this entry is cached per language).
        english = (get_language() or "").startswith("en")
        tags = [(english and name_en) or name_zh for name_zh, name_en in tags]
        parks = list(Park.objects.published()[:SUGGESTED_PARKS])
        return {"tags": tags, "parks": [(park.name, park.slug) for park in parks]}

    # Park names in the page's language: one cache entry per language.
    key = f"search:suggestions:{get_language()}"
    return cache.get_or_set(key, build, SUGGESTIONS_CACHE_SECONDS)
