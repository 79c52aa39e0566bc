import os
import socket
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from g60portal import devserver
from listings.models import Listing
from tests import factories

BASE_DIR = Path(settings.BASE_DIR)


@pytest.mark.django_db
def test_run_periodic_enqueues_the_configured_tasks(settings):
    settings.PERIODIC_TASKS = [("tests.g60portal.tasks_for_tests.note_periodic_run", 60)]
    call_command("run_periodic", "--once")
    assert DBTaskResult.objects.filter(
        task_path="tests.g60portal.tasks_for_tests.note_periodic_run"
    ).exists()


def test_make_run_stops_with_one_line_when_the_port_is_busy(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert devserver.main(["--port", str(port)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"error: port {port} on 127.0.0.1 is busy")
    assert f"PORT={port + 1}" in err[0]


def test_find_python_explains_what_it_looked_for_when_none_fits(tmp_path):
    fake = tmp_path / "python3"
    fake.write_text("#!/bin/sh\nexit 1\n")  # a python3 that is not new enough
    fake.chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin"}
    result = subprocess.run(
        ["sh", str(BASE_DIR / "scripts" / "find-python")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    message = result.stderr.strip().splitlines()[-1]
    assert "python3.13, python3.12 and python3" in message
    assert "Python 3.12" in message


def test_find_python_finds_a_python_312():
    result = subprocess.run(
        ["sh", str(BASE_DIR / "scripts" / "find-python")],
        env={**os.environ},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0
    found = result.stdout.strip()
    version = subprocess.run(
        [found, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True
    )
    assert version.stdout.strip() == "(3, 12)"
    assert sys.version_info[:2] == (3, 12)


# ---- rebuild_search_index ---------------------------------------------------------------


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


@pytest.mark.django_db
def test_it_indexes_rows_written_without_save():
    bulk_listing("B-1", "泗泾镇独栋厂房")
    assert found("泗泾 独栋") == []
    output = rebuild()
    assert found("泗泾 独栋") == ["泗泾镇独栋厂房"]
    assert "[##############################] 1/1 listing" in output
    assert "Re-indexed" in output


@pytest.mark.django_db
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


@pytest.mark.django_db
def test_model_limits_the_rebuild_to_one_kind():
    bulk_listing("B-3", "新浜厂房")
    article = factories.make_article(title="新浜镇招商")
    Article.objects.filter(pk=article.pk).update(search_vector=None)
    output = rebuild("--model", "listing")
    assert found("新浜") == ["新浜厂房"]
    assert Article.objects.get(pk=article.pk).search_vector is None
    assert "article" not in output


@pytest.mark.django_db
def test_dry_run_changes_nothing():
    bulk_listing("B-4", "叶榭厂房")
    output = rebuild("--dry-run", "--missing")
    assert "listing: 1 rows would be re-indexed" in output
    assert found("叶榭") == []


@pytest.mark.django_db
def test_it_says_so_when_there_is_nothing_to_index():
    assert "land: nothing to index" in rebuild("--model", "land")


@pytest.mark.django_db
def test_batches_cover_every_row():
    for n in range(7):
        bulk_listing(f"B-5{n}", f"泖港厂房{n}")
    rebuild("--batch-size", "3", "--model", "listing")
    assert len(found("泖港")) == 7
