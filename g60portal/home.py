"""The home page's sections. Each section is shown only when it has content; English
pages put what has its English version first."""

from articles.models import Article
from core.translations import english_first
from listings.models import LandParcel, Listing, Park

# Columns the cards never show: the search index and long texts (and the joined park's).
PLACE_UNSHOWN = ("search_vector", "park__search_vector", "park__introduction")
LISTING_UNSHOWN = (*PLACE_UNSHOWN, "description")


def sections():
    featured = list(
        english_first(
            Listing.objects.published()
            .select_related("park", "agent")
            .prefetch_related("images")
            .defer(*LISTING_UNSHOWN),
            "-featured",
            "-published_at",
        )[:8]
    )
    land = list(
        english_first(
            LandParcel.objects.published()
            .open_for_bidding()
            .select_related("park")
            .defer(*PLACE_UNSHOWN),
            *LandParcel._meta.ordering,
        )[:4]
    )
    news = list(english_first(Article.objects.published().for_cards(), "-published_at")[:6])
    parks = list(
        english_first(
            Park.objects.published().defer("search_vector", "introduction"),
            *Park._meta.ordering,
        )[:8]
    )
    return {"listings": featured, "land": land, "news": news, "parks": parks}
