from django.urls import path

from leads import posters, views, workbench

app_name = "leads"

urlpatterns = [
    path("inquiry/", views.InquiryView.as_view(), name="inquiry"),
    path("inquiry/thanks/<str:token>/", views.thanks, name="thanks"),
    path("agent/", workbench.queue, name="agent-queue"),
    path("agent/inquiries/<int:pk>/", workbench.detail, name="agent-inquiry"),
    path("agent/inquiries/<int:pk>/status/", workbench.set_status, name="agent-status"),
    path("agent/inquiries/<int:pk>/note/", workbench.add_note, name="agent-note"),
    path("agent/share/", workbench.make_share, name="agent-share-make"),
    path("agent/shares/<int:pk>/", workbench.share_detail, name="agent-share"),
    # Posters sit under the pages they show; the views are in leads (listings and
    # articles import no leads).
    path("listings/<int:pk>/poster.png", posters.listing_poster, name="listing-poster"),
    path("land/<int:pk>/poster.png", posters.parcel_poster, name="land-poster"),
    path("parks/<slug:slug>/poster.png", posters.park_poster, name="park-poster"),
    path("news/<int:pk>/poster.png", posters.article_poster, name="article-poster"),
    path("inquiry/thanks/<str:token>/agent.vcf", views.agent_vcard, name="agent-vcard"),
    path("match/", views.MatchView.as_view(), name="match"),
    path("alerts/subscribe/", views.alert_subscribe, name="alert-subscribe"),
    path("alerts/confirm/<str:token>/", views.alert_confirm, name="alert-confirm"),
    path("alerts/unsubscribe/<str:token>/", views.alert_unsubscribe, name="alert-unsubscribe"),
    path("alerts/manage/<str:token>/", views.alert_manage, name="alert-manage"),
    path("inquiry/token/", views.inquiry_token, name="inquiry-token"),
]
