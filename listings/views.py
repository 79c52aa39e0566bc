from django.views.generic import DetailView, ListView

from listings.models import LandParcel, Listing, Park


class ListingListView(ListView):
    template_name = "listings/listing_list.html"
    paginate_by = 24

    def get_queryset(self):
        return Listing.objects.published().select_related("park")


class ListingDetailView(DetailView):
    template_name = "listings/listing_detail.html"

    def get_queryset(self):
        return Listing.objects.published().select_related("park", "agent")


class LandListView(ListView):
    template_name = "listings/land_list.html"
    paginate_by = 20

    def get_queryset(self):
        return LandParcel.objects.published().select_related("park")


class LandDetailView(DetailView):
    template_name = "listings/land_detail.html"

    def get_queryset(self):
        return LandParcel.objects.published().select_related("park", "agent")


class ParkListView(ListView):
    template_name = "listings/park_list.html"

    def get_queryset(self):
        return Park.objects.published()


class ParkDetailView(DetailView):
    template_name = "listings/park_detail.html"

    def get_queryset(self):
        return Park.objects.published().select_related("agent")
