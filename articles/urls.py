from django.urls import path
from django.views.generic import DetailView, ListView

from articles.models import Article, Category

app_name = "articles"


class ArticleListView(ListView):
    template_name = "articles/article_list.html"
    paginate_by = 20

    def get_queryset(self):
        return Article.objects.published().select_related("category")


urlpatterns = [
    path("news/", ArticleListView.as_view(), name="article-list"),
    path(
        "news/c/<slug:slug>/",
        DetailView.as_view(model=Category, template_name="articles/category.html"),
        name="category",
    ),
    path(
        "news/<int:pk>/",
        DetailView.as_view(
            queryset=Article.objects.published(), template_name="articles/article_detail.html"
        ),
        name="article-detail",
    ),
]
