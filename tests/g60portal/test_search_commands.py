"""manage.py rebuild_search_index"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article
from listings.models import Listing
from tests import factories

pytestmark = pytest.mark.django_db


def bulk_listing(code, title):
    """A listing written the way bulk imports write them: without save()."""
    now = timezone.now()
    (listing,) = Listing.objects.bulk_create(
        [
            Listing(
                code=code,
                title=title,
                status=Listing.Status.AVAILABLE,
                building_area=1000,
                rent_price=1,
                published_at=now,
                last_verified_at=now,
            )
        ]
    )
    return listing


def found(q):
    return list(Listing.objects.published().search_text(q).values_list("title", flat=True))


def rebuild(*args, **options):
    out = StringIO()
    call_command("rebuild_search_index", *args, stdout=out, **options)
    return out.getvalue()


def test_it_indexes_rows_written_without_save():
    bulk_listing("B-1", "泗泾镇独栋厂房")
    assert found("泗泾 独栋") == []
    output = rebuild()
    assert found("泗泾 独栋") == ["泗泾镇独栋厂房"]
    assert "[##############################] 1/1 listing" in output
    assert "Re-indexed" in output


def test_missing_only_touches_rows_without_a_vector():
    listing = factories.make_listing(title="九亭厂房")
    # Changed behind save()'s back: the vector still says 九亭.
    Listing.objects.filter(pk=listing.pk).update(title="车墩厂房")
    bulk_listing("B-2", "洞泾仓库")
    rebuild("--missing")
    assert found("洞泾") == ["洞泾仓库"]
    assert found("车墩") == []
    rebuild()
    assert found("车墩") == ["车墩厂房"]


def test_model_limits_the_rebuild_to_one_kind():
    bulk_listing("B-3", "新浜厂房")
    article = factories.make_article(title="新浜镇招商")
    Article.objects.filter(pk=article.pk).update(search_vector=None)
    output = rebuild("--model", "listing")
    assert found("新浜") == ["新浜厂房"]
    assert Article.objects.get(pk=article.pk).search_vector is None
    assert "article" not in output


def test_dry_run_changes_nothing():
    bulk_listing("B-4", "叶榭厂房")
    output = rebuild("--dry-run", "--missing")
    assert "listing: 1 rows would be re-indexed" in output
    assert found("叶榭") == []


def test_it_says_so_when_there_is_nothing_to_index():
    assert "land: nothing to index" in rebuild("--model", "land")


def test_batches_cover_every_row():
    for n in range(7):
        bulk_listing(f"B-5{n}", f"泖港厂房{n}")
    rebuild("--batch-size", "3", "--model", "listing")
    assert len(found("泖港")) == 7
