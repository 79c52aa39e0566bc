"""The home page's sections. Each section is shown only when it has content; English
pages put what has its English version first."""

from articles.models import Article
from core.translations import english_first
from listings.models import LandParcel, Listing, Park


def sections():
    featured = list(
        english_first(
            Listing.objects.published().select_related("park", "agent").prefetch_related("images"),
            "-featured",
            "-published_at",
        )[:8]
    )
    land = list(
        english_first(
            LandParcel.objects.published().open_for_bidding().select_related("park"),
            *LandParcel._meta.ordering,
        )[:4]
    )
    news = list(
        english_first(Article.objects.published().select_related("category"), "-published_at")[:6]
    )
    parks = list(english_first(Park.objects.published(), *Park._meta.ordering)[:8])
    return {"listings": featured, "land": land, "news": news, "parks": parks}
