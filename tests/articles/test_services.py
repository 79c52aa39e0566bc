from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from articles import services
from articles.models import Article
from tests import factories
from tests.articles.conftest import picture_bytes

pytestmark = pytest.mark.django_db


def test_publish_now_publishes_drafts_and_brings_scheduled_articles_forward(category):
    now = timezone.now()
    draft = factories.make_article(
        category=category, status=Article.Status.DRAFT, published_at=None
    )
    scheduled = factories.make_article(category=category, published_at=now + timedelta(days=2))
    old_draft = factories.make_article(
        category=category, status=Article.Status.DRAFT, published_at=now - timedelta(days=30)
    )

    with time_machine.travel(now, tick=False):
        count = services.publish_now(Article.objects.all())

    assert count == 3
    for article in (draft, scheduled, old_draft):
        article.refresh_from_db()
        assert article.status == Article.Status.PUBLISHED
    assert draft.published_at == now
    assert scheduled.published_at == now
    # An article that was out before keeps its original date.
    assert old_draft.published_at == now - timedelta(days=30)


def test_unpublish_takes_articles_off_the_site(category):
    factories.make_article(category=category)
    assert services.unpublish(Article.objects.all()) == 1
    assert not Article.objects.published().exists()


def test_body_pictures_larger_than_1600_pixels_are_shrunk(editor):
    upload = SimpleUploadedFile("big.png", picture_bytes(size=(4000, 1000)))
    picture = services.store_body_image(upload, alt_text="全景", user=editor)
    assert (picture.width, picture.height) == (1600, 400)
    assert picture.image.name.startswith("articles/body/")


def test_small_body_pictures_keep_their_size(editor):
    upload = SimpleUploadedFile("small.png", picture_bytes(size=(640, 480)))
    picture = services.store_body_image(upload, user=editor)
    assert (picture.width, picture.height) == (640, 480)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2024-05-01 09:30", "2024-05-01T09:30:00+08:00"),
        ("2024-05-01", "2024-05-01T00:00:00+08:00"),
        ("2024/5/1", "2024-05-01T00:00:00+08:00"),
        ("2024年5月1日", "2024-05-01T00:00:00+08:00"),
        ("2024年5月1日 14:05", "2024-05-01T14:05:00+08:00"),
        ("2024-05-01T01:30:00Z", "2024-05-01T09:30:00+08:00"),
        ("2024-05-01T09:30:00+08:00", "2024-05-01T09:30:00+08:00"),
    ],
)
def test_import_reads_the_usual_date_formats(value, expected):
    parsed = services.parse_datetime_value(value)
    assert timezone.localtime(parsed).isoformat() == expected


@pytest.mark.parametrize("value", ["", "abc", "2024-13-45", "1800-01-01", "32/13/2024"])
def test_import_refuses_what_is_not_a_date(value):
    with pytest.raises(ValueError):
        services.parse_datetime_value(value)
