"""The home page's sections. Each section is shown only when it has content."""

from articles.models import Article
from listings.models import LandParcel, Listing, Park


def sections():
    featured = list(
        Listing.objects.published()
        .select_related("park", "agent")
        .prefetch_related("images")
        .order_by("-featured", "-published_at")[:8]
    )
    land = list(LandParcel.objects.published().open_for_bidding().select_related("park")[:4])
    news = list(
        Article.objects.published().select_related("category").order_by("-published_at")[:6]
    )
    parks = list(Park.objects.published()[:8])
    return {"listings": featured, "land": land, "news": news, "parks": parks}
