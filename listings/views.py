import json
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Count
from django.http import Http404
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, ListView

from core.fragments import with_kept
from core.numbers import number_text, plain_number, rmb_from_wan
from core.pagination import CachedCountPaginator, query_digest
from core.qrcode import public_qr_svg
from listings import permissions
from listings.forms import LandFilterForm, LandFitForm, ListingFilterForm
from listings.land_fit import land_fit
from listings.models import PARK_CHOICES_CACHE_KEY, LandParcel, Listing, Park, published_q
from listings.places import place_name

NO_CACHE = "private, no-cache, no-store, must-revalidate, max-age=0"


def json_ld(data):
    """A JSON-LD block's content, escaped so that it cannot close its <script> element."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    text = text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    return mark_safe(text)  # noqa: S308 - escaped above


def _english():
    return (get_language() or "").startswith("en")


def place_data(obj, name, street, region=None, **extra):
    """schema.org Place of a park, listing or parcel: its address and, when known, where
    it is on the map. The one builder of address and geo for every JSON-LD block."""
    address = {"@type": "PostalAddress", "addressCountry": "CN"}
    if region:
        address["addressRegion"] = region
    address["addressLocality"] = place_name(obj.district)
    address["streetAddress"] = " ".join(p for p in [place_name(obj.town), street] if p)
    place = {"@type": "Place", "name": name, **extra, "address": address}
    if obj.latitude is not None and obj.longitude is not None:
        place["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": str(obj.latitude),
            "longitude": str(obj.longitude),
        }
    return place


class FilteredListMixin:
    """A ListView whose queryset is narrowed by a GET filter form; bad values are dropped
    by the form, and a page past the end shows the last page."""

    filter_form_class = None
    count_cache_seconds = 60
    # Names the kept counts of this list (with a digest of the query).
    count_prefix = ""
    # Other shared-cache entries every request of the list reads (read with the count).
    shared_keys = ()

    def count_key(self):
        """The count is kept per query string (the page and the order aside), so that it
        can be read before the filter form is built, in one round trip with the rest."""
        digest = query_digest(self.request, (self.page_kwarg, "sort"))
        return f"{self.count_prefix}:count:{digest}"

    @cached_property
    def shared(self):
        """The count and `shared_keys` as kept in the shared cache: one MGET."""
        return cache.get_many([self.count_key(), *self.shared_keys])

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True):
        key = self.count_key()
        return CachedCountPaginator(
            queryset,
            per_page,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            count_key=key,
            count_seconds=self.count_cache_seconds,
            kept_count=self.shared.get(key),
        )

    def get_filter_form(self):
        if not hasattr(self, "_filter_form"):
            self._filter_form = self.build_filter_form()
        return self._filter_form

    def build_filter_form(self):
        return self.filter_form_class(self.request.GET)

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size, allow_empty_first_page=True)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def chips(self):
        """Active filters, each with the URL of the same search without it."""
        chips = []
        for name, label in self.get_filter_form().chips():
            params = self.request.GET.copy()
            params.pop(name, None)
            params.pop(self.page_kwarg, None)
            query = params.urlencode()
            chips.append((label, f"{self.request.path}?{query}" if query else self.request.path))
        return chips

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.get_filter_form()
        context.update(
            filter_form=form,
            # Read only where the results' heading is not kept rendered.
            chips=SimpleLazyObject(self.chips),
            ignored_filters=form.ignored(),
            result_count=context["paginator"].count,
            filters_key=self.filters_key(),
        )
        return context

    def filters_key(self):
        """The key of the rendered filter form, kept per query string (page aside). Any
        park choices are part of it: a park added on another host shows at once."""
        parks = getattr(self.get_filter_form(), "_parks", None)
        return query_digest(self.request, (self.page_kwarg,), parks)


class ListingListView(FilteredListMixin, ListView):
    template_name = "listings/listing_list.html"
    paginate_by = 24
    filter_form_class = ListingFilterForm
    count_prefix = "listings.listing"
    shared_keys = (PARK_CHOICES_CACHE_KEY,)

    def build_filter_form(self):
        return ListingFilterForm(
            self.request.GET, kept_parks=self.shared.get(PARK_CHOICES_CACHE_KEY)
        )

    def get_queryset(self):
        return self.get_filter_form().filter_queryset(Listing.objects.published())

    def paginate_queryset(self, queryset, page_size):
        # Count and pick the page's ids (and updated_at, which keys each card) from the
        # narrow covering index first; then load whole just the rows whose card is not
        # kept rendered: far cheaper than sorting wide rows on a large table.
        paginator, page, keyed, is_paginated = super().paginate_queryset(
            queryset.values_list("pk", "updated_at"), page_size
        )
        language = get_language()
        # Each card's key as templates/listings/includes/listing_card.html's cache tag
        # makes it: pk, updated_at, language, first card of the page.
        entries = [
            (pk, [pk, updated_at, language, index == 0])
            for index, (pk, updated_at) in enumerate(keyed)
        ]
        page.object_list = with_kept("listing-card", entries, self.card_rows)
        return paginator, page, page.object_list, is_paginated

    @staticmethod
    def card_rows(pks):
        # The search vectors and the long description are not shown on cards.
        return (
            Listing.objects.filter(pk__in=pks)
            .select_related("park")
            .defer(
                "search_vector",
                "search_vector_en",
                "description",
                "park__search_vector",
                "park__search_vector_en",
                "park__introduction",
            )
            .prefetch_related("images")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        chips = context["chips"]
        context["search_summary"] = SimpleLazyObject(
            lambda: "；".join(label for label, _url in chips)
        )
        filters = self.get_filter_form().filters
        words = [place_name(filters.get("town", ""))]
        if filters.get("kind"):
            words.append(Listing.Kind(filters["kind"]).label)
        if filters.get("deal"):
            words.append(Listing.Deal(filters["deal"]).label)
        context["heading"] = " ".join(str(w) for w in words if w) or _("房源")
        context["crumbs"] = [(_("房源"), "")]
        return context


def staff_can_preview(user, queryset):
    """Staff with view permission may open unpublished rows (an agent: only their own)."""
    model = queryset.model
    perm = f"{model._meta.app_label}.view_{model._meta.model_name}"
    if not (user.is_authenticated and user.is_staff and user.has_perm(perm)):
        return None
    return permissions.scope_to_agent(queryset, user)


class PreviewableDetailView(DetailView):
    """Visitors see published rows; staff may preview the rest at the same URL."""

    preview = False

    def get_object(self, queryset=None):
        try:
            return super().get_object(queryset)
        except Http404:
            staff_queryset = staff_can_preview(self.request.user, self.get_base_queryset())
            if staff_queryset is None:
                raise
            self.preview = True
            return super().get_object(staff_queryset)

    def get_queryset(self):
        return self.get_base_queryset().published()

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if self.preview:
            response["Cache-Control"] = NO_CACHE
            response["X-Robots-Tag"] = "noindex"
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["preview"] = self.preview
        context["page_url"] = self.request.build_absolute_uri(self.object.get_absolute_url())
        context["share_qr"] = public_qr_svg(context["page_url"], title=str(_("用微信扫码打开本页")))
        return context


class ListingDetailView(PreviewableDetailView):
    template_name = "listings/listing_detail.html"

    def get_base_queryset(self):
        return Listing.objects.select_related("park", "agent").prefetch_related("images")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        listing = self.object
        # Read only when the kept list is old (listing_detail.html keeps it).
        context["similar"] = SimpleLazyObject(
            lambda: list(
                Listing.objects.published()
                .similar_to(listing)
                .select_related("park")
                .prefetch_related("images")[:4]
            )
        )
        context["crumbs"] = [
            (_("房源"), f"{_listing_list_url()}"),
            (listing.get_kind_display(), f"{_listing_list_url()}?kind={listing.kind}"),
            (listing.title, ""),
        ]
        context["json_ld"] = json_ld(self.structured_data(listing, context["page_url"]))
        kind, area = listing.get_kind_display(), number_text(listing.building_area)
        if _english():
            # "Factory for rent, 1,500 m², Sheshan Town: …" (docs/english.md).
            context["description"] = (
                f"{kind} {listing.get_deal_display()}, {area} m², {listing.place_name}: "
                f"{truncatechars(listing.description, 100)}"
            )
            context["og_description"] = f"{kind} · {area} m² · {listing.place_name}"
        else:
            context["description"] = (
                f"{kind} {listing.get_deal_display()} {area}㎡ {listing.place_name} "
                f"{truncatechars(listing.description, 100)}"
            )
            context["og_description"] = f"{kind} · {area} ㎡ · {listing.place_name}"
        return context

    def structured_data(self, listing, url):
        offer = {
            "@type": "Offer",
            "businessFunction": (
                "http://purl.org/goodrelations/v1#LeaseOut"
                if listing.deal == Listing.Deal.RENT
                else "http://purl.org/goodrelations/v1#Sell"
            ),
            "priceCurrency": "CNY",
            "availability": "https://schema.org/InStock",
            "url": url,
        }
        price = listing.asking_price
        if price is not None and listing.deal == Listing.Deal.RENT:
            offer["priceSpecification"] = {
                "@type": "UnitPriceSpecification",
                "price": str(price),
                "priceCurrency": "CNY",
                "unitText": str(_("元/㎡/天")),
            }
        elif price is not None:
            offer["price"] = str(price * 10000)
        place = place_data(listing, listing.title, listing.address, region=str(_("上海市")))
        data = {
            "@context": "https://schema.org",
            "@type": "RealEstateListing",
            "name": listing.title,
            "url": url,
            "description": listing.description[:300],
            "datePosted": listing.published_at.isoformat() if listing.published_at else None,
            "offers": offer,
            "about": place,
            "floorSize": {
                "@type": "QuantitativeValue",
                "value": str(listing.building_area),
                "unitCode": "MTK",
            },
        }
        return {k: v for k, v in data.items() if v not in (None, "")}


def _listing_list_url():
    return reverse("listings:listing-list")


class LandListView(FilteredListMixin, ListView):
    template_name = "listings/land_list.html"
    paginate_by = 20
    filter_form_class = LandFilterForm
    count_prefix = "listings.landparcel"

    # What keys a land card (templates/listings/includes/land_card.html): the row's
    # version and the dates that move its status and next event with the clock.
    card_key_fields = (
        "pk",
        "updated_at",
        "status",
        "registration_closes_at",
        "bidding_opens_at",
        "bidding_closes_at",
    )

    def get_queryset(self):
        return self.get_filter_form().filter_queryset(LandParcel.objects.published())

    def paginate_queryset(self, queryset, page_size):
        # The page's parcels with just their card keys; whole rows only for cards that
        # are not kept rendered.
        paginator, page, keyed, is_paginated = super().paginate_queryset(
            queryset.only(*self.card_key_fields), page_size
        )
        language = get_language()
        entries = []
        for parcel in keyed:
            event = parcel.next_event
            vary_on = [parcel.pk, parcel.updated_at, parcel.current_status]
            entries.append((parcel.pk, [*vary_on, event[1] if event else "", language]))
        page.object_list = with_kept(
            "land-card", entries, lambda pks: LandParcel.objects.filter(pk__in=pks)
        )
        return paginator, page, page.object_list, is_paginated

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["crumbs"] = [(_("土地"), "")]
        return context


class LandDetailView(PreviewableDetailView):
    template_name = "listings/land_detail.html"

    def get_base_queryset(self):
        return LandParcel.objects.select_related("park", "agent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        parcel = self.object
        context["crumbs"] = [(_("土地"), reverse("listings:land-list")), (parcel.code, "")]
        name = f"{parcel.code} {parcel.location}"
        place = place_data(parcel, name, parcel.location, url=context["page_url"])
        context["json_ld"] = json_ld({"@context": "https://schema.org", **place})
        use, area = parcel.get_land_use_display(), number_text(parcel.area)
        if _english():
            # "CD-21-006 Industrial land, 33,350.5 m², starting price RMB 26.7 million, …"
            price = f"{_('起始价')} {rmb_from_wan(parcel.starting_price)}"
            context["description"] = f"{parcel.code} {use}, {area} m², {price}, {parcel.location}"
            context["og_description"] = f"{use} · {area} m² · {price}"
        else:
            price = f"{_('起始价')} {plain_number(parcel.starting_price)} {_('万元')}"
            context["description"] = f"{parcel.code} {use} {area}㎡ {price} {parcel.location}"
            context["og_description"] = f"{use} · {area} ㎡ · {price}"
        context["now"] = timezone.now()
        fit_form = LandFitForm(self.request.GET)
        context["fit_form"] = fit_form
        context["fit"] = land_fit(
            parcel, fit_form.filters.get("investment"), fit_form.filters.get("tax")
        )
        context["fit_asked"] = bool(fit_form.filters)
        return context


class ParkListView(ListView):
    template_name = "listings/park_list.html"

    def get_queryset(self):
        parks = Park.objects.published()
        if self.request.GET.get("translated") == "1":
            parks = parks.translated()
        return parks.annotate(
            listing_count=Count("listings", filter=published_q("listings__"), distinct=True)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["crumbs"] = [(_("园区"), "")]
        return context


class ParkDetailView(PreviewableDetailView):
    template_name = "listings/park_detail.html"
    listing_limit = 12

    def get_base_queryset(self):
        return Park.objects.select_related("agent").prefetch_related("images")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        park = self.object
        context["listings_url"] = (
            reverse("listings:listing-list") + "?" + urlencode({"park": park.slug})
        )
        # Read only when the kept sections are old (park_detail.html keeps them).
        context["sections"] = SimpleLazyObject(lambda: self.sections(park))
        context["crumbs"] = [(_("园区"), reverse("listings:park-list")), (park.name, "")]
        return context

    def sections(self, park):
        """The park's public listings (and their number), open parcels and news."""
        listings = Listing.objects.published().filter(park=park)
        shown = list(
            listings.select_related("park").prefetch_related("images")[: self.listing_limit]
        )
        sections = {
            "listings": shown,
            "listing_count": len(shown) if len(shown) < self.listing_limit else listings.count(),
            "parcels": list(
                LandParcel.objects.published()
                .open_for_bidding()
                .filter(park=park)
                .order_by("bidding_closes_at")[:6]
            ),
            "news": [],
        }
        # Articles name parks; listings must not import articles, so the reverse relation
        # (present once the articles app is installed) is the way in.
        related_articles = getattr(park, "articles", None)
        if related_articles is not None and hasattr(related_articles, "published"):
            sections["news"] = list(related_articles.published().order_by("-published_at")[:5])
        return sections
