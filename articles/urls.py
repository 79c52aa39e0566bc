from django.urls import path, register_converter

from articles import views

app_name = "articles"

register_converter(views.UnicodeSlugConverter, "uslug")

urlpatterns = [
    path("news/", views.ArticleListView.as_view(), name="article-list"),
    path("news/c/<slug:slug>/", views.CategoryView.as_view(), name="category"),
    path("news/<int:pk>/", views.ArticleDetailView.as_view(), name="article-detail"),
    path("tags/<uslug:slug>/", views.TagView.as_view(), name="tag"),
    path("feeds/news/", views.LatestArticlesFeed(), name="feed"),
]
