from django.urls import path

from listings import views

app_name = "listings"

urlpatterns = [
    path("listings/", views.ListingListView.as_view(), name="listing-list"),
    path("listings/<int:pk>/", views.ListingDetailView.as_view(), name="listing-detail"),
    path("land/", views.LandListView.as_view(), name="land-list"),
    path("land/<int:pk>/", views.LandDetailView.as_view(), name="land-detail"),
    path("parks/", views.ParkListView.as_view(), name="park-list"),
    path("parks/<slug:slug>/", views.ParkDetailView.as_view(), name="park-detail"),
]
