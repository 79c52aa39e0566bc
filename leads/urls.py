from django.urls import path

from leads import views

app_name = "leads"

urlpatterns = [
    path("inquiry/", views.InquiryView.as_view(), name="inquiry"),
    path("inquiry/thanks/<str:token>/", views.thanks, name="thanks"),
    path("match/", views.MatchView.as_view(), name="match"),
    path("alerts/subscribe/", views.alert_subscribe, name="alert-subscribe"),
    path("alerts/confirm/<str:token>/", views.alert_confirm, name="alert-confirm"),
    path("alerts/unsubscribe/<str:token>/", views.alert_unsubscribe, name="alert-unsubscribe"),
]
