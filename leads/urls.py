from django.urls import path

from leads import views

app_name = "leads"

urlpatterns = [
    path("inquiry/", views.InquiryView.as_view(), name="inquiry"),
    path("inquiry/thanks/<str:token>/", views.thanks, name="thanks"),
    path("inquiry/token/", views.inquiry_token, name="inquiry-token"),
]
