import pytest
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db


def _titles(response):
    return [listing.title for listing in response.context["object_list"]]


def test_a_keyword_search_lists_the_best_match_first(client):
    now = timezone.now()
    factories.make_listing(
        title="泗泾标准厂房出租",
        description="园区里也有独栋可选。",
        published_at=now - timezone.timedelta(hours=1),
    )
    factories.make_listing(
        title="泗泾独栋厂房 带院子",
        published_at=now - timezone.timedelta(days=20),
    )
    response = client.get("/listings/", {"q": "独栋"})
    assert _titles(response) == ["泗泾独栋厂房 带院子", "泗泾标准厂房出租"]

    # A sort the visitor chose still wins over relevance.
    response = client.get("/listings/", {"q": "独栋", "sort": "newest"})
    assert _titles(response) == ["泗泾标准厂房出租", "泗泾独栋厂房 带院子"]
