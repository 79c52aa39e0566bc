"""The home page's sections. Each section is shown only when it has content."""

from articles.models import Article
from listings.models import LandParcel, Listing, Park

# Columns the cards never show: the search index and long texts (and the joined park's).
PLACE_UNSHOWN = ("search_vector", "park__search_vector", "park__introduction")
LISTING_UNSHOWN = (*PLACE_UNSHOWN, "description")


def sections():
    featured = list(
        Listing.objects.published()
        .select_related("park", "agent")
        .prefetch_related("images")
        .defer(*LISTING_UNSHOWN)
        .order_by("-featured", "-published_at")[:8]
    )
    land = list(
        LandParcel.objects.published()
        .open_for_bidding()
        .select_related("park")
        .defer(*PLACE_UNSHOWN)[:4]
    )
    news = list(Article.objects.published().for_cards().order_by("-published_at")[:6])
    parks = list(Park.objects.published().defer("search_vector", "introduction")[:8])
    return {"listings": featured, "land": land, "news": news, "parks": parks}
